// Real TPM quotes: a per-test swtpm on a unix socket (unique temp dir), tpm2-tools to create an
// AK (ECDSA P-256 and RSA-PSS) and quote PCRs 0..2 with a 32-byte nonce; the quotes then go
// through verify_evidence as "vtpm" evidence. Skipped when swtpm or tpm2-tools are missing.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cocos/verifier/evidence/evidence.h"
#include "test_util.h"

namespace cocos::test {
namespace {

bool have(const char* tool) {
  return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

// Owns one swtpm process and its state directory; stops and reaps it when dropped.
class Swtpm {
 public:
  Swtpm() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cocos-swtpm-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return;
    dir_ = tmpl;
    const std::string sock = dir_ + "/tpm.sock";
    pid_ = fork();
    if (pid_ == 0) {
      const int null = open("/dev/null", O_RDWR);
      dup2(null, 1);
      dup2(null, 2);
      const std::string server = "type=unixio,path=" + sock;
      const std::string ctrl = "type=unixio,path=" + sock + ".ctrl";
      const std::string state = "dir=" + dir_;
      execlp("swtpm", "swtpm", "socket", "--tpm2", "--server", server.c_str(), "--ctrl",
             ctrl.c_str(), "--tpmstate", state.c_str(), "--flags", "not-need-init,startup-clear",
             static_cast<char*>(nullptr));
      _exit(127);
    }
    // Wait until it answers (bounded: 500 attempts).
    for (int i = 0; i < 500; ++i) {
      if (tool("tpm2_getrandom 4 -o " + dir_ + "/rnd")) {
        ready_ = true;
        break;
      }
      usleep(10000);
    }
  }
  ~Swtpm() {
    if (pid_ > 0) {
      std::system(("swtpm_ioctl --unix " + dir_ + "/tpm.sock.ctrl -s >/dev/null 2>&1").c_str());
      int st = 0;
      for (int i = 0; i < 200 && waitpid(pid_, &st, WNOHANG) == 0; ++i) usleep(10000);
      if (waitpid(pid_, &st, WNOHANG) == 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &st, 0);
      }
    }
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  Swtpm(const Swtpm&) = delete;
  Swtpm& operator=(const Swtpm&) = delete;

  bool ready() const { return ready_; }
  const std::string& dir() const { return dir_; }
  // Runs a tpm2-tools command line against this TPM, in its directory.
  bool tool(const std::string& cmd) const {
    const std::string full = "cd " + dir_ + " && TPM2TOOLS_TCTI=swtpm:path=" + dir_ + "/tpm.sock " +
                             cmd + " >/dev/null 2>&1";
    return std::system(full.c_str()) == 0;
  }
  bool flush() const { return tool("tpm2_flushcontext -t") && tool("tpm2_flushcontext -s"); }
  Bytes read(const std::string& name) const {
    std::ifstream in(dir_ + "/" + name, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  bool ready_ = false;
};

verifier::evidence::EvidenceInput quote_evidence(const Swtpm& tpm, const std::string& ak_args,
                                                 const std::string& scheme) {
  verifier::evidence::EvidenceInput ev;
  ev.platform = "vtpm";
  ev.tee_nonce = Bytes(64, 0);
  for (std::uint8_t i = 0; i < 32; ++i)
    ev.vtpm_nonce.push_back(static_cast<std::uint8_t>(0xC0 + i));
  ev.binding = "none";
  EXPECT_TRUE(tpm.tool("tpm2_createek -c ek.ctx -G rsa -u ek.pub"));
  EXPECT_TRUE(tpm.flush());
  EXPECT_TRUE(tpm.tool("tpm2_createak -C ek.ctx -c ak.ctx " + ak_args + " -u ak.pub -n ak.name"));
  EXPECT_TRUE(tpm.flush());
  EXPECT_TRUE(tpm.tool("tpm2_quote -c ak.ctx -l sha256:0,1,2 -q " + to_hex(ev.vtpm_nonce) +
                       " -m msg -s sig -g sha256 --scheme " + scheme));
  const Bytes pub = tpm.read("ak.pub");  // TPM2B_PUBLIC: drop the size prefix
  EXPECT_GT(pub.size(), 2u);
  ev.ak_public = Bytes(pub.begin() + 2, pub.end());
  verifier::vtpm::Quote q;
  q.bank = "sha256";
  q.attest = tpm.read("msg");
  q.signature = tpm.read("sig");
  for (std::uint32_t i = 0; i < 3; ++i) q.pcrs[i] = Bytes(32, 0);  // fresh TPM: zero
  ev.quotes.push_back(q);
  return ev;
}

void check_real_quote(const std::string& ak_args, const std::string& scheme,
                      std::uint16_t want_sig_alg) {
  if (!have("swtpm") || !have("tpm2_quote")) GTEST_SKIP() << "swtpm/tpm2-tools not installed";
  Swtpm tpm;
  ASSERT_TRUE(tpm.ready());
  auto ev = quote_evidence(tpm, ak_args, scheme);
  auto sig = verifier::vtpm::parse_tpmt_signature(ev.quotes[0].signature);
  ASSERT_TRUE(sig.ok()) << sig.error().to_string();
  EXPECT_EQ(sig->sig_alg, want_sig_alg);
  verifier::policy::Policy p;
  verifier::evidence::EvidenceOptions o;
  o.policy = &p;
  o.vtpm_nonce = ev.vtpm_nonce;
  const auto v = verifier::evidence::verify_evidence(ev, o);
  EXPECT_TRUE(v.valid()) << verifier::render_text(v);
  auto bad = ev;
  bad.quotes[0].attest[bad.quotes[0].attest.size() - 1] ^= 1;
  EXPECT_EQ(first_failure(verifier::evidence::verify_evidence(bad, o)),
            "vtpm.quote[0](sha256).signature");
  auto pcr = ev;
  pcr.quotes[0].pcrs[1][0] = 1;
  EXPECT_EQ(first_failure(verifier::evidence::verify_evidence(pcr, o)),
            "vtpm.quote[0](sha256).digest");
}

TEST(Swtpm, EcdsaAkQuoteVerifies) {
  check_real_quote("-G ecc -g sha256 -s ecdsa", "ecdsa", verifier::vtpm::kAlgEcdsa);
}

TEST(Swtpm, RsaPssAkQuoteVerifies) {
  check_real_quote("-G rsa -g sha256 -s rsapss", "rsapss", verifier::vtpm::kAlgRsapss);
}

TEST(Swtpm, RsassaAkQuoteVerifies) {
  check_real_quote("-G rsa -g sha256 -s rsassa", "rsassa", verifier::vtpm::kAlgRsassa);
}

}  // namespace
}  // namespace cocos::test
