// Reports signed by a VLEK (a key AMD issues to a cloud provider rather than to a chip), with
// real signatures on a test chain ARK -> ASVK -> VLEK (no public VLEK vector exists): such a
// report verifies through the ASVK with no CHIP_ID check; SIGNING_KEY must match the kind of
// certificate; a VLEK does not chain through a VCEK's ASK; an extended report's table carries
// it under the VLEK GUID; and the CLI takes the VLEK and ASVK from --certs like any other
// certificates.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <optional>

#include "cocos/verifier/snp/verify.h"
#include "test_chain.h"
#include "test_util.h"

namespace cocos::test {
namespace {

using namespace cocos::verifier;

snp::Cert cert(const Bytes& der) {
  return snp::Cert::from_der(der).value();
}

// A report carrying `chain`'s TCB and SIGNER_INFO, signed by `signer`'s leaf key, checked with
// the certificates `certs` and `chain`'s ARK as the trusted root.
Verdict verify(const TestChain& chain, const TestChain& signer, const std::vector<Bytes>& certs,
               std::optional<std::uint32_t> signing_key = std::nullopt) {
  Bytes raw = make_report(Bytes(64, 1), Bytes(48, 2), chain);
  if (signing_key) raw[0x48] = static_cast<std::uint8_t>(*signing_key << 2);
  sign_report(raw, signer);
  snp::SnpEvidence ev;
  ev.report = snp::parse_report(raw, nullptr).value();
  std::vector<snp::Cert> cs;
  for (const Bytes& der : certs) cs.push_back(cert(der));
  EXPECT_TRUE(snp::add_certs(ev, std::move(cs)).ok());
  snp::VerifyOptions o;
  o.extra_roots = {cert(chain.ark_der)};
  o.now = std::time(nullptr);
  Verdict v;
  snp::verify_authenticity(ev, o, v);
  return v;
}

TEST(Vlek, AVlekSignedReportVerifiesThroughItsAsvk) {
  const TestChain& c = test_chain_vlek();
  const Verdict v = verify(c, c, {c.vcek_der, c.ask_der});
  EXPECT_TRUE(v.valid()) << render_text(v);
  const Check* sig = find_check(v, "snp.signature");
  ASSERT_NE(sig, nullptr);
  EXPECT_EQ(sig->status, CheckStatus::kPass);
  EXPECT_NE(sig->title.find("VLEK"), std::string::npos) << sig->title;
  EXPECT_TRUE(passed(v, "snp.chain.leaf"));
  EXPECT_TRUE(passed(v, "snp.tcb.certificate"));
  // A VLEK is not bound to a chip: there is no HWID to compare with CHIP_ID.
  EXPECT_EQ(find_check(v, "snp.hwid"), nullptr);
}

TEST(Vlek, SigningKeyMustMatchTheCertificate) {
  // Signed with the VLEK's key but claiming a VCEK.
  const TestChain& vlek = test_chain_vlek();
  const Verdict as_vcek = verify(vlek, vlek, {vlek.vcek_der, vlek.ask_der}, 0);
  EXPECT_FALSE(as_vcek.valid());
  EXPECT_EQ(first_failure(as_vcek), "snp.signing_key") << render_text(as_vcek);
  // Signed with a VCEK's key but claiming a VLEK.
  const TestChain& vcek = test_chain();
  const Verdict as_vlek = verify(vcek, vcek, {vcek.vcek_der, vcek.ask_der}, 1);
  EXPECT_FALSE(as_vlek.valid());
  EXPECT_EQ(first_failure(as_vlek), "snp.signing_key") << render_text(as_vlek);
  // SIGNING_KEY 7 (no key) or a reserved value is never accepted.
  const Verdict none = verify(vlek, vlek, {vlek.vcek_der, vlek.ask_der}, 7);
  EXPECT_EQ(first_failure(none), "snp.signing_key") << render_text(none);
}

TEST(Vlek, AVlekDoesNotChainThroughAVceksAsk) {
  // Same ARK, but the intermediate given is the VCEK chain's ASK, which did not sign the VLEK.
  const TestChain& c = test_chain_vlek();
  const Verdict v = verify(c, c, {c.vcek_der, test_chain().ask_der});
  EXPECT_FALSE(v.valid());
  EXPECT_EQ(first_failure(v), "snp.chain.leaf") << render_text(v);
  EXPECT_NE(find_check(v, "snp.chain.leaf")->actual.find("no available ASK/ASVK signed"),
            std::string::npos)
      << render_text(v);
}

TEST(Vlek, AnotherProvidersReportFailsTheSignature) {
  // The VLEK chain's certificates with a report signed by a different key (the VCEK's).
  const TestChain& c = test_chain_vlek();
  const Verdict v = verify(c, test_chain(), {c.vcek_der, c.ask_der});
  EXPECT_FALSE(v.valid());
  EXPECT_EQ(first_failure(v), "snp.signature") << render_text(v);
}

// A GHCB certificate table (24-byte entries: GUID in string order, offset, length; a zero
// entry ends it) holding `entries`, offsets from the table's start.
Bytes cert_table(const std::vector<std::pair<std::string, Bytes>>& entries) {
  Bytes head, body;
  const std::size_t data_at = 24 * (entries.size() + 1);
  auto le32 = [](Bytes& b, std::size_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  for (const auto& [guid, der] : entries) {
    std::string hex;
    for (char ch : guid) {
      if (ch != '-') hex += ch;
    }
    const Bytes g = from_hex(hex).value();
    head.insert(head.end(), g.begin(), g.end());
    le32(head, data_at + body.size());
    le32(head, der.size());
    body.insert(body.end(), der.begin(), der.end());
  }
  head.resize(data_at, 0);
  head.insert(head.end(), body.begin(), body.end());
  return head;
}

TEST(Vlek, AnExtendedReportCarriesTheVlekUnderItsOwnGuid) {
  const TestChain& c = test_chain_vlek();
  Bytes raw = make_report(Bytes(64, 1), Bytes(48, 2), c);
  sign_report(raw, c);
  const Bytes table = cert_table({{"a8074bc2-a25a-483e-aae6-39c045a0b8a1", c.vcek_der},
                                  {"4ab7b379-bbac-4fe4-a02f-05aef327c782", c.ask_der}});
  raw.insert(raw.end(), table.begin(), table.end());
  auto loaded = snp::load_report(raw);
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  ASSERT_TRUE(loaded->certs.vlek.has_value());
  EXPECT_FALSE(loaded->certs.vcek.has_value());
  EXPECT_EQ(*loaded->certs.vlek, c.vcek_der);

  TempDir dir;
  const CliRun run = run_verifier("snp --report " + dir.write("extended.bin", raw) +
                                  " --trust-root " + dir.write("ark.pem", c.ark_pem));
  EXPECT_EQ(run.code, 0) << run.out;
  EXPECT_NE(run.out.find("signature by the VLEK"), std::string::npos) << run.out;
}

TEST(Vlek, CliReadsTheVlekAndAsvkFromACertificateFolder) {
  const TestChain& c = test_chain_vlek();
  TempDir dir;
  Bytes raw = make_report(Bytes(64, 1), Bytes(48, 2), c);
  sign_report(raw, c);
  std::filesystem::create_directories(dir.path() + "/certs");
  dir.write("certs/vlek.der", c.vcek_der);
  const std::string asvk = dir.write("certs/asvk.der", c.ask_der);
  const std::string args = "snp --report " + dir.write("report.bin", raw) + " --certs " +
                           dir.path() + "/certs --trust-root " + dir.write("ark.pem", c.ark_pem);
  const CliRun ok = run_verifier(args);
  EXPECT_EQ(ok.code, 0) << ok.out;
  EXPECT_NE(ok.out.find("signature by the VLEK"), std::string::npos) << ok.out;
  // Without the ASVK the chain cannot be built (the embedded AMD ASVKs did not sign it).
  std::filesystem::remove(asvk);
  const CliRun bad = run_verifier(args);
  EXPECT_EQ(bad.code, 1) << bad.out;
}

}  // namespace
}  // namespace cocos::test
