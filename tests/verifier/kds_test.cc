// AMD KDS client (verifier/kds) against a real HTTP server on loopback that lays out its files
// as kdsintf.amd.com does (this machine cannot reach AMD): the URLs AMD documents; a real
// Milan report's VCEK fetched and the report verified with it; the cache (one fetch per chip
// and TCB, damaged files replaced, CRLs kept only while current); answers that are not the
// chip's VCEK refused and not cached; retries on 429/503 (Retry-After) and on a body cut short,
// none on 404; bounded
// bodies; TLS peers verified (a self-signed mirror is refused unless its CA is given); and the
// cocos-verifier options (--kds, --kds-url, --kds-cache, --kds-crl).
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "cocos/verifier/kds/kds_client.h"
#include "cocos/verifier/snp/verify.h"
#include "test_chain.h"
#include "test_util.h"

namespace cocos::test {
namespace {

using namespace cocos::verifier;
using std::chrono::milliseconds;

// 2026-01-01: inside the validity of the real Milan VCEK (2022-09-24 .. 2029-09-24).
constexpr std::time_t kMilanNow = 1767225600;

struct Reply {
  int status = 200;
  std::string body;
  std::string retry_after;
  bool cut_short = false;  // announce the whole body, send half of it, close
};

// A KDS on 127.0.0.1 (or over TLS with `tls`): each request target (path and query, as sent)
// answers with its scripted replies in turn, the last one repeating; unknown targets get 404.
class FakeKds {
 public:
  explicit FakeKds(httplib::Server* server = nullptr)
      : owned_(server ? nullptr : std::make_unique<httplib::Server>()),
        srv_(server ? server : owned_.get()) {
    srv_->Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lk(mu_);
      requests_.push_back(req.target);
      auto it = replies_.find(req.target);
      if (it == replies_.end() || it->second.empty()) {
        res.status = 404;
        return;
      }
      const Reply r = it->second.front();
      if (it->second.size() > 1) it->second.erase(it->second.begin());
      res.status = r.status;
      if (!r.retry_after.empty()) res.set_header("Retry-After", r.retry_after);
      if (r.cut_short) {
        res.set_content_provider(
            r.body.size(), "application/octet-stream",
            [body = r.body](std::size_t, std::size_t, httplib::DataSink& sink) {
              sink.write(body.data(), body.size() / 2);
              return false;  // the connection is dropped mid-body
            });
        return;
      }
      res.set_content(r.body, "application/octet-stream");
    });
    port_ = srv_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { srv_->listen_after_bind(); });
    // stop() is a no-op until the server runs: wait for it, or the destructor could hang.
    while (!srv_->is_running()) std::this_thread::sleep_for(milliseconds(1));
  }
  ~FakeKds() {
    srv_->stop();
    thread_.join();
  }
  void serve(const std::string& target, std::vector<Reply> replies) {
    std::lock_guard lk(mu_);
    replies_[target] = std::move(replies);
  }
  void serve(const std::string& target, const Bytes& body) {
    serve(target, {Reply{200, std::string(body.begin(), body.end()), ""}});
  }
  std::vector<std::string> requests() const {
    std::lock_guard lk(mu_);
    return requests_;
  }
  int port() const { return port_; }
  std::string url(const std::string& scheme = "http") const {
    return scheme + "://127.0.0.1:" + std::to_string(port_);
  }

 private:
  std::unique_ptr<httplib::Server> owned_;
  httplib::Server* srv_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::string, std::vector<Reply>> replies_;
  std::vector<std::string> requests_;
};

snp::SnpReport milan_report() {
  return snp::parse_report(read_data("snp-reports/gsg_milan_v2_report.bin"), nullptr).value();
}

std::string milan_vcek_target() {
  const auto r = milan_report();
  return kds::vcek_path(snp::Product::kMilan, r.chip_id, r.reported_tcb);
}

kds::KdsOptions fast_options(const std::string& url, const std::string& cache = "") {
  kds::KdsOptions o;
  o.base_url = url;
  o.cache_dir = cache;
  o.http.timeout = milliseconds(5000);
  o.http.backoff = milliseconds(1);
  return o;
}

// The real Milan report verified with no VCEK given: `client` fetches it (and with `crls`, the
// ARK's CRL). `product`: as --product gives it (a v2 report has no CPUID).
Verdict verify_milan(const kds::KdsClient& client, bool crls = false, bool product = true) {
  snp::SnpEvidence ev;
  ev.report = milan_report();
  snp::VerifyOptions o;
  if (product) o.product = snp::Product::kMilan;
  o.now = kMilanNow;
  o.fetch_vcek = client.vcek_fetcher();
  if (crls) o.fetch_crls = client.crl_fetcher();
  Verdict v;
  snp::verify_authenticity(ev, o, v);
  return v;
}

TEST(KdsUrl, MilanAndGenoaNameTheWholeChipIdTurinItsFirstEightBytes) {
  std::array<std::uint8_t, 64> chip{};
  for (std::size_t i = 0; i < chip.size(); ++i) chip[i] = static_cast<std::uint8_t>(i);
  std::string hex;
  for (std::size_t i = 0; i < chip.size(); ++i) hex += to_hex(Bytes{chip[i]});
  // The TCB of the cocos report in tests/data (README: blSPL=3&teeSPL=0&snpSPL=14&ucodeSPL=213).
  EXPECT_EQ(kds::vcek_path(snp::Product::kMilan, chip, 0xD50E000000000003ULL),
            "/vcek/v1/Milan/" + hex + "?blSPL=3&teeSPL=0&snpSPL=14&ucodeSPL=213");
  EXPECT_EQ(kds::vcek_path(snp::Product::kGenoa, chip, 0xD50E000000000003ULL),
            "/vcek/v1/Genoa/" + hex + "?blSPL=3&teeSPL=0&snpSPL=14&ucodeSPL=213");
  // attestation.md: Turin TCB 0x5200000004010101, hwid = the first 8 bytes, fmcSPL added.
  std::array<std::uint8_t, 64> turin{0x6b, 0xb1, 0x22, 0x9b, 0x76, 0x92, 0xb7, 0x10};
  EXPECT_EQ(kds::vcek_path(snp::Product::kTurin, turin, 0x5200000004010101ULL),
            "/vcek/v1/Turin/6bb1229b7692b710?blSPL=1&teeSPL=1&snpSPL=4&ucodeSPL=82&fmcSPL=1");
  EXPECT_EQ(kds::chain_path(snp::Product::kGenoa, false), "/vcek/v1/Genoa/cert_chain");
  EXPECT_EQ(kds::chain_path(snp::Product::kMilan, true), "/vlek/v1/Milan/cert_chain");
  EXPECT_EQ(kds::crl_path(snp::Product::kTurin, false), "/vcek/v1/Turin/crl");
  EXPECT_EQ(kds::crl_path(snp::Product::kMilan, true), "/vlek/v1/Milan/crl");
}

TEST(KdsClient, FetchesTheVcekOfARealReportAndTheReportVerifiesWithIt) {
  FakeKds kds;
  const Bytes der = read_data("snp-reports/gsg_milan_v2_vcek.der");
  kds.serve(milan_vcek_target(), der);
  kds::KdsClient client(fast_options(kds.url()));

  const Verdict v = verify_milan(client);
  EXPECT_TRUE(v.valid()) << render_text(v);
  ASSERT_TRUE(passed(v, "snp.kds.vcek"));
  EXPECT_EQ(find_check(v, "snp.kds.vcek")->actual, kds.url() + milan_vcek_target());
  EXPECT_TRUE(passed(v, "snp.signature"));
  EXPECT_TRUE(passed(v, "snp.chain.root"));
  EXPECT_TRUE(passed(v, "snp.hwid"));
  EXPECT_EQ(kds.requests(), std::vector<std::string>{milan_vcek_target()});

  // Without a product a v2 report cannot name its KDS URL: a clear failure, no request.
  const Verdict v2 = verify_milan(client, false, false);
  EXPECT_TRUE(failed(v2, "snp.kds.vcek")) << render_text(v2);
  EXPECT_NE(find_check(v2, "snp.kds.vcek")->hint.find("--product"), std::string::npos);
  EXPECT_EQ(kds.requests().size(), 1u);
}

TEST(KdsClient, AFetchedVcekOfATestChainVerifiesAV3Report) {
  const TestChain& c = test_chain();
  Bytes raw = make_report(Bytes(64, 7), Bytes(48, 8), c);
  sign_report(raw, c);
  snp::SnpEvidence ev;
  ev.report = snp::parse_report(raw, nullptr).value();
  FakeKds kds;
  // The product comes from the v3 report's CPUID (Milan).
  kds.serve(kds::vcek_path(snp::Product::kMilan, ev.report.chip_id, ev.report.reported_tcb),
            c.vcek_der);
  kds::KdsClient client(fast_options(kds.url()));
  snp::VerifyOptions o;
  // The test ARK and ASK, as --trust-root gives them.
  o.extra_roots = {snp::Cert::from_der(c.ark_der).value(), snp::Cert::from_der(c.ask_der).value()};
  o.now = std::time(nullptr);
  o.fetch_vcek = client.vcek_fetcher();
  o.fetch_crls = client.crl_fetcher();
  Verdict v;
  EXPECT_TRUE(snp::verify_authenticity(ev, o, v).authentic) << render_text(v);
  EXPECT_TRUE(v.valid()) << render_text(v);
  EXPECT_TRUE(passed(v, "snp.kds.vcek"));
  // AMD's CRL cannot speak for a chain that ends at a root given with --trust-root.
  const Check* crl = find_check(v, "snp.kds.crl");
  ASSERT_NE(crl, nullptr);
  EXPECT_EQ(crl->status, CheckStatus::kSkip);
  EXPECT_EQ(kds.requests().size(), 1u);
}

TEST(KdsClient, CachesVcekForGoodAndReplacesADamagedFile) {
  TempDir t;
  FakeKds kds;
  kds.serve(milan_vcek_target(), read_data("snp-reports/gsg_milan_v2_vcek.der"));
  kds::KdsClient client(fast_options(kds.url(), t.path() + "/cache"));
  const auto r = milan_report();
  auto first = client.vcek(r, snp::Product::kMilan);
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  EXPECT_EQ(first->source, kds.url() + milan_vcek_target());
  auto second = client.vcek(r, snp::Product::kMilan);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->source.rfind("cache " + t.path() + "/cache/Milan/vcek-", 0), 0u)
      << second->source;
  EXPECT_EQ(second->cert.fingerprint(), first->cert.fingerprint());
  EXPECT_EQ(kds.requests().size(), 1u);

  // A damaged cache file is not used: the VCEK is fetched again and the file rewritten.
  const std::string file = second->source.substr(6);
  t.write("cache/Milan/" + std::filesystem::path(file).filename().string(), "garbage");
  auto third = client.vcek(r, snp::Product::kMilan);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->source, kds.url() + milan_vcek_target());
  EXPECT_EQ(kds.requests().size(), 2u);
  EXPECT_EQ(std::filesystem::file_size(file),
            read_data("snp-reports/gsg_milan_v2_vcek.der").size());
}

TEST(KdsClient, AnAnswerThatIsNotTheChipsVcekIsRefusedAndNotCached) {
  TempDir t;
  FakeKds kds;
  // Another Milan chip's real VCEK, served for this chip's URL.
  kds.serve(milan_vcek_target(), read_data("snp-reports/virtee_milan_v2_vcek.der"));
  kds::KdsClient client(fast_options(kds.url(), t.path()));
  auto got = client.vcek(milan_report(), snp::Product::kMilan);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, "kds_bad_response");
  EXPECT_NE(got.error().message.find("HWID"), std::string::npos) << got.error().message;
  EXPECT_FALSE(std::filesystem::exists(t.path() + "/Milan"));

  kds.serve(milan_vcek_target(), Bytes{'n', 'o', 't', ' ', 'D', 'E', 'R'});
  got = client.vcek(milan_report(), snp::Product::kMilan);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, "kds_bad_response");
}

TEST(KdsClient, RetriesRateLimitsAndServerErrorsButNotNotFound) {
  FakeKds kds;
  const std::string der = [] {
    const Bytes b = read_data("snp-reports/gsg_milan_v2_vcek.der");
    return std::string(b.begin(), b.end());
  }();
  kds.serve(milan_vcek_target(), {Reply{429, "slow down", "0"}, Reply{503, "", ""},
                                  Reply{200, der, "", true}, Reply{200, der, ""}});
  // The third attempt is a 200 whose body is cut short: a transport failure, so one more is
  // needed.
  auto o = fast_options(kds.url());
  o.http.attempts = 4;
  auto got = kds::KdsClient(o).vcek(milan_report(), snp::Product::kMilan);
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  EXPECT_EQ(kds.requests().size(), 4u);

  kds::KdsClient client(fast_options(kds.url()));
  kds.serve(milan_vcek_target(), {Reply{200, der, "", true}});
  got = client.vcek(milan_report(), snp::Product::kMilan);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, "kds_unreachable") << got.error().message;
  EXPECT_EQ(kds.requests().size(), 7u);

  kds.serve(milan_vcek_target(), {Reply{429, "", "0"}});
  got = client.vcek(milan_report(), snp::Product::kMilan);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, "kds_unreachable");
  EXPECT_NE(got.error().message.find("HTTP 429 (after 3 attempts)"), std::string::npos)
      << got.error().message;
  EXPECT_EQ(kds.requests().size(), 10u);

  kds.serve(milan_vcek_target(), std::vector<Reply>{});  // 404
  got = client.vcek(milan_report(), snp::Product::kMilan);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, "kds_not_found");
  EXPECT_EQ(kds.requests().size(), 11u);

  kds.serve(milan_vcek_target(), {Reply{403, "", ""}});
  got = client.vcek(milan_report(), snp::Product::kMilan);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, "kds_http");
  EXPECT_EQ(kds.requests().size(), 12u);
}

TEST(KdsClient, BodiesAreBoundedAndAMaskedChipIsNotAsked) {
  FakeKds kds;
  kds.serve(milan_vcek_target(), Bytes(200 * 1024, 0x30));
  kds::KdsClient client(fast_options(kds.url()));
  auto got = client.vcek(milan_report(), snp::Product::kMilan);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, "too_large");

  snp::SnpReport masked = milan_report();
  masked.chip_id.fill(0);
  got = client.vcek(masked, snp::Product::kMilan);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, "kds_masked_chip");
  EXPECT_EQ(kds.requests().size(), 1u);
}

TEST(KdsClient, AnUnreachableKdsIsAClearErrorAndAFailedCheck) {
  int port = 0;
  {
    FakeKds gone;
    port = gone.port();
  }
  kds::KdsClient client(fast_options("http://127.0.0.1:" + std::to_string(port)));
  auto got = client.vcek(milan_report(), snp::Product::kMilan);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, "kds_unreachable");
  EXPECT_NE(got.error().message.find("after 3 attempts"), std::string::npos) << got.error().message;

  const Verdict v = verify_milan(client);
  EXPECT_FALSE(v.valid());
  EXPECT_TRUE(failed(v, "snp.kds.vcek"));
  EXPECT_TRUE(failed(v, "snp.signature"));

  EXPECT_EQ(kds::http_get("ftp://example", "/x", {}).error().code, "usage");
  EXPECT_EQ(kds::http_get("http://127.0.0.1:1/path", "/x", {}).error().code, "usage");
  EXPECT_EQ(kds::http_get("https://", "/x", {}).error().code, "usage");
}

TEST(KdsClient, CrlIsCachedOnlyWhileCurrentAndIsCheckedNotTrusted) {
  TempDir t;
  FakeKds kds;
  const TestChain& c = test_chain();
  // A CRL valid for a week from an hour ago.
  kds.serve("/vcek/v1/Milan/crl", make_crl(c, false, {}));
  kds::KdsClient client(fast_options(kds.url(), t.path()));
  const std::time_t now = std::time(nullptr);
  auto a = client.crls(snp::Product::kMilan, false, now);
  ASSERT_TRUE(a.ok()) << a.error().to_string();
  ASSERT_EQ(a->crls.size(), 1u);
  EXPECT_EQ(a->source, kds.url() + "/vcek/v1/Milan/crl");
  auto b = client.crls(snp::Product::kMilan, false, now);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->source, "cache " + t.path() + "/Milan/crl.der");
  EXPECT_EQ(kds.requests().size(), 1u);
  // Past its nextUpdate the cached CRL is not used.
  auto later = client.crls(snp::Product::kMilan, false, now + 8 * 24 * 3600);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->source, kds.url() + "/vcek/v1/Milan/crl");
  EXPECT_EQ(kds.requests().size(), 2u);
  // The VLEK chain's CRL has its own URL and file.
  kds.serve("/vlek/v1/Milan/crl", make_crl(c, false, {}));
  ASSERT_TRUE(client.crls(snp::Product::kMilan, true, now).ok());
  EXPECT_TRUE(std::filesystem::exists(t.path() + "/Milan/crl-vlek.der"));

  // A fetched CRL is checked like a given one: this one is not signed by AMD's ARK, so the
  // real Milan chain finds no CRL of its ARK.
  kds.serve(milan_vcek_target(), read_data("snp-reports/gsg_milan_v2_vcek.der"));
  const Verdict v = verify_milan(client, true);
  EXPECT_TRUE(passed(v, "snp.kds.crl")) << render_text(v);
  EXPECT_TRUE(failed(v, "snp.crl.issuer")) << render_text(v);

  kds.serve("/vcek/v1/Milan/crl", std::vector<Reply>{});
  const Verdict v2 = verify_milan(kds::KdsClient(fast_options(kds.url())), true);
  EXPECT_TRUE(failed(v2, "snp.kds.crl")) << render_text(v2);
  EXPECT_FALSE(v2.valid());
}

// A self-signed server certificate for 127.0.0.1, as PEM files in `dir`.
void make_tls_identity(const std::string& dir) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_set_pubkey(x, key);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (const auto& [nid, value] : std::vector<std::pair<int, const char*>>{
           {NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"},
           {NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
  }
  X509_sign(x, key, EVP_sha256());
  FILE* f = std::fopen((dir + "/cert.pem").c_str(), "w");
  PEM_write_X509(f, x);
  std::fclose(f);
  f = std::fopen((dir + "/key.pem").c_str(), "w");
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(x);
  EVP_PKEY_free(key);
}

TEST(KdsClient, TlsPeersAreVerified) {
  TempDir t;
  make_tls_identity(t.path());
  httplib::SSLServer tls((t.path() + "/cert.pem").c_str(), (t.path() + "/key.pem").c_str());
  ASSERT_TRUE(tls.is_valid());
  FakeKds kds(&tls);
  kds.serve(milan_vcek_target(), read_data("snp-reports/gsg_milan_v2_vcek.der"));

  kds::KdsClient strict(fast_options(kds.url("https")));
  auto got = strict.vcek(milan_report(), snp::Product::kMilan);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, "kds_unreachable");
  EXPECT_TRUE(kds.requests().empty());

  auto o = fast_options(kds.url("https"));
  o.http.ca_file = t.path() + "/cert.pem";
  kds::KdsClient trusting(o);
  got = trusting.vcek(milan_report(), snp::Product::kMilan);
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  EXPECT_EQ(kds.requests().size(), 1u);
}

TEST(KdsCli, SnpAndEvidenceFetchTheVcekWithKds) {
  TempDir t;
  FakeKds kds;
  kds.serve(milan_vcek_target(), read_data("snp-reports/gsg_milan_v2_vcek.der"));
  const std::string report = data_path("snp-reports/gsg_milan_v2_report.bin");
  const std::string base =
      "snp --report " + report + " --product milan --time " + std::to_string(kMilanNow) + " ";

  CliRun none = run_verifier(base + "--json");
  EXPECT_EQ(none.code, 1) << none.out;
  EXPECT_NE(none.out.find("--kds"), std::string::npos) << none.out;

  CliRun r = run_verifier(base + "--json --kds-url " + kds.url() + " --kds-cache " + t.path());
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("\"snp.kds.vcek\""), std::string::npos) << r.out;
  CliRun again = run_verifier(base + "--kds --kds-url " + kds.url() + "/ --kds-cache " + t.path());
  EXPECT_EQ(again.code, 0) << again.out;
  EXPECT_NE(again.out.find("cache " + t.path()), std::string::npos) << again.out;
  EXPECT_EQ(kds.requests().size(), 1u);

  // --kds-crl: AMD's CRL is not on this fake KDS, so the check fails and says why.
  CliRun crl = run_verifier(base + "--kds-url " + kds.url() + " --kds-crl");
  EXPECT_EQ(crl.code, 1) << crl.out;
  EXPECT_NE(crl.out.find("kds_not_found"), std::string::npos) << crl.out;

  // evidence: an agent's evidence whose certificates lack the VCEK (a host without an extended
  // report); the test chain's ARK and ASK are given as --trust-root.
  const TestChain& c = test_chain();
  evidence::EvidenceInput ev;
  ev.platform = "snp";
  ev.simulated = true;
  ev.tee_nonce = Bytes(64, 5);
  ev.vtpm_nonce = Bytes(32, 0);
  ev.binding = "none";
  Bytes raw = make_report(ev.tee_nonce, Bytes(48, 1), c);
  sign_report(raw, c);
  ev.snp_report = raw;
  ev.certs = {{"ask", c.ask_der}};
  const auto parsed = snp::parse_report(raw, nullptr).value();
  kds.serve(kds::vcek_path(snp::Product::kMilan, parsed.chip_id, parsed.reported_tcb), c.vcek_der);
  const std::string evidence = "evidence " + t.write("ev.msgpack", encode_evidence(ev)) +
                               " --policy " + t.write("p.json", std::string(R"({"snp": {}})")) +
                               " --trust-root " + t.write("ark.pem", c.ark_pem) + " ";
  EXPECT_EQ(run_verifier(evidence).code, 1);
  CliRun ev_ok = run_verifier(evidence + "--kds-url " + kds.url());
  EXPECT_EQ(ev_ok.code, 0) << ev_ok.out;
  EXPECT_NE(ev_ok.out.find("[pass] snp.kds.vcek"), std::string::npos) << ev_ok.out;

  // show names the URL (what an operator fetches by hand for an offline verifier).
  CliRun show = run_verifier("show " + t.write("v3.bin", raw));
  EXPECT_NE(
      show.out.find("KDS_VCEK_URL: https://kdsintf.amd.com" +
                    kds::vcek_path(snp::Product::kMilan, parsed.chip_id, parsed.reported_tcb)),
      std::string::npos)
      << show.out;
  EXPECT_NE(run_verifier("show " + report).out.find("KDS_VCEK_URL: unknown product (v2 report)"),
            std::string::npos);

  CliRun usage = run_verifier(base + "--kds-cache " + t.path(), true);
  EXPECT_EQ(usage.code, 2) << usage.out;
  EXPECT_NE(usage.out.find("need --kds"), std::string::npos) << usage.out;
  CliRun bad_url = run_verifier(base + "--kds-url ftp://x", true);
  EXPECT_EQ(bad_url.code, 2) << bad_url.out;
  EXPECT_NE(bad_url.out.find("http(s)://host"), std::string::npos) << bad_url.out;
}

}  // namespace
}  // namespace cocos::test
