// SNP report vectors (expectations.json "snp_reports", "vcek_only"): parsing, signature, chain
// to the embedded roots, wrong-product roots, flipped bytes, TCB and HWID, certificate table;
// the certificate and chain caches (identical DER only, bounded, validity still per report).
#include <gtest/gtest.h>

#include <ctime>
#include <thread>

#include "cocos/verifier/snp/verify.h"
#include "test_util.h"

namespace cocos::test {
namespace {

using namespace cocos::verifier;
using namespace cocos::verifier::snp;

struct Vector {
  const char* report;
  const char* vcek;
  const char* reported_tcb;
  const char* measurement;
};

const Vector kVectors[] = {
    {"snp-reports/gsg_milan_v2_report.bin", "snp-reports/gsg_milan_v2_vcek.der",
     "0x4405000000000002",
     "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872"
     "b01"},
    {"snp-reports/virtee_milan_v2_report.hex", "snp-reports/virtee_milan_v2_vcek.der",
     "0x7308000000000003",
     "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd818"
     "41f"},
};

// 2026-01-01: inside every test VCEK's validity.
constexpr std::time_t kNow = 1767225600;

SnpEvidence load(const Vector& vec) {
  auto loaded = load_report(read_data(vec.report));
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.error().to_string());
  SnpEvidence ev;
  ev.report = loaded->report;
  auto certs = parse_certs(read_data(vec.vcek));
  EXPECT_TRUE(certs.ok());
  EXPECT_TRUE(add_certs(ev, std::move(*certs)).ok());
  return ev;
}

Verdict verify(const SnpEvidence& ev, std::optional<Product> product) {
  Verdict v;
  VerifyOptions o;
  o.product = product;
  o.now = kNow;
  verify_authenticity(ev, o, v);
  return v;
}

TEST(SnpVectors, VerifyWithMilanRoots) {
  for (const auto& vec : kVectors) {
    SCOPED_TRACE(vec.report);
    const SnpEvidence ev = load(vec);
    EXPECT_EQ(ev.report.version, 2u);
    EXPECT_EQ(to_hex(ev.report.measurement), vec.measurement);
    char tcb[24];
    std::snprintf(tcb, sizeof tcb, "0x%016llx",
                  static_cast<unsigned long long>(ev.report.reported_tcb));
    EXPECT_EQ(std::string(tcb), vec.reported_tcb);
    for (auto product : {std::optional<Product>(Product::kMilan), std::optional<Product>()}) {
      const Verdict v = verify(ev, product);
      EXPECT_TRUE(v.valid()) << render_text(v);
      EXPECT_TRUE(passed(v, "snp.signature"));
      EXPECT_TRUE(passed(v, "snp.chain.root"));
      EXPECT_TRUE(passed(v, "snp.tcb.certificate"));
      EXPECT_TRUE(passed(v, "snp.hwid"));
    }
  }
}

TEST(SnpVectors, FailWithTheWrongProductsRoots) {
  for (const auto& vec : kVectors) {
    const SnpEvidence ev = load(vec);
    for (Product p : {Product::kGenoa, Product::kTurin}) {
      const Verdict v = verify(ev, p);
      EXPECT_FALSE(v.valid());
      EXPECT_TRUE(passed(v, "snp.signature"));  // the report itself is fine
      EXPECT_TRUE(failed(v, "snp.chain.leaf")) << render_text(v);
    }
  }
}

TEST(SnpVectors, EveryFlippedSignedByteFails) {
  for (const auto& vec : kVectors) {
    const SnpEvidence good = load(vec);
    for (std::size_t off = 0; off < kSignedSize; ++off) {
      Bytes raw(good.report.raw.begin(), good.report.raw.end());
      raw[off] ^= 0x01;
      auto r = parse_report(raw, nullptr);
      if (!r.ok()) continue;  // e.g. version 3 -> still parses; anything else counts as failure
      EXPECT_FALSE(verify_report_signature(*r, *good.leaf).ok()) << "offset " << off;
    }
  }
}

TEST(SnpVectors, FlippedSignatureByteFails) {
  const SnpEvidence good = load(kVectors[0]);
  for (std::size_t off : {0x2A0u, 0x2C0u, 0x2E8u, 0x317u}) {
    SnpEvidence ev = good;
    ev.report.raw[off] ^= 0x80;
    EXPECT_TRUE(failed(verify(ev, Product::kMilan), "snp.signature")) << off;
  }
}

TEST(SnpVectors, MissingVcekOrOtherChipsVcek) {
  SnpEvidence ev = load(kVectors[0]);
  ev.leaf.reset();
  EXPECT_TRUE(failed(verify(ev, Product::kMilan), "snp.signature"));
  SnpEvidence other = load(kVectors[0]);
  other.leaf = parse_certs(read_data(kVectors[1].vcek)).value()[0];
  const Verdict v = verify(other, Product::kMilan);
  EXPECT_TRUE(failed(v, "snp.signature"));
  EXPECT_TRUE(failed(v, "snp.tcb.certificate"));
  EXPECT_TRUE(failed(v, "snp.hwid"));
}

TEST(SnpVectors, ExpiredAtAnotherTime) {
  const SnpEvidence ev = load(kVectors[0]);
  Verdict v;
  VerifyOptions o;
  o.product = Product::kMilan;
  o.now = 1893456000;  // 2030-01-01, after the VCEK's notAfter (2029-09-24)
  verify_authenticity(ev, o, v);
  EXPECT_EQ(first_failure(v), "snp.chain.validity");
}

TEST(SnpReport, Fields) {
  auto gsg = load_report(read_data(kVectors[0].report)).value().report;
  EXPECT_EQ(gsg.policy, 0xB0000u);
  EXPECT_EQ(gsg.platform_info, 0x1u);
  EXPECT_EQ(gsg.current_major, 1);
  EXPECT_EQ(gsg.current_minor, 49);
  EXPECT_EQ(gsg.current_build, 3);
  EXPECT_EQ(to_hex(gsg.report_id_ma), std::string(64, 'f'));
  EXPECT_EQ(to_hex(gsg.report_data).substr(0, 10), "0102030405");
  const Tcb t = decompose_tcb(gsg.reported_tcb, false);
  EXPECT_EQ(t.bl, 2);
  EXPECT_EQ(t.tee, 0);
  EXPECT_EQ(t.snp, 5);
  EXPECT_EQ(t.ucode, 68);
  const Tcb turin = decompose_tcb(0x5200000004010101ULL, true);
  EXPECT_EQ(turin.fmc, 1);
  EXPECT_EQ(turin.bl, 1);
  EXPECT_EQ(turin.tee, 1);
  EXPECT_EQ(turin.snp, 4);
  EXPECT_EQ(turin.ucode, 82);
  EXPECT_EQ(compose_tcb(turin), 0x5200000004010101ULL);
}

TEST(SnpReport, CocosCertificateTable) {
  auto l = load_report(read_data("cocos/cocos_milan_v2_report_with_certtable.bin"));
  ASSERT_TRUE(l.ok()) << l.error().to_string();
  EXPECT_EQ(l->report.vmpl, 2u);
  EXPECT_EQ(l->report.current_tcb, 0xD50E000000000003ULL);
  ASSERT_EQ(l->certs.other_guids.size(), 1u);
  EXPECT_EQ(l->certs.other_guids[0], "ecae0c0f-9502-43b1-afa2-0ae2e0d565b6");
  EXPECT_FALSE(l->certs.vcek.has_value());
}

TEST(SnpReport, BadInputIsRejected) {
  const Bytes raw = read_data(kVectors[0].report);
  EXPECT_EQ(load_report(Bytes(raw.begin(), raw.begin() + 100)).error().code, "bad_report");
  Bytes v1 = raw;
  v1[0] = 1;
  EXPECT_FALSE(load_report(v1).ok());
  Bytes sigpad = raw;
  sigpad[0x400] = 1;
  EXPECT_FALSE(load_report(sigpad).ok());
  Bytes table = raw;
  table.resize(raw.size() + 24, 0xAA);  // a table entry without terminator
  EXPECT_FALSE(load_report(table).ok());
  EXPECT_FALSE(load_report(as_bytes(std::string(3000, 'z'))).ok());
}

TEST(SnpReport, NewerVersionParsesWithWarning) {
  Bytes raw = read_data(kVectors[0].report);
  raw[0] = 7;
  std::vector<std::string> warnings;
  auto r = parse_report(raw, &warnings);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->has_mit_vectors);
  EXPECT_EQ(warnings.size(), 1u);
}

TEST(SnpCerts, TurinVcekExtensionsAndChain) {
  auto certs = parse_certs(read_data("snp-reports/virtee_turin_vcek_only.der"));
  ASSERT_TRUE(certs.ok());
  const AmdExtensions e = read_amd_extensions((*certs)[0]);
  EXPECT_EQ(e.product_name.value_or(""), "Turin");
  EXPECT_TRUE(e.fmc.has_value());
  ASSERT_TRUE(e.hwid.has_value());
  EXPECT_EQ(to_hex(*e.hwid), "1e550a8ee5cf9f4d");
  ChainCache cache;
  auto turin = amd_bundle(Product::kTurin, false).value();
  auto milan = amd_bundle(Product::kMilan, false).value();
  EXPECT_TRUE(cache.signed_by((*certs)[0], turin.intermediate));
  EXPECT_TRUE(cache.signed_by(turin.intermediate, turin.ark));
  EXPECT_FALSE(cache.signed_by((*certs)[0], milan.intermediate));
  EXPECT_TRUE(cache.signed_by((*certs)[0], turin.intermediate));  // cached answer
  EXPECT_EQ(cache.size(), 3u);
}

TEST(SnpCerts, EmbeddedRootsMatchPublishedFingerprints) {
  EXPECT_EQ(amd_bundle(Product::kMilan, false)->ark.fingerprint(),
            "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd");
  EXPECT_EQ(amd_bundle(Product::kGenoa, false)->ark.fingerprint(),
            "4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1");
  EXPECT_EQ(amd_bundle(Product::kTurin, false)->ark.fingerprint(),
            "1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a");
  EXPECT_EQ(amd_bundle(Product::kMilan, true)->intermediate.fingerprint(),
            "c5e081f59b7efab1fe2f8b505e159704e72f29cab7ef7cf628a05a42439082f5");
  const auto milan = read_amd_extensions(parse_certs(read_data(kVectors[0].vcek)).value()[0]);
  EXPECT_EQ(milan.product_name.value_or(""), "Milan-B0");
  EXPECT_EQ(milan.ucode.value_or(0), 68);
}

// The verdicts of a verification through warm caches equal those without caches.
std::vector<std::pair<std::string, CheckStatus>> outline(const Verdict& v) {
  std::vector<std::pair<std::string, CheckStatus>> out;
  for (const auto& c : v.checks()) out.emplace_back(c.code, c.status);
  return out;
}

TEST(SnpCaches, WarmCachesGiveTheSameVerdicts) {
  CertCache certs;
  ChainCache chain;
  for (const auto& vec : kVectors) {
    SCOPED_TRACE(vec.report);
    const SnpEvidence plain = load(vec);
    for (int round = 0; round < 3; ++round) {
      SnpEvidence ev;
      ev.report = plain.report;
      ASSERT_TRUE(add_certs(ev, {certs.from_der(read_data(vec.vcek)).value()}).ok());
      for (std::time_t now : {kNow, std::time_t{1893456000}}) {  // valid, then 2030
        for (auto product :
             {std::optional<Product>(Product::kMilan), std::optional<Product>(Product::kGenoa)}) {
          Verdict cached;
          VerifyOptions o;
          o.product = product;
          o.now = now;
          o.cache = &chain;
          verify_authenticity(ev, o, cached);
          Verdict fresh;
          o.cache = nullptr;
          verify_authenticity(plain, o, fresh);
          EXPECT_EQ(outline(cached), outline(fresh)) << render_text(cached);
          EXPECT_EQ(cached.valid(), fresh.valid());
          if (now == kNow) {
            EXPECT_EQ(cached.valid(), product == Product::kMilan);
          }
        }
      }
    }
  }
  EXPECT_EQ(certs.size(), 2u);
  EXPECT_EQ(certs.hits(), 4u);  // two vectors, three rounds each: the first of each parses
}

TEST(SnpCaches, CertCacheHitNeedsIdenticalDer) {
  CertCache cache;
  const Bytes der = read_data(kVectors[0].vcek);
  const Cert a = cache.from_der(der).value();
  const Cert b = cache.from_der(Bytes(der)).value();  // another buffer, same bytes
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(a.get(), b.get());  // the same parse
  EXPECT_EQ(a.fingerprint(), Cert::from_der(der).value().fingerprint());
  // One bit of the signature flipped: still a certificate, but another one.
  Bytes other = der;
  other[der.size() - 2] ^= 0x01;
  const Cert c = cache.from_der(other).value();
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_NE(c.fingerprint(), a.fingerprint());
  EXPECT_EQ(c.der(), other);
  // Garbage is an error every time and is not cached.
  EXPECT_EQ(cache.from_der(as_bytes(std::string("not a cert"))).error().code, "bad_cert");
  EXPECT_FALSE(cache.from_der({}).ok());
  EXPECT_EQ(cache.size(), 2u);
}

TEST(SnpCaches, BoundedLeastRecentlyUsed) {
  CertCache certs(2);
  const Bytes d0 = read_data(kVectors[0].vcek), d1 = read_data(kVectors[1].vcek),
              d2 = read_data("snp-reports/virtee_turin_vcek_only.der");
  ASSERT_TRUE(certs.from_der(d0).ok());
  ASSERT_TRUE(certs.from_der(d1).ok());
  ASSERT_TRUE(certs.from_der(d0).ok());  // d0 is now the most recent
  EXPECT_EQ(certs.hits(), 1u);
  ASSERT_TRUE(certs.from_der(d2).ok());  // drops d1
  EXPECT_EQ(certs.size(), 2u);
  ASSERT_TRUE(certs.from_der(d0).ok());
  EXPECT_EQ(certs.hits(), 2u);
  ASSERT_TRUE(certs.from_der(d1).ok());  // parsed again
  EXPECT_EQ(certs.hits(), 2u);

  ChainCache chain(2);
  const Cert v0 = certs.from_der(d0).value(), v1 = certs.from_der(d1).value();
  const auto milan = chain.bundle(Product::kMilan, false).value();
  EXPECT_TRUE(chain.signed_by(v0, milan.intermediate));
  EXPECT_TRUE(chain.signed_by(v1, milan.intermediate));
  EXPECT_TRUE(chain.signed_by(milan.intermediate, milan.ark));
  EXPECT_EQ(chain.size(), 2u);
  EXPECT_FALSE(chain.signed_by(milan.ark, v0));
  EXPECT_EQ(chain.size(), 2u);
  // The bundle is parsed once and is the embedded one.
  EXPECT_EQ(chain.bundle(Product::kMilan, false)->ark.get(), milan.ark.get());
  EXPECT_EQ(milan.ark.fingerprint(), amd_bundle(Product::kMilan, false)->ark.fingerprint());
}

TEST(SnpCaches, ValidityBoundsAreThoseOfX509CmpTime) {
  const Cert c = Cert::from_der(read_data(kVectors[0].vcek)).value();
  ASSERT_TRUE(c.not_before().has_value());
  ASSERT_TRUE(c.not_after().has_value());
  const auto nb = static_cast<std::time_t>(*c.not_before());
  const auto na = static_cast<std::time_t>(*c.not_after());
  EXPECT_LT(nb, kNow);
  EXPECT_GT(na, kNow);
  EXPECT_EQ(validity_problem(c, nb - 1), "not yet valid");
  EXPECT_EQ(validity_problem(c, nb), "");
  EXPECT_EQ(validity_problem(c, na - 1), "");
  EXPECT_EQ(validity_problem(c, na), "expired");
}

TEST(SnpCaches, SharedBetweenThreads) {
  CertCache certs;
  ChainCache chain;
  const SnpEvidence plain = load(kVectors[0]);
  const Bytes der = read_data(kVectors[0].vcek);
  std::vector<int> valid(4, 0);
  {
    std::vector<std::jthread> threads;
    for (std::size_t t = 0; t < valid.size(); ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 3; ++i) {
          SnpEvidence ev;
          ev.report = plain.report;
          ev.leaf = certs.from_der(der).value();
          Verdict v;
          VerifyOptions o;
          o.product = Product::kMilan;
          o.now = kNow;
          o.cache = &chain;
          verify_authenticity(ev, o, v);
          valid[t] += v.valid() ? 1 : 0;
        }
      });
    }
  }
  for (int n : valid) EXPECT_EQ(n, 3);
  EXPECT_EQ(certs.size(), 1u);
  EXPECT_EQ(chain.size(), 3u);  // VCEK by ASK, ASK by ARK, ARK by itself
}

}  // namespace
}  // namespace cocos::test
