// The firmware event log in vTPM evidence, with a real swtpm: the agent sends the file it is
// pointed at, and the verifier replays it against the quotes. swtpm has no firmware, so the test
// plays the firmware's part: it extends PCR 16 through the attester and writes the matching
// crypto-agile log; a log that does not describe the TPM's PCRs fails the replay.
#include <gtest/gtest.h>

#include <fstream>

#include "cocos/attestation/attester.h"
#include "cocos/common/hash.h"
#include "cocos/verifier/evidence/evidence.h"
#include "swtpm_fixture.h"

namespace cocos::attestation {
namespace {

using testing::Swtpm;
using testing::TempDir;

void put_le(Bytes& b, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// A crypto-agile log declaring SHA-256 and SHA-384, with one EV_EVENT_TAG event on `pcr`
// carrying `d256` and `d384`.
Bytes agile_log(std::uint32_t pcr, const Bytes& d256, const Bytes& d384) {
  Bytes spec;
  const char sig[] = "Spec ID Event03";
  spec.insert(spec.end(), sig, sig + sizeof sig);
  put_le(spec, 0, 4);                     // platformClass
  spec.insert(spec.end(), {0, 2, 0, 2});  // spec version 2.0, errata 0, uintnSize 2
  put_le(spec, 2, 4);                     // two algorithms
  put_le(spec, 0x000B, 2), put_le(spec, 32, 2);
  put_le(spec, 0x000C, 2), put_le(spec, 48, 2);
  spec.push_back(0);  // no vendor info
  Bytes b;
  put_le(b, 0, 4);
  put_le(b, 3, 4);  // EV_NO_ACTION
  b.insert(b.end(), 20, 0);
  put_le(b, spec.size(), 4);
  b.insert(b.end(), spec.begin(), spec.end());
  put_le(b, pcr, 4);
  put_le(b, 6, 4);  // EV_EVENT_TAG
  put_le(b, 2, 4);
  put_le(b, 0x000B, 2);
  b.insert(b.end(), d256.begin(), d256.end());
  put_le(b, 0x000C, 2);
  b.insert(b.end(), d384.begin(), d384.end());
  const std::string data = "cocos test firmware event";
  put_le(b, data.size(), 4);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

void write_file(const std::string& path, const Bytes& b) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

verifier::evidence::EvidenceInput to_input(const Evidence& ev) {
  verifier::evidence::EvidenceInput in;
  in.platform = ev.platform;
  in.tee_nonce = ev.tee_nonce;
  in.vtpm_nonce = ev.vtpm_nonce;
  in.ak_public = ev.ak_public;
  for (const auto& q : *ev.quotes) in.quotes.push_back({q.hash_alg, q.attest, q.signature, q.pcrs});
  in.binding = ev.binding;
  in.event_log = ev.event_log;
  return in;
}

class EventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = Swtpm::start(dir_.path() + "/tpm");
    ASSERT_TRUE(t.ok()) << t.error().to_string();
    tpm_ = std::move(*t);
    AttesterConfig c;
    c.snp = SnpMode::kDisabled;
    c.tcti = tpm_->tcti();
    c.event_log = log_path_;
    auto a = Attester::create(c);
    ASSERT_TRUE(a.ok()) << a.error().to_string();
    attester_ = std::move(*a);
  }
  Evidence attest() {
    AttestationRequest req;
    req.type = Platform::kVtpm;
    req.vtpm_nonce = Bytes(32, 0x5a);
    auto ev = attester_->attest(req);
    EXPECT_TRUE(ev.ok()) << ev.error().to_string();
    return ev.ok() ? std::move(*ev) : Evidence{};
  }
  verifier::Verdict verify(const Evidence& ev) {
    verifier::evidence::EvidenceOptions o;
    o.vtpm_nonce = Bytes(32, 0x5a);
    return verifier::evidence::verify_evidence(to_input(ev), o);
  }

  TempDir dir_;
  std::string log_path_ = dir_.path() + "/binary_bios_measurements";
  std::unique_ptr<Swtpm> tpm_;
  std::unique_ptr<Attester> attester_;
};

const verifier::Check* check(const verifier::Verdict& v, const std::string& code) {
  for (const auto& c : v.checks()) {
    if (c.code == code) return &c;
  }
  return nullptr;
}

TEST_F(EventLogTest, NoFileMeansNoLogAndASkippedCheck) {
  const Evidence ev = attest();
  EXPECT_FALSE(ev.event_log.has_value());
  const verifier::Verdict v = verify(ev);
  EXPECT_TRUE(v.valid()) << verifier::render_text(v);
  ASSERT_NE(check(v, "vtpm.event_log"), nullptr);
  EXPECT_EQ(check(v, "vtpm.event_log")->status, verifier::CheckStatus::kSkip);
}

TEST_F(EventLogTest, TheLogIsSentAndReplaysToTheQuotedPcrs) {
  const std::string manifest = R"({"id":"c1"})";
  ASSERT_TRUE(attester_->extend_manifest_measurement(as_bytes(manifest)).ok());
  const Bytes log =
      agile_log(16, digest(HashAlg::kSha3_256, manifest), digest(HashAlg::kSha3_384, manifest));
  write_file(log_path_, log);
  const Evidence ev = attest();
  ASSERT_TRUE(ev.event_log.has_value());
  EXPECT_EQ(*ev.event_log, log);
  const verifier::Verdict v = verify(ev);
  EXPECT_TRUE(v.valid()) << verifier::render_text(v);
  for (const char* code : {"vtpm.event_log.sha256", "vtpm.event_log.sha384"}) {
    ASSERT_NE(check(v, code), nullptr) << verifier::render_text(v);
    EXPECT_EQ(check(v, code)->status, verifier::CheckStatus::kPass) << code;
  }
}

TEST_F(EventLogTest, ALogThatDoesNotDescribeTheTpmFails) {
  const std::string manifest = R"({"id":"c1"})";
  ASSERT_TRUE(attester_->extend_manifest_measurement(as_bytes(manifest)).ok());
  // The log claims another measurement than the one the TPM holds.
  write_file(log_path_, agile_log(16, digest(HashAlg::kSha3_256, std::string("other")),
                                  digest(HashAlg::kSha3_384, std::string("other"))));
  const verifier::Verdict v = verify(attest());
  EXPECT_FALSE(v.valid());
  ASSERT_NE(check(v, "vtpm.event_log.sha256"), nullptr);
  EXPECT_EQ(check(v, "vtpm.event_log.sha256")->status, verifier::CheckStatus::kFail);
  EXPECT_NE(check(v, "vtpm.event_log.sha256")->actual.find("PCRs {16} differ"), std::string::npos);
}

TEST_F(EventLogTest, AnOversizeLogIsNotSent) {
  write_file(log_path_, Bytes(kMaxEventLogBytes + 1, 0));
  const Evidence ev = attest();
  EXPECT_FALSE(ev.event_log.has_value());
  EXPECT_FALSE(ev.quotes->empty());  // the evidence itself is still produced
  write_file(log_path_, Bytes(kMaxEventLogBytes, 0));
  EXPECT_TRUE(attest().event_log.has_value());  // exactly at the bound: sent
}

}  // namespace
}  // namespace cocos::attestation
