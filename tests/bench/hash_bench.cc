// Hashing benchmarks: the single-core SHA3-256 baseline (1 MiB updates, the chunk size of the
// upload and result streams) and the IGVM launch digest of a generated file against one SHA-384
// over the same bytes, both with OpenSSL EVP, measured in alternating rounds.
#include <openssl/evp.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>

#include "benches.h"
#include "cocos/igvm/launch_digest.h"
#include "cocos/igvm/measure.h"
#include "gbench.h"
#include "igvm_writer.h"
#include "support/process.h"

namespace cocos::bench {

using test_support::TempDir;

namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct MdFree {
  void operator()(EVP_MD* m) const { EVP_MD_free(m); }
};

// A Google Benchmark body streaming `data` through one EVP digest per iteration in
// `chunk`-sized updates. `md` and `ctx` must outlive the body.
std::function<void(benchmark::State&)> evp_body(EVP_MD* md, EVP_MD_CTX* ctx, const Bytes& data,
                                                std::size_t chunk) {
  return [md, ctx, &data, chunk](benchmark::State& st) {
    unsigned char out[EVP_MAX_MD_SIZE];
    for (auto _ : st) {
      EVP_DigestInit_ex(ctx, md, nullptr);
      for (std::size_t off = 0; off < data.size(); off += chunk) {
        EVP_DigestUpdate(ctx, data.data() + off, std::min(chunk, data.size() - off));
      }
      unsigned int n = 0;
      EVP_DigestFinal_ex(ctx, out, &n);
      benchmark::DoNotOptimize(out);
    }
    st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) *
                         static_cast<std::int64_t>(data.size()));
  };
}

// Streams `data` through one EVP digest per iteration in `chunk`-sized updates.
Result<Rates> evp_rate(const char* md_name, const Bytes& data, std::size_t chunk, double min_time) {
  std::unique_ptr<EVP_MD, MdFree> md(EVP_MD_fetch(nullptr, md_name, nullptr));
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!md || !ctx) return make_error("internal", "EVP_MD_fetch failed");
  return run_gbench(md_name, evp_body(md.get(), ctx.get(), data, chunk), min_time);
}

// An IGVM file of `bytes` of SNP PAGE_DATA (4 KiB pages of distinct patterns) plus its platform
// header, in the verifier tests' format.
Bytes make_igvm(std::uint64_t bytes) {
  test::IgvmWriter w;
  w.platform(0x1, 2);  // SEV-SNP
  w.guest_policy(0x30000, 0x1);
  const std::uint64_t pages = bytes / 4096;
  for (std::uint64_t i = 0; i < pages; ++i) {
    Bytes page = test::pattern_page(static_cast<std::uint8_t>(i * 7 + 1));
    // Distinct pages: stamp the index so no two pages are equal.
    for (int b = 0; b < 8; ++b)
      page[static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(i >> (8 * b));
    w.page_data(0x100000 + i * 4096, 0x1, std::move(page));
  }
  return w.build();
}

}  // namespace

Result<double> sha3_single_core_mib_s(const Options& o) {
  Bytes buf(1 << 20);
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<std::uint8_t>(i * 131 + 7);
  auto rate = evp_rate("SHA3-256", buf, 1 << 20, o.min_time);
  if (!rate) return rate.take_error();
  return rate->bytes_per_s / kMiB;
}

void bench_igvm(const Options& o, Report& r) {
  auto dir = TempDir::create(o.work_base, "cocos-bench-igvm-");
  if (!dir) return r.skipped("igvm", dir.error().to_string());
  const std::string path = dir->path() + "/bench.igvm";
  {
    const Bytes file = make_igvm(o.igvm_bytes());
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
    if (!f) return r.skipped("igvm", "cannot write " + path);
  }
  auto bytes = igvm::read_file_bounded(path, 1ull << 40);
  if (!bytes) return r.skipped("igvm", bytes.error().to_string());
  const double size = static_cast<double>(bytes->size());
  std::unique_ptr<EVP_MD, MdFree> md(EVP_MD_fetch(nullptr, "SHA384", nullptr));
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!md || !ctx) return r.skipped("igvm", "EVP_MD_fetch failed");
  // The library's whole job as the verifier runs it: read the file, parse it, measure every
  // page; against one SHA-384 stream over the same bytes, in alternating rounds.
  // Rounds of about one launch digest each: many, so that each A/B pair shares the load.
  const int rounds = o.quick ? 1 : 7;
  auto rates = run_gbench_alternating(
      "igvm_launch_digest",
      [&](benchmark::State& st) {
        for (auto _ : st) {
          auto d = igvm::snp_launch_digest_from_file(path);
          if (!d) {
            st.SkipWithError(d.error().to_string().c_str());
            break;
          }
          benchmark::DoNotOptimize(d->data());
        }
        st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * size));
      },
      "SHA384", evp_body(md.get(), ctx.get(), *bytes, 1 << 20),
      o.quick ? o.min_time : o.min_time / 4, rounds);
  if (!rates) return r.skipped("igvm", rates.error().to_string());
  const double igvm = rates->median_a(&Rates::bytes_per_s) / kMiB;
  const double sha = rates->median_b(&Rates::bytes_per_s) / kMiB;
  r.set("igvm_mib_s", igvm, "MiB/s");
  r.set("sha384_mib_s", sha, "MiB/s");
  r.set("igvm_ratio", rates->median_ratio(&Rates::bytes_per_s), "", ">= 0.9");
  char note[512];
  std::snprintf(note, sizeof note,
                "%.0f MiB IGVM file (%llu PAGE_DATA pages) mapped+parsed+measured from the page "
                "cache (%u page-hashing threads); baseline: one SHA-384 stream over the same bytes "
                "in memory; %d alternating rounds, medians; ratio per round: %s",
                size / kMiB, static_cast<unsigned long long>(o.igvm_bytes() / 4096),
                igvm::PageHasher().threads(), rounds,
                rates->rounds_text(&Rates::bytes_per_s).c_str());
  r.note("igvm", note);
}

}  // namespace cocos::bench
