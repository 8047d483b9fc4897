// The Attester with simulated SNP and a real swtpm: capabilities, snp / snp-vtpm evidence with
// the bindings recomputed (SHA3-512), with and without the bus key, and concurrent callers.
#include "cocos/attestation/attester.h"

#include <gtest/gtest.h>

#include <thread>

#include "cocos/attestation/snp_report_layout.h"
#include "cocos/common/hash.h"
#include "snp_test_util.h"
#include "swtpm_fixture.h"
#include "tpm_test_util.h"

namespace cocos::attestation {
namespace {

Bytes report_data_of(const Evidence& ev) {
  const Bytes& r = *ev.snp_report;
  return Bytes(r.begin() + snp_layout::kReportData, r.begin() + snp_layout::kReportData + 64);
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

class AttesterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = testing::Swtpm::start(dir_.path() + "/tpm");
    ASSERT_TRUE(t.ok()) << t.error().to_string();
    tpm_ = std::move(*t);
    testing::seed_simulated_chain(dir_.path() + "/sim");
    AttesterConfig c;
    c.snp = SnpMode::kSimulated;
    c.simulated = SimulatedSnpConfig{};
    c.simulated->dir = dir_.path() + "/sim";
    c.simulated->measurement.fill(0x3C);
    c.tcti = tpm_->tcti();
    auto a = Attester::create(c);
    ASSERT_TRUE(a.ok()) << a.error().to_string();
    attester_ = std::move(*a);
  }

  void expect_snp_signed(const Evidence& ev) {
    ASSERT_TRUE(ev.snp_report.has_value());
    ASSERT_EQ(ev.snp_report->size(), kSnpReportSize);
    ASSERT_EQ(ev.certs.count("vcek"), 1u);
    X509* vcek = testing::parse_der_cert(ev.certs.at("vcek"));
    ASSERT_NE(vcek, nullptr);
    EXPECT_TRUE(testing::report_signature_valid(*ev.snp_report, vcek));
    X509_free(vcek);
    EXPECT_EQ((*ev.snp_report)[snp_layout::kMeasurement], 0x3C);
    EXPECT_TRUE(ev.simulated);
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::Swtpm> tpm_;
  std::unique_ptr<Attester> attester_;
};

TEST_F(AttesterTest, OffersEveryTypeAndSaysItIsSimulated) {
  EXPECT_EQ(attester_->capabilities(), (std::vector<std::string>{"snp", "vtpm", "snp-vtpm"}));
  EXPECT_TRUE(attester_->simulated());
  EXPECT_EQ(attester_->snp_source(), "simulated");
  ASSERT_TRUE(attester_->simulated_trust_root().has_value());
  EXPECT_EQ(*attester_->simulated_trust_root(), dir_.path() + "/sim/ark.pem");
}

TEST_F(AttesterTest, SnpVtpmReportDataIsSha3_512OfTeeNonceAndAkPublic) {
  AttestationRequest req;
  req.type = Platform::kSnpVtpm;
  req.tee_nonce = {9, 8, 7};
  req.vtpm_nonce = {1};
  auto ev = attester_->attest(req);
  ASSERT_TRUE(ev.ok()) << ev.error().to_string();
  EXPECT_EQ(ev->platform, "snp-vtpm");
  EXPECT_EQ(ev->binding, "sha3-512(tee_nonce|ak_public)");
  Bytes tee(64, 0);
  tee[0] = 9, tee[1] = 8, tee[2] = 7;
  EXPECT_EQ(ev->tee_nonce, tee);
  ASSERT_TRUE(ev->ak_public && ev->quotes);
  EXPECT_EQ(report_data_of(*ev), digest(HashAlg::kSha3_512, cat({tee, *ev->ak_public})));
  expect_snp_signed(*ev);
  for (const Quote& q : *ev->quotes) {
    EXPECT_EQ(testing::extra_data(testing::unmarshal_attest(q.attest)), ev->vtpm_nonce);
  }
  EXPECT_FALSE(ev->bus_key.has_value());
}

TEST_F(AttesterTest, SnpVtpmWithBusKeyAddsItToTheHash) {
  AttestationRequest req;
  req.type = Platform::kSnpVtpm;
  req.tee_nonce = Bytes(64, 0xEE);
  req.vtpm_nonce = Bytes(32, 0xDD);
  req.bind_bus_key = true;
  req.bus_key = Bytes(32, 0xB5);
  auto ev = attester_->attest(req);
  ASSERT_TRUE(ev.ok()) << ev.error().to_string();
  EXPECT_EQ(ev->binding, "sha3-512(tee_nonce|ak_public|bus_key)");
  EXPECT_EQ(ev->bus_key, req.bus_key);
  EXPECT_EQ(report_data_of(*ev),
            digest(HashAlg::kSha3_512, cat({req.tee_nonce, *ev->ak_public, req.bus_key})));
  for (const Quote& q : *ev->quotes) {
    EXPECT_EQ(testing::extra_data(testing::unmarshal_attest(q.attest)), req.vtpm_nonce);
  }
  expect_snp_signed(*ev);
}

TEST_F(AttesterTest, SnpAloneUsesTheNonceOrItsHashWithTheBusKey) {
  AttestationRequest req;
  req.type = Platform::kSnp;
  req.tee_nonce = Bytes(64, 0x42);
  auto ev = attester_->attest(req);
  ASSERT_TRUE(ev.ok()) << ev.error().to_string();
  EXPECT_EQ(ev->platform, "snp");
  EXPECT_EQ(ev->binding, "none");
  EXPECT_EQ(report_data_of(*ev), req.tee_nonce);
  EXPECT_FALSE(ev->ak_public.has_value());
  EXPECT_FALSE(ev->quotes.has_value());
  expect_snp_signed(*ev);

  req.bind_bus_key = true;
  req.bus_key = Bytes(32, 0x01);
  ev = attester_->attest(req);
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->binding, "sha3-512(tee_nonce|bus_key)");
  EXPECT_EQ(report_data_of(*ev), digest(HashAlg::kSha3_512, cat({req.tee_nonce, req.bus_key})));
}

TEST_F(AttesterTest, VtpmEvidenceIsNotMarkedSimulated) {
  AttestationRequest req;
  req.type = Platform::kVtpm;
  auto ev = attester_->attest(req);
  ASSERT_TRUE(ev.ok());
  EXPECT_FALSE(ev->simulated);
  EXPECT_TRUE(ev->certs.empty());
}

// Two threads attesting at once are serialized by the facade's mutex; every result is whole.
TEST_F(AttesterTest, ConcurrentCallersAreSerialized) {
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        AttestationRequest req;
        req.type = Platform::kSnpVtpm;
        req.tee_nonce = {static_cast<std::uint8_t>(t), static_cast<std::uint8_t>(i)};
        auto ev = attester_->attest(req);
        if (ev.ok() && report_data_of(*ev) ==
                           digest(HashAlg::kSha3_512, cat({ev->tee_nonce, *ev->ak_public}))) {
          ++good;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), 10);
}

TEST(AttesterConfigErrors, ForcedModesFailWhenAbsent) {
  testing::TempDir dir;
  AttesterConfig c;
  c.vtpm = false;
  c.snp = SnpMode::kSimulated;  // without a simulated config
  EXPECT_EQ(Attester::create(c).error().code, "bad_message");
  c.snp = SnpMode::kConfigfsTsm;
  c.tsm.root = dir.path() + "/none";
  EXPECT_EQ(Attester::create(c).error().code, "attestation_unavailable");
  c.snp = SnpMode::kSevGuest;
  c.sev_guest.device = dir.path() + "/sev-guest";
  EXPECT_EQ(Attester::create(c).error().code, "attestation_unavailable");
  // Auto with nothing present: no error, no capability, a reason when asked.
  c.snp = SnpMode::kAuto;
  auto a = Attester::create(c);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE((*a)->capabilities().empty());
  EXPECT_FALSE((*a)->simulated());
  EXPECT_FALSE((*a)->simulated_trust_root().has_value());
  AttestationRequest req;
  auto ev = (*a)->attest(req);
  ASSERT_FALSE(ev.ok());
  EXPECT_EQ(ev.error().code, "attestation_unavailable");
  EXPECT_NE(ev.error().message.find("sev-guest"), std::string::npos) << ev.error().message;
}

TEST(AttesterConfigErrors, AutoPicksConfigfsTsmWhenItsRootExists) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() + "/report");
  AttesterConfig c;
  c.vtpm = false;
  c.tsm.root = dir.path() + "/report";
  auto a = Attester::create(c);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)->snp_source(), "configfs-tsm");
  EXPECT_EQ((*a)->capabilities(), std::vector<std::string>{"snp"});
}

}  // namespace
}  // namespace cocos::attestation
