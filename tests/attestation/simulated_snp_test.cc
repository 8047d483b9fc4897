// Simulated SNP: the generated chain verifies with OpenSSL (RSA-PSS, ARK -> ASK -> VCEK), the
// VCEK carries AMD's extensions, reports are byte-exact v3 and verify with the VCEK, and the
// files are persisted and reused.
#include "cocos/attestation/simulated_snp.h"

#include <gtest/gtest.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>

#include "cocos/attestation/evidence.h"
#include "cocos/verifier/snp/verify.h"
#include "snp_test_util.h"
#include "swtpm_fixture.h"

namespace cocos::attestation {
namespace {

namespace L = snp_layout;
using testing::parse_der_cert;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

SimulatedSnpConfig config(const std::string& dir) {
  SimulatedSnpConfig c;
  c.dir = dir;
  for (std::size_t i = 0; i < c.measurement.size(); ++i)
    c.measurement[i] = static_cast<std::uint8_t>(i);
  std::array<std::uint8_t, 64> chip{};
  chip.fill(0x5A);
  c.chip_id = chip;
  c.reported_tcb = 0xDE15000000000304;  // bl 4, tee 3, snp 0x15, ucode 0xDE (two DER bytes)
  return c;
}

// The DER inside an extension's OCTET STRING, by dotted OID.
Bytes ext_value(X509* cert, const char* oid) {
  ASN1_OBJECT* obj = OBJ_txt2obj(oid, 1);
  int idx = X509_get_ext_by_OBJ(cert, obj, -1);
  ASN1_OBJECT_free(obj);
  if (idx < 0) return {};
  ASN1_OCTET_STRING* v = X509_EXTENSION_get_data(X509_get_ext(cert, idx));
  return Bytes(v->data, v->data + v->length);
}

class SimulatedSnpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::seed_simulated_chain(dir_.path() + "/sim");
    auto p = SimulatedSnpProvider::create(config(dir_.path() + "/sim"));
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    sim_ = std::move(*p);
    ark_ = parse_der_cert(sim_->certs().at("ark"));
    ask_ = parse_der_cert(sim_->certs().at("ask"));
    vcek_ = parse_der_cert(sim_->certs().at("vcek"));
    ASSERT_TRUE(ark_ && ask_ && vcek_);
  }
  void TearDown() override {
    X509_free(ark_);
    X509_free(ask_);
    X509_free(vcek_);
  }
  testing::TempDir dir_;
  std::unique_ptr<SimulatedSnpProvider> sim_;
  X509 *ark_ = nullptr, *ask_ = nullptr, *vcek_ = nullptr;
};

TEST_F(SimulatedSnpTest, ChainVerifiesWithRsaPss) {
  EXPECT_EQ(X509_verify(ark_, X509_get0_pubkey(ark_)), 1);
  EXPECT_EQ(X509_verify(ask_, X509_get0_pubkey(ark_)), 1);
  EXPECT_EQ(X509_verify(vcek_, X509_get0_pubkey(ask_)), 1);
  EXPECT_NE(X509_verify(vcek_, X509_get0_pubkey(ark_)), 1);
  EXPECT_NE(X509_verify(ask_, X509_get0_pubkey(ask_)), 1);
  for (X509* c : {ark_, ask_, vcek_}) EXPECT_EQ(X509_get_signature_nid(c), NID_rsassaPss);
  EXPECT_EQ(EVP_PKEY_get_bits(X509_get0_pubkey(ark_)), 4096);
  EXPECT_EQ(EVP_PKEY_get_bits(X509_get0_pubkey(ask_)), 4096);
  EXPECT_EQ(EVP_PKEY_get_base_id(X509_get0_pubkey(vcek_)), EVP_PKEY_EC);
  EXPECT_EQ(EVP_PKEY_get_bits(X509_get0_pubkey(vcek_)), 384);
  EXPECT_EQ(ASN1_INTEGER_get(X509_get0_serialNumber(vcek_)), 0);

  // And as a chain, with the ARK as the only trust anchor.
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ark_);
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  sk_X509_push(untrusted, ask_);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, vcek_, untrusted);
  EXPECT_EQ(X509_verify_cert(ctx), 1)
      << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  X509_STORE_CTX_free(ctx);
  sk_X509_free(untrusted);
  X509_STORE_free(store);

  char cn[64];
  X509_NAME_get_text_by_NID(X509_get_subject_name(ark_), NID_commonName, cn, sizeof cn);
  EXPECT_STREQ(cn, "ARK-Milan");
  X509_NAME_get_text_by_NID(X509_get_subject_name(ask_), NID_commonName, cn, sizeof cn);
  EXPECT_STREQ(cn, "SEV-Milan");
  X509_NAME_get_text_by_NID(X509_get_subject_name(vcek_), NID_commonName, cn, sizeof cn);
  EXPECT_STREQ(cn, "SEV-VCEK");
}

TEST_F(SimulatedSnpTest, VcekCarriesAmdExtensions) {
  const std::string p = "1.3.6.1.4.1.3704.1.";
  EXPECT_EQ(ext_value(vcek_, (p + "1").c_str()), (Bytes{0x02, 0x01, 0x00}));
  Bytes product = {0x16, 0x08, 'M', 'i', 'l', 'a', 'n', '-', 'B', '0'};
  EXPECT_EQ(ext_value(vcek_, (p + "2").c_str()), product);
  EXPECT_EQ(ext_value(vcek_, (p + "3.1").c_str()), (Bytes{0x02, 0x01, 0x04}));        // blSPL
  EXPECT_EQ(ext_value(vcek_, (p + "3.2").c_str()), (Bytes{0x02, 0x01, 0x03}));        // teeSPL
  EXPECT_EQ(ext_value(vcek_, (p + "3.3").c_str()), (Bytes{0x02, 0x01, 0x15}));        // snpSPL
  EXPECT_EQ(ext_value(vcek_, (p + "3.8").c_str()), (Bytes{0x02, 0x02, 0x00, 0xDE}));  // ucode
  Bytes hwid = {0x04, 0x40};
  hwid.insert(hwid.end(), 64, 0x5A);
  EXPECT_EQ(ext_value(vcek_, (p + "4").c_str()), hwid);
  EXPECT_TRUE(std::equal(sim_->chip_id().begin(), sim_->chip_id().end(), hwid.begin() + 2));
}

TEST_F(SimulatedSnpTest, ReportIsAV3ReportSignedByTheVcek) {
  std::array<std::uint8_t, 64> rd{};
  rd.fill(0x77);
  auto r = sim_->get_report(rd);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Bytes& rep = r->report;
  ASSERT_EQ(rep.size(), kSnpReportSize);
  EXPECT_EQ(testing::le_at(rep, L::kVersion, 4), 3u);
  EXPECT_EQ(testing::le_at(rep, L::kPolicy, 8), 0x30000u);
  EXPECT_EQ(testing::le_at(rep, L::kVmpl, 4), 2u);
  EXPECT_EQ(testing::le_at(rep, L::kSignatureAlgo, 4), 1u);
  EXPECT_EQ(testing::le_at(rep, L::kReportedTcb, 8), 0xDE15000000000304u);
  EXPECT_EQ(testing::le_at(rep, L::kCurrentTcb, 8), 0xDE15000000000304u);
  EXPECT_EQ(testing::le_at(rep, L::kLaunchTcb, 8), 0xDE15000000000304u);
  EXPECT_TRUE(std::equal(rd.begin(), rd.end(), rep.begin() + L::kReportData));
  for (std::size_t i = 0; i < 48; ++i) EXPECT_EQ(rep[L::kMeasurement + i], i);
  for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(rep[L::kChipId + i], 0x5A);
  EXPECT_EQ(rep[L::kCpuidFamId], 0x19);
  EXPECT_EQ(rep[L::kCpuidModId], 0x01);
  for (std::size_t i = 0x330; i < kSnpReportSize; ++i) ASSERT_EQ(rep[i], 0) << i;
  EXPECT_EQ(r->certs, sim_->certs());

  EXPECT_TRUE(testing::report_signature_valid(rep, vcek_));
  Bytes tampered = rep;
  tampered[L::kMeasurement] ^= 1;
  EXPECT_FALSE(testing::report_signature_valid(tampered, vcek_));
  EXPECT_FALSE(testing::report_signature_valid(rep, ask_));  // an RSA key: never
}

TEST_F(SimulatedSnpTest, FilesArePersistedAndReusedAndTheVcekFollowsChipId) {
  const std::string d = dir_.path() + "/sim";
  for (const char* f : {"ark.pem", "ark.key", "ask.pem", "ask.key", "vcek.pem", "vcek.key"}) {
    struct stat st {};
    ASSERT_EQ(::stat((d + "/" + f).c_str(), &st), 0) << f;
    if (std::string(f).ends_with(".key")) {
      EXPECT_EQ(st.st_mode & 0777, 0600u) << f;
    }
  }
  EXPECT_EQ(sim_->ark_pem_path(), d + "/ark.pem");
  EXPECT_NE(slurp(sim_->ark_pem_path()).find("BEGIN CERTIFICATE"), std::string::npos);
  const auto certs = sim_->certs();
  const std::string ark_key = slurp(d + "/ark.key");

  // Second start: everything reused as is.
  auto again = SimulatedSnpProvider::create(config(d));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->certs(), certs);
  EXPECT_EQ(slurp(d + "/ark.key"), ark_key);

  // Another CHIP_ID: same ARK and ASK, a new VCEK for the new hwID.
  SimulatedSnpConfig other = config(d);
  other.chip_id->fill(0x11);
  auto moved = SimulatedSnpProvider::create(other);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ((*moved)->certs().at("ark"), certs.at("ark"));
  EXPECT_EQ((*moved)->certs().at("ask"), certs.at("ask"));
  EXPECT_NE((*moved)->certs().at("vcek"), certs.at("vcek"));
  X509* vcek2 = parse_der_cert((*moved)->certs().at("vcek"));
  EXPECT_EQ(X509_verify(vcek2, X509_get0_pubkey(ask_)), 1);
  std::array<std::uint8_t, 64> rd{};
  auto r = (*moved)->get_report(rd);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(testing::report_signature_valid(r->report, vcek2));
  EXPECT_FALSE(testing::report_signature_valid(r->report, vcek_));
  X509_free(vcek2);
}

// The one test that pays for a full generation: an empty directory gets a complete chain.
TEST(SimulatedSnpGeneration, EmptyDirectoryGetsAFreshVerifiableChain) {
  testing::TempDir dir;
  auto p = SimulatedSnpProvider::create(config(dir.path() + "/fresh"));
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  X509* ark = parse_der_cert((*p)->certs().at("ark"));
  X509* ask = parse_der_cert((*p)->certs().at("ask"));
  X509* vcek = parse_der_cert((*p)->certs().at("vcek"));
  EXPECT_EQ(X509_verify(ark, X509_get0_pubkey(ark)), 1);
  EXPECT_EQ(X509_verify(ask, X509_get0_pubkey(ark)), 1);
  EXPECT_EQ(X509_verify(vcek, X509_get0_pubkey(ask)), 1);
  std::array<std::uint8_t, 64> rd{};
  auto r = (*p)->get_report(rd);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(testing::report_signature_valid(r->report, vcek));
  X509_free(ark);
  X509_free(ask);
  X509_free(vcek);
}

// Signing as a cloud provider's hosts do: SIGNING_KEY 1, ARK -> ASVK -> VLEK (CSP_ID, no
// hwID), accepted by the verifier through the ASVK; switching the signer in the same directory
// keeps the ARK and re-issues only the leaf.
TEST(SimulatedSnpVlek, ReportsAreSignedByAVlekThroughTheAsvk) {
  testing::TempDir dir;
  testing::seed_simulated_chain(dir.path());
  SimulatedSnpConfig c = config(dir.path());
  c.vlek = true;
  auto p = SimulatedSnpProvider::create(c);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  const auto& certs = (*p)->certs();
  ASSERT_EQ(certs.size(), 3u);
  ASSERT_TRUE(certs.count("vlek") && certs.count("asvk") && certs.count("ark"));
  X509* asvk = parse_der_cert(certs.at("asvk"));
  X509* vlek = parse_der_cert(certs.at("vlek"));
  EXPECT_EQ(X509_verify(vlek, X509_get0_pubkey(asvk)), 1);
  const std::string p5 = "1.3.6.1.4.1.3704.1.";
  EXPECT_EQ(ext_value(vlek, (p5 + "4").c_str()), Bytes{}) << "a VLEK has no hwID";
  const std::string csp_der = std::string("\x16\x13") + "cocos-simulated-csp";  // IA5String
  EXPECT_EQ(ext_value(vlek, (p5 + "5").c_str()), Bytes(csp_der.begin(), csp_der.end()));

  std::array<std::uint8_t, 64> rd{};
  rd.fill(0x42);
  auto r = (*p)->get_report(rd);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(testing::le_at(r->report, 0x48, 4), 1u << 2);  // SIGNER_INFO: SIGNING_KEY 1
  EXPECT_TRUE(testing::report_signature_valid(r->report, vlek));
  verifier::snp::SnpEvidence ev;
  ev.report = verifier::snp::parse_report(r->report, nullptr).value();
  std::vector<verifier::snp::Cert> vc;
  for (const auto& [name, der] : r->certs) vc.push_back(verifier::snp::Cert::from_der(der).value());
  ASSERT_TRUE(verifier::snp::add_certs(ev, std::move(vc)).ok());
  verifier::snp::VerifyOptions o;
  o.extra_roots = verifier::snp::load_certs_file((*p)->ark_pem_path()).value();
  o.now = std::time(nullptr);
  verifier::Verdict v;
  EXPECT_TRUE(verifier::snp::verify_authenticity(ev, o, v).authentic);
  EXPECT_TRUE(v.valid()) << verifier::render_text(v);

  // Back to the VCEK in the same directory: the same ARK, the ASK and a fresh VCEK.
  const Bytes ark = certs.at("ark");
  c.vlek = false;
  auto back = SimulatedSnpProvider::create(c);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ((*back)->certs().at("ark"), ark);
  EXPECT_TRUE((*back)->certs().count("vcek") && (*back)->certs().count("ask"));
  auto vr = (*back)->get_report(rd);
  ASSERT_TRUE(vr.ok());
  EXPECT_EQ(testing::le_at(vr->report, 0x48, 4), 0u);
  X509_free(asvk);
  X509_free(vlek);
}

TEST(SimulatedSnpConfigErrors, UnusableDirectoryAndProduct) {
  SimulatedSnpConfig c;
  c.dir = "/proc/cocos-cannot-create";
  auto p = SimulatedSnpProvider::create(c);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, "io_error");
  c.dir = "";
  EXPECT_EQ(SimulatedSnpProvider::create(c).error().code, "io_error");
  testing::TempDir dir;
  c.dir = dir.path();
  c.product = "Mars";
  EXPECT_EQ(SimulatedSnpProvider::create(c).error().code, "bad_message");
}

// Every product the simulator imitates produces reports the verifier accepts with its own
// product's rules (CPUID, TCB layout, HWID length), chained to the simulated ARK.
TEST(SimulatedSnpProducts, ReportsVerifyWithTheirProductsRules) {
  for (const char* product : {"Milan", "Genoa", "Turin"}) {
    SCOPED_TRACE(product);
    testing::TempDir dir;
    testing::seed_simulated_chain(dir.path(), product);
    SimulatedSnpConfig c;
    c.dir = dir.path();
    c.product = product;
    auto p = SimulatedSnpProvider::create(c);
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    std::array<std::uint8_t, 64> rd{};
    rd.fill(0x42);
    auto r = (*p)->get_report(rd);
    ASSERT_TRUE(r.ok());
    verifier::snp::SnpEvidence ev;
    ev.report = verifier::snp::parse_report(r->report, nullptr).value();
    std::vector<verifier::snp::Cert> certs;
    for (const auto& [name, der] : r->certs)
      certs.push_back(verifier::snp::Cert::from_der(der).value());
    ASSERT_TRUE(verifier::snp::add_certs(ev, std::move(certs)).ok());
    verifier::snp::VerifyOptions o;
    o.extra_roots = verifier::snp::load_certs_file((*p)->ark_pem_path()).value();
    o.now = std::time(nullptr);
    verifier::Verdict v;
    const auto auth = verifier::snp::verify_authenticity(ev, o, v);
    EXPECT_TRUE(v.valid()) << verifier::render_text(v);
    EXPECT_TRUE(auth.authentic);
    EXPECT_EQ(verifier::snp::product_name(auth.product), std::string(product));
    EXPECT_EQ(auth.turin, std::string(product) == "Turin");
    for (const char* code : {"snp.tcb.certificate", "snp.hwid", "snp.chain.root"}) {
      const verifier::Check* check = nullptr;
      for (const auto& ch : v.checks()) {
        if (ch.code == code) check = &ch;
      }
      ASSERT_NE(check, nullptr) << code;
      EXPECT_EQ(check->status, verifier::CheckStatus::kPass) << code;
    }
  }
}

}  // namespace
}  // namespace cocos::attestation
