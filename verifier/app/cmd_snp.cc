// `snp`: one report, its certificates, the embedded or given roots, an optional policy.
#include <filesystem>
#include <ostream>

#include "cocos/igvm/measure.h"
#include "cocos/verifier/evidence/snp_checks.h"
#include "common_verify.h"

namespace cocos::verifier::app {

int cmd_snp(const SnpArgs& a, const Io& io) {
  auto setup = load_common(a.c);
  if (!setup) return unusable(io, setup.error());
  auto file = igvm::read_file_bounded(a.report, snp::kMaxReportFileBytes);
  if (!file) return unusable(io, file.error());
  auto loaded = snp::load_report(*file);
  if (!loaded) return unusable(io, loaded.error());

  snp::SnpEvidence ev;
  ev.report = loaded->report;
  // Certificates: the extended report's table, then --certs DIR, then --vcek.
  std::vector<snp::Cert> certs;
  for (const auto* der :
       {&loaded->certs.vcek, &loaded->certs.vlek, &loaded->certs.ask, &loaded->certs.ark}) {
    if (!*der) continue;
    auto c = snp::Cert::from_der(**der);
    if (!c) return unusable(io, c.error());
    certs.push_back(std::move(*c));
  }
  if (!a.certs_dir.empty()) {
    std::error_code ec;
    std::filesystem::directory_iterator it(a.certs_dir, ec), end;
    if (ec) return unusable(io, make_error("io_error", "cannot list " + a.certs_dir));
    int n = 0;
    for (; it != end && n < 32; it.increment(ec), ++n) {
      const auto ext = it->path().extension().string();
      if (ext != ".pem" && ext != ".der" && ext != ".crt" && ext != ".cer") continue;
      auto cs = snp::load_certs_file(it->path().string());
      if (!cs) return unusable(io, cs.error());
      for (auto& c : *cs) certs.push_back(std::move(c));
    }
  }
  if (!a.vcek.empty()) {
    auto cs = snp::load_certs_file(a.vcek);
    if (!cs) return unusable(io, cs.error());
    for (auto& c : *cs) certs.push_back(std::move(c));
  }
  if (auto s = snp::add_certs(ev, std::move(certs)); !s) return unusable(io, s.error());

  evidence::SnpRunOptions so;
  so.policy = setup->policy ? &*setup->policy : nullptr;
  so.verify.product = setup->product;
  so.verify.extra_roots = setup->extra_roots;
  so.verify.crls = setup->crls;
  so.verify.now = a.c.now();
  so.verify.fetch_vcek = setup->vcek_fetcher();
  so.verify.fetch_crls = setup->crl_fetcher();
  if (!a.igvm.empty()) {
    igvm::MeasureOptions mo;
    mo.native_zero = a.native_zero;
    auto d = igvm::snp_launch_digest_from_file(a.igvm, mo);
    if (!d) return unusable(io, d.error());
    igvm::Digest48 want;
    std::copy(d->begin(), d->end(), want.begin());
    so.expected_measurement = want;
  }
  Verdict v;
  v.subject = "snp report v" + std::to_string(ev.report.version);
  for (const auto& w : loaded->warnings) v.warn(w);
  if (setup->policy) {
    for (const auto& w : setup->policy->warnings) v.warn("policy: " + w);
  }
  evidence::run_snp_checks(ev, so, v);
  return print_verdict(v, a.c, io);
}

}  // namespace cocos::verifier::app
