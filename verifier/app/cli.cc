// Command-line parsing (CLI11). CLI11 exceptions stay here; usage errors exit with 2.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.h"

namespace cocos::verifier::app {

int unusable(const Io& io, const Error& e) {
  std::string msg = e.message;
  for (char& c : msg) {
    if (c == '\n') c = ' ';
  }
  io.err << "cocos-verifier: " << e.code << ": " << msg << "\n";
  return kExitUnusable;
}

std::time_t CommonVerify::now() const {
  return time ? static_cast<std::time_t>(*time) : std::time(nullptr);
}

namespace {
void add_common(CLI::App* sub, CommonVerify& c) {
  sub->add_option("--policy", c.policy, "JSON policy (cocos form or ours)");
  sub->add_option("--trust-root", c.trust_roots,
                  "extra trusted root (PEM), e.g. the agent's simulated ARK");
  sub->add_option("--crl", c.crls,
                  "AMD CRL (DER or PEM, from KDS /vcek/v1/<product>/crl): the chain must not be "
                  "revoked (repeatable)");
  sub->add_option("--product", c.product, "milan, genoa or turin");
  sub->add_flag("--json", c.json, "machine-readable verdict");
  sub->add_option("--time", c.time, "verify certificates at this UNIX time instead of now");
}
void add_kds(CLI::App* sub, KdsArgs& k) {
  sub->add_flag("--kds", k.vcek, "fetch the VCEK from AMD's KDS when the report comes without one");
  sub->add_flag("--kds-crl", k.crl,
                "fetch the ARK's CRL from AMD's KDS and check the chain against it");
  sub->add_option("--kds-url", k.url,
                  "KDS base URL, e.g. a mirror (default https://kdsintf.amd.com; implies --kds)");
  sub->add_option("--kds-cache", k.cache,
                  "keep fetched VCEKs (for good) and CRLs (until nextUpdate) in this folder");
  sub->add_option("--kds-ca", k.ca, "CA bundle (PEM) for the KDS URL's TLS (default: system's)");
  sub->add_option("--kds-timeout", k.timeout, "seconds per connect/read (default 20)");
}
}  // namespace

int run(int argc, char** argv, std::ostream& out, std::ostream& err) {
  Io io{out, err};
  CLI::App app{
      "cocos-verifier: verify SEV-SNP reports, vTPM quotes and cocos evidence; "
      "compute launch digests"};
  app.require_subcommand(1);

  MeasureArgs m;
  auto* measure =
      app.add_subcommand("measure", "print the SNP launch digest of an IGVM or OVMF guest");
  measure->add_option("--igvm", m.igvm, "IGVM file");
  measure->add_option("--ovmf", m.ovmf, "OVMF image (direct boot, sev-snp-measure semantics)");
  measure->add_flag("--native-zero", m.native_zero,
                    "IGVM zero pages as page type ZERO (igvmmeasure --native-zero)");
  measure->add_flag("--check-kvm", m.check_kvm, "refuse IGVM files KVM cannot launch as measured");
  measure->add_flag("--ignore-id-block", m.ignore_id_block, "do not compare the ID block ld");
  measure->add_flag("--verbose,-v", m.verbose, "print every measured page");
  measure->add_flag("--json", m.json, "JSON output");
  measure->add_option("--mode", m.mode, "sev-snp-measure mode (only snp)");
  measure->add_option("--vcpus", m.vcpus, "number of vCPUs");
  measure->add_option("--vcpu-type", m.vcpu_type, "QEMU vCPU model, e.g. EPYC-v4");
  measure->add_option("--vcpu-sig", m.vcpu_sig, "CPUID(1).EAX, e.g. 0x800f12");
  measure->add_option("--vcpu-family", m.family, "vCPU family");
  measure->add_option("--vcpu-model", m.model, "vCPU model");
  measure->add_option("--vcpu-stepping", m.stepping, "vCPU stepping");
  measure->add_option("--kernel", m.kernel, "kernel file (measured through the SEV hashes table)");
  measure->add_option("--initrd", m.initrd, "initrd file");
  measure->add_option("--append", m.append, "kernel command line");
  measure->add_option("--guest-features", m.guest_features, "VMSA SEV_FEATURES (default 0x1)");
  measure->add_option("--ovmf-hash", m.ovmf_hash, "precomputed OVMF page-chain digest (hex)");

  SnpArgs s;
  auto* snpc = app.add_subcommand("snp", "verify an SEV-SNP attestation report");
  snpc->add_option("--report", s.report, "report: raw 1184 bytes (+ certificate table) or hex")
      ->required();
  snpc->add_option("--vcek", s.vcek, "VCEK or VLEK certificate (PEM or DER)");
  snpc->add_option("--certs", s.certs_dir,
                   "folder of certificates (VCEK/VLEK, ASK/ASVK, ARK; PEM or DER)");
  snpc->add_option("--igvm", s.igvm,
                   "compare MEASUREMENT with the launch digest of this IGVM file");
  snpc->add_flag("--native-zero", s.native_zero, "IGVM measurement option");
  add_common(snpc, s.c);
  add_kds(snpc, s.c.kds);

  VtpmArgs t;
  auto* vt = app.add_subcommand("vtpm", "verify one vTPM quote");
  vt->add_option("--ak", t.ak, "AK TPMT_PUBLIC")->required();
  vt->add_option("--quote", t.quote, "TPMS_ATTEST")->required();
  vt->add_option("--sig", t.sig, "TPMT_SIGNATURE")->required();
  vt->add_option("--pcrs", t.pcrs, "PCR values, '<index> <hex>' per line")->required();
  vt->add_option("--nonce", t.nonce, "expected qualifying data (hex)")->required();
  vt->add_option("--event-log", t.event_log,
                 "TCG event log (binary_bios_measurements) to replay against the quote");
  add_common(vt, t.c);

  EvidenceArgs e;
  auto* ev = app.add_subcommand("evidence", "verify the agent's whole evidence message");
  ev->add_option("file", e.file, "evidence file (msgpack body)")->required();
  ev->add_option("--igvm", e.igvm, "compare MEASUREMENT with the launch digest of this IGVM file");
  ev->add_flag("--native-zero", e.native_zero, "IGVM measurement option");
  ev->add_option("--tee-nonce", e.tee_nonce, "expected tee_nonce (hex, <= 64 bytes)");
  ev->add_option("--vtpm-nonce", e.vtpm_nonce, "expected vtpm_nonce (hex, <= 32 bytes)");
  ev->add_flag("--require-event-log", e.require_event_log,
               "fail (rather than skip) when the evidence carries no event log");
  add_common(ev, e.c);
  add_kds(ev, e.c.kds);

  ShowArgs sh;
  auto* show = app.add_subcommand(
      "show", "print every field of a report, an evidence file or a TCG event log");
  show->add_option("file", sh.file, "report, evidence or event log file")->required();
  show->add_flag("--json", sh.json, "JSON output");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& ex) {
    return app.exit(ex, out, err);
  } catch (const CLI::CallForAllHelp& ex) {
    return app.exit(ex, out, err);
  } catch (const CLI::ParseError& ex) {
    err << "cocos-verifier: usage: " << ex.what() << " (see --help)\n";
    return kExitUnusable;
  }
  if (measure->parsed()) return cmd_measure(m, io);
  if (snpc->parsed()) {
    if (ev->parsed()) return kExitUnusable;
    return cmd_snp(s, io);
  }
  if (vt->parsed()) return cmd_vtpm(t, io);
  if (ev->parsed()) return cmd_evidence(e, io);
  if (show->parsed()) return cmd_show(sh, io);
  err << "cocos-verifier: usage: no command\n";
  return kExitUnusable;
}

}  // namespace cocos::verifier::app
