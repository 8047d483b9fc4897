// vTPM provider against a real swtpm: evidence shape, quotes cross-checked with tpm2_checkquote,
// AK persistence and reuse, PCR16 manifest measurement, error paths, and 1000 quotes in a row.
#include <gtest/gtest.h>

#include "cocos/attestation/attester.h"
#include "cocos/attestation/tss_error.h"
#include "cocos/attestation/vtpm_provider.h"
#include "cocos/common/hash.h"
#include "swtpm_fixture.h"
#include "tpm_test_util.h"

namespace cocos::attestation {
namespace {

using testing::Swtpm;
using testing::TempDir;

class VtpmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = Swtpm::start(dir_.path() + "/tpm");
    ASSERT_TRUE(t.ok()) << t.error().to_string();
    tpm_ = std::move(*t);
  }
  std::unique_ptr<Attester> attester() {
    AttesterConfig c;
    c.snp = SnpMode::kDisabled;
    c.tcti = tpm_->tcti();
    auto a = Attester::create(c);
    EXPECT_TRUE(a.ok()) << a.error().to_string();
    return a.ok() ? std::move(*a) : nullptr;
  }
  // Runs tpm2_checkquote for every quote; returns true only if all pass.
  bool checkquote_all(const Evidence& ev, const Bytes& qualifying) {
    auto pem = testing::ak_pem(*ev.ak_public);
    EXPECT_TRUE(pem.ok());
    const std::string ak = dir_.path() + "/ak.pem";
    testing::write_text(ak, *pem);
    bool all = true;
    for (const Quote& q : *ev.quotes) {
      auto f = testing::write_checkquote_files(dir_.path(), q);
      int rc = testing::run_process({"tpm2_checkquote", "-u", ak, "-m", f.msg, "-s", f.sig, "-f",
                                     f.pcrs, "-g", "sha256", "-q", to_hex(qualifying)});
      all &= rc == 0;
    }
    return all;
  }

  TempDir dir_;
  std::unique_ptr<Swtpm> tpm_;
};

TEST_F(VtpmTest, EvidenceHasAkAndOneQuotePerBankThatTpm2CheckquoteAccepts) {
  auto a = attester();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->capabilities(), std::vector<std::string>{"vtpm"});
  AttestationRequest req;
  req.type = Platform::kVtpm;
  req.vtpm_nonce = {1, 2, 3};
  auto ev = a->attest(req);
  ASSERT_TRUE(ev.ok()) << ev.error().to_string();

  EXPECT_EQ(ev->platform, "vtpm");
  EXPECT_FALSE(ev->simulated);
  EXPECT_EQ(ev->binding, "none");
  EXPECT_FALSE(ev->snp_report.has_value());
  EXPECT_FALSE(ev->bus_key.has_value());
  Bytes padded(32, 0);
  padded[0] = 1, padded[1] = 2, padded[2] = 3;
  EXPECT_EQ(ev->vtpm_nonce, padded);
  EXPECT_EQ(ev->tee_nonce, Bytes(64, 0));

  ASSERT_TRUE(ev->ak_public.has_value());
  TSS2_RC rc = 0;
  TPMT_PUBLIC ak = testing::unmarshal_public(*ev->ak_public, &rc);
  ASSERT_EQ(rc, 0u);
  EXPECT_EQ(ak.type, TPM2_ALG_RSA);
  EXPECT_EQ(ak.nameAlg, TPM2_ALG_SHA256);
  EXPECT_EQ(ak.objectAttributes, 0x00050072u);
  EXPECT_EQ(ak.parameters.rsaDetail.scheme.scheme, TPM2_ALG_RSASSA);
  EXPECT_EQ(ak.parameters.rsaDetail.keyBits, 2048);
  EXPECT_EQ(ak.unique.rsa.size, 256);

  ASSERT_TRUE(ev->quotes.has_value());
  std::vector<std::string> banks;
  for (const Quote& q : *ev->quotes) {
    banks.push_back(q.hash_alg);
    EXPECT_EQ(q.pcrs.size(), 24u) << q.hash_alg;
    TPMS_ATTEST att = testing::unmarshal_attest(q.attest, &rc);
    ASSERT_EQ(rc, 0u);
    EXPECT_EQ(att.magic, TPM2_GENERATED_VALUE);
    EXPECT_EQ(att.type, TPM2_ST_ATTEST_QUOTE);
    EXPECT_EQ(testing::extra_data(att), padded);
  }
  EXPECT_EQ(banks, (std::vector<std::string>{"sha1", "sha256", "sha384", "sha512"}));

  EXPECT_TRUE(checkquote_all(*ev, padded));
  Bytes wrong = padded;
  wrong[31] ^= 1;
  EXPECT_FALSE(checkquote_all(*ev, wrong));
  // A PCR value that is not what the TPM signed fails too.
  Evidence forged = *ev;
  forged.quotes->front().pcrs.at(0)[0] ^= 1;
  EXPECT_FALSE(checkquote_all(forged, padded));
}

TEST_F(VtpmTest, BusKeyBindsIntoQualifyingData) {
  auto a = attester();
  ASSERT_TRUE(a);
  AttestationRequest req;
  req.type = Platform::kVtpm;
  req.vtpm_nonce = Bytes(32, 0x11);
  req.bind_bus_key = true;
  req.bus_key = Bytes(32, 0x22);
  auto ev = a->attest(req);
  ASSERT_TRUE(ev.ok()) << ev.error().to_string();
  EXPECT_EQ(ev->binding, "sha3-256(vtpm_nonce|bus_key)");
  EXPECT_EQ(ev->bus_key, req.bus_key);
  Bytes concat = req.vtpm_nonce;
  concat.insert(concat.end(), req.bus_key.begin(), req.bus_key.end());
  Bytes expected = digest(HashAlg::kSha3_256, concat);
  for (const Quote& q : *ev->quotes) {
    EXPECT_EQ(testing::extra_data(testing::unmarshal_attest(q.attest)), expected);
  }
  EXPECT_TRUE(checkquote_all(*ev, expected));
  EXPECT_FALSE(checkquote_all(*ev, req.vtpm_nonce));
}

TEST_F(VtpmTest, AkIsPersistedAndReused) {
  Bytes first;
  {
    auto p = VtpmProvider::open(tpm_->tcti());
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    auto ak = (*p)->ak_public();
    ASSERT_TRUE(ak.ok()) << ak.error().to_string();
    first = *ak;
  }
  // The AK is at 0x81008F01 after the provider is gone, seen by tpm2-tools.
  EXPECT_EQ(tpm_->tool({"tpm2_readpublic", "-c", "0x81008F01", "-o", dir_.path() + "/ak.tss"}), 0);
  // A second start (even after a TPM "reboot") loads the same key.
  tpm_->stop();
  auto t = Swtpm::start(dir_.path() + "/tpm");
  ASSERT_TRUE(t.ok());
  tpm_ = std::move(*t);
  auto p = VtpmProvider::open(tpm_->tcti());
  ASSERT_TRUE(p.ok());
  auto ak = (*p)->ak_public();
  ASSERT_TRUE(ak.ok());
  EXPECT_EQ(*ak, first);
}

TEST_F(VtpmTest, ForeignObjectAtAkHandleIsReplaced) {
  ASSERT_EQ(
      tpm_->tool({"tpm2_createprimary", "-C", "o", "-G", "ecc", "-c", dir_.path() + "/ecc.ctx"}),
      0);
  ASSERT_EQ(
      tpm_->tool({"tpm2_evictcontrol", "-C", "o", "-c", dir_.path() + "/ecc.ctx", "0x81008F01"}),
      0);
  ASSERT_EQ(tpm_->tool({"tpm2_flushcontext", "-t"}), 0);
  auto a = attester();
  ASSERT_TRUE(a);
  AttestationRequest req;
  req.type = Platform::kVtpm;
  auto ev = a->attest(req);
  ASSERT_TRUE(ev.ok()) << ev.error().to_string();
  EXPECT_EQ(testing::unmarshal_public(*ev->ak_public).type, TPM2_ALG_RSA);
  EXPECT_TRUE(checkquote_all(*ev, Bytes(32, 0)));
}

// new = H_bank(old || digest), with SHA3-256 into SHA-256 and SHA3-384 into SHA-384.
TEST_F(VtpmTest, ManifestMeasurementExtendsPcr16AsTheGoAgent) {
  auto a = attester();
  ASSERT_TRUE(a);
  AttestationRequest req;
  req.type = Platform::kVtpm;
  auto before = a->attest(req);
  ASSERT_TRUE(before.ok());
  const std::string manifest = R"({"id":"c1","name":"demo"})";
  ASSERT_TRUE(a->extend_manifest_measurement(as_bytes(manifest)).ok());
  auto after = a->attest(req);
  ASSERT_TRUE(after.ok());

  int checked = 0;
  for (std::size_t i = 0; i < before->quotes->size(); ++i) {
    const Quote& b = (*before->quotes)[i];
    const Quote& q = (*after->quotes)[i];
    const Bytes& old16 = b.pcrs.at(16);
    Bytes expected = old16;
    if (q.hash_alg == "sha256") {
      Hasher h(HashAlg::kSha256);
      h.update(old16);
      h.update(digest(HashAlg::kSha3_256, manifest));
      expected = h.finish();
      EXPECT_NE(expected, old16);
      ++checked;
    } else if (q.hash_alg == "sha384") {
      Hasher h(HashAlg::kSha384);
      h.update(old16);
      h.update(digest(HashAlg::kSha3_384, manifest));
      expected = h.finish();
      EXPECT_NE(expected, old16);
      ++checked;
    }
    EXPECT_EQ(q.pcrs.at(16), expected) << q.hash_alg;  // other banks: unchanged
    EXPECT_EQ(q.pcrs.at(15), b.pcrs.at(15));
  }
  EXPECT_EQ(checked, 2);
  EXPECT_TRUE(checkquote_all(*after, Bytes(32, 0)));
}

TEST_F(VtpmTest, NoncesLongerThanTheirFieldAreBadNonce) {
  auto a = attester();
  ASSERT_TRUE(a);
  AttestationRequest req;
  req.type = Platform::kVtpm;
  req.vtpm_nonce = Bytes(33, 1);
  auto ev = a->attest(req);
  ASSERT_FALSE(ev.ok());
  EXPECT_EQ(ev.error().code, "bad_nonce");
  EXPECT_NE(ev.error().message.find("vtpm_nonce is 33 bytes"), std::string::npos);
  req.vtpm_nonce = Bytes(32, 1);
  req.tee_nonce = Bytes(65, 1);
  ev = a->attest(req);
  ASSERT_FALSE(ev.ok());
  EXPECT_EQ(ev.error().code, "bad_nonce");
  req.tee_nonce = Bytes(64, 1);
  EXPECT_TRUE(a->attest(req).ok());
}

TEST_F(VtpmTest, BindBusKeyWithoutAKeyIsRejected) {
  auto a = attester();
  ASSERT_TRUE(a);
  AttestationRequest req;
  req.type = Platform::kVtpm;
  req.bind_bus_key = true;
  req.bus_key = Bytes(31, 1);
  auto ev = a->attest(req);
  ASSERT_FALSE(ev.ok());
  EXPECT_EQ(ev.error().code, "bad_message");
}

TEST_F(VtpmTest, SnpTypesAreUnavailableWithoutSnp) {
  auto a = attester();
  ASSERT_TRUE(a);
  for (Platform p : {Platform::kSnp, Platform::kSnpVtpm}) {
    AttestationRequest req;
    req.type = p;
    auto ev = a->attest(req);
    ASSERT_FALSE(ev.ok());
    EXPECT_EQ(ev.error().code, "attestation_unavailable");
    EXPECT_NE(ev.error().message.find("SEV-SNP"), std::string::npos) << ev.error().message;
  }
}

TEST(VtpmErrors, MissingTctiIsAClearError) {
  TempDir dir;
  const std::string tcti = "swtpm:path=" + dir.path() + "/nothing.sock";
  auto p = VtpmProvider::open(tcti);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, "attestation_unavailable");
  EXPECT_NE(p.error().message.find("Tss2_TctiLdr_Initialize"), std::string::npos)
      << p.error().message;
  EXPECT_NE(p.error().message.find("nothing.sock"), std::string::npos);

  AttesterConfig c;
  c.snp = SnpMode::kDisabled;
  c.tcti = tcti;
  auto a = Attester::create(c);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE((*a)->capabilities().empty());
  AttestationRequest req;
  req.type = Platform::kVtpm;
  auto ev = (*a)->attest(req);
  ASSERT_FALSE(ev.ok());
  EXPECT_EQ(ev.error().code, "attestation_unavailable");
  EXPECT_NE(ev.error().message.find("Tss2_TctiLdr_Initialize"), std::string::npos);
  EXPECT_EQ((*a)->extend_manifest_measurement(as_bytes("m")).error().code,
            "attestation_unavailable");
}

TEST(VtpmErrors, TssErrorNamesTheCallAndDecodesTheCode) {
  Error e = tss_error("Esys_Quote", TPM2_RC_HANDLE | TPM2_RC_1);
  EXPECT_EQ(e.code, "internal");
  EXPECT_NE(e.message.find("Esys_Quote failed: "), std::string::npos);
  EXPECT_NE(e.message.find("handle"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("0x0000018b"), std::string::npos) << e.message;
  EXPECT_FALSE(is_tcti_error(TPM2_RC_HANDLE));
  EXPECT_TRUE(is_tcti_error(TSS2_TCTI_RC_IO_ERROR));
}

TEST_F(VtpmTest, OwnerAuthFailureNamesEsysCreatePrimary) {
  ASSERT_EQ(tpm_->tool({"tpm2_changeauth", "-c", "owner", "secret"}), 0);
  auto a = attester();
  ASSERT_TRUE(a);
  AttestationRequest req;
  req.type = Platform::kVtpm;
  auto ev = a->attest(req);
  ASSERT_FALSE(ev.ok());
  EXPECT_EQ(ev.error().code, "internal");
  EXPECT_NE(ev.error().message.find("Esys_CreatePrimary"), std::string::npos) << ev.error().message;
  EXPECT_NE(ev.error().message.find("authorization"), std::string::npos) << ev.error().message;
}

TEST_F(VtpmTest, PcrExtendRefusedByTheTpmNamesEsysPcrExtend) {
  auto p = VtpmProvider::open(tpm_->tcti());
  ASSERT_TRUE(p.ok());
  // PCR 17 belongs to DRTM (locality 4); from locality 0 the TPM answers TPM_RC_LOCALITY.
  Status s = (*p)->extend_pcr(17, {{"sha256", Bytes(32, 1)}});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("Esys_PCR_Extend(PCR17) failed: tpm:"), std::string::npos)
      << s.error().message;
  EXPECT_EQ((*p)->extend_pcr(24, {{"sha256", Bytes(32, 1)}}).error().code, "bad_message");
  EXPECT_EQ((*p)->extend_pcr(16, {{"sha256", Bytes(31, 1)}}).error().code, "bad_message");
  EXPECT_EQ((*p)->extend_pcr(16, {{"md5", Bytes(16, 1)}}).error().code, "bad_message");
  EXPECT_TRUE((*p)->extend_pcr(16, {{"sha256", Bytes(32, 1)}}).ok());
}

TEST_F(VtpmTest, TpmThatGoesAwayIsAnErrorAndComesBackAfterRestart) {
  auto a = attester();
  ASSERT_TRUE(a);
  AttestationRequest req;
  req.type = Platform::kVtpm;
  ASSERT_TRUE(a->attest(req).ok());
  tpm_->stop();
  auto ev = a->attest(req);
  ASSERT_FALSE(ev.ok());
  EXPECT_NE(ev.error().message.find("Esys_"), std::string::npos) << ev.error().message;
  EXPECT_NE(ev.error().message.find("tcti"), std::string::npos) << ev.error().message;
  auto t = Swtpm::start(dir_.path() + "/tpm");
  ASSERT_TRUE(t.ok());
  tpm_ = std::move(*t);
  auto again = a->attest(req);
  ASSERT_TRUE(again.ok()) << again.error().to_string();
}

// Without flushing, swtpm (no resource manager) runs out of object slots after 3 objects.
TEST_F(VtpmTest, AThousandQuotesInARowDoNotExhaustTheTpm) {
  {
    auto a = attester();
    ASSERT_TRUE(a);
    AttestationRequest req;
    req.type = Platform::kVtpm;
    int quotes = 0;
    for (int i = 0; quotes < 1000; ++i) {
      req.vtpm_nonce = {static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(i >> 8)};
      auto ev = a->attest(req);
      ASSERT_TRUE(ev.ok()) << "attestation " << i << ": " << ev.error().to_string();
      quotes += static_cast<int>(ev->quotes->size());
    }
  }
  // No transient object left behind once the Attester is gone.
  const std::string out = dir_.path() + "/transient.txt";
  ASSERT_EQ(testing::run_process({"sh", "-c", "tpm2_getcap handles-transient > " + out},
                                 {"TPM2TOOLS_TCTI=" + tpm_->tcti()}),
            0);
  auto text = std::ifstream(out);
  std::string content((std::istreambuf_iterator<char>(text)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content.find("0x80"), std::string::npos) << content;
}

}  // namespace
}  // namespace cocos::attestation
