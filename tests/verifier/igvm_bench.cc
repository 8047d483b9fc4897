// Launch-digest throughput: measuring a 16 MiB IGVM file (4096 pages) against plain SHA-384
// over the same page bytes. The digest costs one extra 112-byte hash per page.
#include <benchmark/benchmark.h>

#include "cocos/common/hash.h"
#include "cocos/igvm/measure.h"
#include "igvm_writer.h"

namespace {

const cocos::Bytes& file() {
  static const cocos::Bytes f = [] {
    cocos::test::IgvmWriter w;
    w.platform(1, 2);
    for (std::uint64_t i = 0; i < 4096; ++i) {
      w.page_data(0x100000 + i * 4096, 1, cocos::test::pattern_page(static_cast<std::uint8_t>(i)));
    }
    return w.build();
  }();
  return f;
}

void BM_IgvmLaunchDigest(benchmark::State& s) {
  const auto& f = file();
  for (auto _ : s) benchmark::DoNotOptimize(cocos::igvm::snp_launch_digest(f));
  s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations() * f.size()));
}

void BM_RawSha384(benchmark::State& s) {
  const auto& f = file();
  for (auto _ : s) benchmark::DoNotOptimize(cocos::digest(cocos::HashAlg::kSha384, f));
  s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations() * f.size()));
}

BENCHMARK(BM_IgvmLaunchDigest)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RawSha384)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
