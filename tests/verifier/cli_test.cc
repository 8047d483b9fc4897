// Runs the real cocos-verifier binary: exit codes (0 valid, 1 invalid, 2 unusable/usage) and
// the one-line reason for bad input, for every command.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "igvm_writer.h"
#include "test_chain.h"
#include "test_util.h"

namespace cocos::test {
namespace {

CliRun run(const std::string& args, bool with_err = false) {
  return run_verifier(args, with_err);
}

const std::string D = std::string(COCOS_TESTDATA) + "/";

TEST(Cli, MeasureIgvm) {
  TempDir t;
  IgvmWriter w;
  w.platform(1, 2);
  w.page_data(0x1000, 1, pattern_page(1));
  const Bytes file = w.build();
  const std::string good = t.write("good.igvm", file);
  CliRun r = run("measure --igvm " + good);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, to_hex(igvm::snp_launch_digest(file).value()) + "\n");
  EXPECT_EQ(r.out.size(), 97u);
  CliRun v = run("measure --verbose --igvm " + good);
  EXPECT_EQ(v.code, 0);
  EXPECT_NE(v.out.find("page gpa=0x000000001000 type=normal"), std::string::npos);
  Bytes bad_crc = file;
  bad_crc[30] ^= 1;
  Bytes overlap = file;
  put_le(overlap, 8, 16, 4);
  fix_checksum(overlap);
  Bytes bad_len = file;
  put_le(bad_len, 28, 12, 4);
  fix_checksum(bad_len);
  for (const auto& [name, bytes] :
       {std::pair{"crc", bad_crc}, std::pair{"overlap", overlap}, std::pair{"len", bad_len},
        std::pair{"trunc", Bytes(file.begin(), file.begin() + 30)},
        std::pair{"garbage", pattern_page(9, 5000)}}) {
    CliRun b = run("measure --igvm " + t.write(name, bytes), true);
    EXPECT_EQ(b.code, 2) << name;
    EXPECT_EQ(std::count(b.out.begin(), b.out.end(), '\n'), 1) << b.out;
    EXPECT_NE(b.out.find("bad_igvm"), std::string::npos) << b.out;
  }
  EXPECT_EQ(run("measure --igvm " + t.path() + "/missing").code, 2);
}

TEST(Cli, MeasureOvmf) {
  CliRun r = run("measure --ovmf " + D +
                 "sev-snp-measure/ovmf_AmdSev_suffix.bin --vcpus 1 --vcpu-type EPYC-v4 "
                 "--guest-features 0x21 --kernel /dev/null --initrd /dev/null --append ''");
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out,
            "329c8ce0972ae52343b64d34a434a86f245dfd74f5ed7aae15d22efc78fb9683632b9b50e4e1d7fa41179e"
            "f98a7ef198\n");
  CliRun fms = run("measure --ovmf " + D +
                   "sev-snp-measure/ovmf_OvmfX64_suffix.bin --vcpu-family 23 --vcpu-model 1 "
                   "--vcpu-stepping 2 --guest-features 0x21");
  EXPECT_EQ(fms.out,
            "28797ae0afaba4005a81e629acebfb59e6687949d6be44007cd5506823b0dd66f146aaae26ff291eed7b49"
            "3d8a64c385\n");
  EXPECT_EQ(run("measure --ovmf " + D +
                "sev-snp-measure/ovmf_OvmfX64_suffix.bin --vcpu-sig 0x800f12 --kernel /dev/null")
                .code,
            2);
  EXPECT_EQ(run("measure --ovmf " + D + "sev-snp-measure/ovmf_OvmfX64_suffix.bin").code,
            2);  // no vCPU type
}

TEST(Cli, SnpCommand) {
  const std::string gsg = "--report " + D + "snp-reports/gsg_milan_v2_report.bin --vcek " + D +
                          "snp-reports/gsg_milan_v2_vcek.der --time 1767225600";
  EXPECT_EQ(run("snp " + gsg).code, 0);
  EXPECT_EQ(run("snp " + gsg + " --product milan").code, 0);
  CliRun genoa = run("snp " + gsg + " --product genoa --json");
  EXPECT_EQ(genoa.code, 1);
  EXPECT_NE(genoa.out.find("\"first_failure\": \"snp.chain.leaf\""), std::string::npos)
      << genoa.out;
  TempDir t;
  const std::string nodebug =
      t.write("p.json", std::string(R"({"snp": {"guest_policy": {"smt": true}}})"));
  CliRun pol = run("snp " + gsg + " --policy " + nodebug);
  EXPECT_EQ(pol.code, 1);
  EXPECT_EQ(pol.out.rfind("INVALID: first failing check policy.guest.debug", 0), 0u) << pol.out;
  // Certificates from a folder (VCEK plus the AMD bundle), report as hex.
  std::filesystem::create_directory(t.path() + "/certs");
  std::filesystem::copy_file(D + "snp-reports/virtee_milan_v2_vcek.der",
                             t.path() + "/certs/vcek.der");
  std::filesystem::copy_file(D + "amd-roots/ask_ark_milan.pem", t.path() + "/certs/ask_ark.pem");
  EXPECT_EQ(run("snp --report " + D + "snp-reports/virtee_milan_v2_report.hex --certs " + t.path() +
                "/certs --time 1767225600")
                .code,
            0);
  // Unusable input.
  CliRun trunc = run("snp --report " + t.write("r.bin", Bytes(100, 1)), true);
  EXPECT_EQ(trunc.code, 2);
  EXPECT_NE(trunc.out.find("bad_report"), std::string::npos);
  EXPECT_EQ(run("snp --report " + D + "snp-reports/gsg_milan_v2_report.bin --vcek " +
                t.write("v.der", Bytes(50, 7)))
                .code,
            2);
  EXPECT_EQ(run("snp " + gsg + " --policy " + t.write("bad.json", std::string("{"))).code, 2);
  EXPECT_EQ(run("snp " + gsg + " --product sparc").code, 2);
  EXPECT_EQ(run("snp").code, 2);
  EXPECT_EQ(run("frobnicate").code, 2);
  EXPECT_EQ(run("").code, 2);
}

TEST(Cli, VtpmCommand) {
  const std::string q = "vtpm --ak " + D + "vtpm/ak_pub.tpmt_public.bin --quote " + D +
                        "vtpm/quote_sha256.attest.bin --sig " + D +
                        "vtpm/quote_sha256.sig.bin --pcrs " + D + "vtpm/quote_sha256.pcrs.txt";
  EXPECT_EQ(run(q + " --nonce 9009").code, 0);
  EXPECT_EQ(run(q + " --nonce 9008").code, 1);
  EXPECT_EQ(run(q + " --nonce zz").code, 2);
  CliRun pol =
      run(q + " --nonce 9009 --policy " + D + "cocos/cocos_attestation_policy_da31d76c.json");
  EXPECT_EQ(pol.code, 1);
  EXPECT_NE(pol.out.find("policy.pcr.sha256.0"), std::string::npos);
  TempDir t;
  EXPECT_EQ(
      run("vtpm --ak " + t.write("ak", Bytes(10, 1)) + " --quote x --sig y --pcrs z --nonce 00")
          .code,
      2);
  // The event log replays to the quoted PCRs; a log with one digest changed does not; a
  // damaged log is unusable input.
  CliRun log = run(q + " --nonce 9009 --event-log " + D + "vtpm/event_log.bin");
  EXPECT_EQ(log.code, 0) << log.out;
  EXPECT_NE(log.out.find("[pass] vtpm.event_log.sha256"), std::string::npos) << log.out;
  Bytes digest_changed = read_data("vtpm/event_log.bin");
  // The first event follows the Spec ID record (32 bytes + its data size at offset 28); its
  // sha256 digest starts 12 + 2 + 20 + 2 bytes in.
  const std::size_t header = 32 + (digest_changed[28] | digest_changed[29] << 8);
  digest_changed[header + 12 + 2 + 20 + 2] ^= 0x01;
  CliRun differ = run(q + " --nonce 9009 --event-log " + t.write("differ.log", digest_changed));
  EXPECT_EQ(differ.code, 1) << differ.out;
  EXPECT_NE(differ.out.find("[FAIL] vtpm.event_log.sha256"), std::string::npos) << differ.out;
  CliRun cut =
      run(q + " --nonce 9009 --event-log " + t.write("cut.log", std::string(40, 'x')), true);
  EXPECT_EQ(cut.code, 2);
  EXPECT_NE(cut.out.find("bad_event_log"), std::string::npos) << cut.out;
  CliRun show = run("show " + D + "vtpm/event_log.bin");
  EXPECT_EQ(show.code, 0);
  EXPECT_NE(show.out.find("events[43].type: EV_EFI_ACTION"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("replayed.sha256.pcr[0]: 0f35c214608d93c7a6e68ae7359b4a8be5a0e99e"),
            std::string::npos);
  EXPECT_NE(show.out.find("secure_boot: enabled (as logged)"), std::string::npos);
  // A policy requiring Secure Boot: met with the log, failed without it.
  const std::string sb = t.write(
      "sb.json",
      std::string(R"({"format": "cocos-verifier/policy/v1", "event_log": {"secure_boot": true}})"));
  CliRun with_log =
      run(q + " --nonce 9009 --policy " + sb + " --event-log " + D + "vtpm/event_log.bin");
  EXPECT_EQ(with_log.code, 0) << with_log.out;
  EXPECT_NE(with_log.out.find("[pass] vtpm.event_log.secure_boot"), std::string::npos);
  EXPECT_EQ(run(q + " --nonce 9009 --policy " + sb).code, 1);
}

TEST(Cli, EvidenceAndShow) {
  TempDir t;
  verifier::evidence::EvidenceInput ev;
  ev.platform = "snp";
  ev.simulated = true;
  ev.tee_nonce = Bytes(64, 5);
  ev.vtpm_nonce = Bytes(32, 0);
  ev.binding = "none";
  Bytes report = make_report(ev.tee_nonce, Bytes(48, 1));
  sign_report(report, test_chain());
  ev.snp_report = report;
  ev.certs = {{"vcek", test_chain().vcek_der},
              {"ask", test_chain().ask_der},
              {"ark", test_chain().ark_der}};
  const std::string file = t.write("ev.msgpack", encode_evidence(ev));
  const std::string root = t.write("ark.pem", test_chain().ark_pem);
  const std::string policy = t.write("p.json", std::string(R"({"snp": {"vmpl": 2}})"));
  CliRun ok = run("evidence " + file + " --policy " + policy + " --trust-root " + root +
                  " --tee-nonce " + std::string(128, '0').replace(0, 128, to_hex(ev.tee_nonce)));
  EXPECT_EQ(ok.code, 0) << ok.out;
  EXPECT_NE(ok.out.find("SIMULATED"), std::string::npos);
  CliRun json =
      run("evidence " + file + " --policy " + policy + " --trust-root " + root + " --json");
  EXPECT_NE(json.out.find("\"simulated\": true"), std::string::npos);
  // The ARK shipped inside the evidence is not trusted by itself.
  EXPECT_EQ(run("evidence " + file + " --policy " + policy).code, 1);
  EXPECT_EQ(
      run("evidence " + file + " --policy " + policy + " --trust-root " + root + " --tee-nonce 00")
          .code,
      1);
  EXPECT_EQ(run("evidence " + t.write("junk", pattern_page(1, 300)) + " --policy " + policy).code,
            2);
  EXPECT_EQ(run("evidence " + file).code, 2);  // --policy is required
  CliRun show = run("show " + file);
  EXPECT_EQ(show.code, 0);
  EXPECT_NE(show.out.find("snp_report.MEASUREMENT"), std::string::npos);
  CliRun show_report = run("show --json " + D + "cocos/cocos_milan_v2_report_with_certtable.bin");
  EXPECT_EQ(show_report.code, 0);
  EXPECT_NE(show_report.out.find("ecae0c0f-9502-43b1-afa2-0ae2e0d565b6"), std::string::npos);
  EXPECT_EQ(run("show " + t.write("empty", std::string())).code, 2);
}

}  // namespace
}  // namespace cocos::test
