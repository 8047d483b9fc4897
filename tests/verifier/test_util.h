// Small helpers shared by the verifier tests: data paths, file reading, verdict queries.
#pragma once

#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "cocos/common/encoding.h"
#include "cocos/igvm/measure.h"
#include "cocos/verifier/verdict.h"
#include "cocos/verifier/vtpm/quote.h"

namespace cocos::test {

// A temporary directory, removed with everything in it; write() returns the file's path.
class TempDir {
 public:
  TempDir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "cocos-verifier-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data()) ? tmpl : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  std::string write(const std::string& name, std::string_view data) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary)
        .write(data.data(), static_cast<std::streamsize>(data.size()));
    return p;
  }
  std::string write(const std::string& name, const Bytes& b) const {
    return write(name, std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string data_path(const std::string& rel) {
  return std::string(COCOS_TESTDATA) + "/" + rel;
}

inline Bytes read_data(const std::string& rel) {
  auto b = igvm::read_file_bounded(data_path(rel), 1 << 22);
  if (!b) return {};
  return *b;
}

inline const verifier::Check* find_check(const verifier::Verdict& v, const std::string& code) {
  for (const auto& c : v.checks()) {
    if (c.code == code) return &c;
  }
  return nullptr;
}

inline bool passed(const verifier::Verdict& v, const std::string& code) {
  const auto* c = find_check(v, code);
  return c != nullptr && c->status == verifier::CheckStatus::kPass;
}

inline bool failed(const verifier::Verdict& v, const std::string& code) {
  const auto* c = find_check(v, code);
  return c != nullptr && c->status == verifier::CheckStatus::kFail;
}

// One quote of the GCE vector (tests/data/verifier/vtpm): "sha1", "sha256" or "sha384".
inline verifier::vtpm::Quote load_vector_quote(const std::string& bank) {
  verifier::vtpm::Quote q;
  q.bank = bank;
  q.attest = read_data("vtpm/quote_" + bank + ".attest.bin");
  q.signature = read_data("vtpm/quote_" + bank + ".sig.bin");
  const Bytes text = read_data("vtpm/quote_" + bank + ".pcrs.txt");
  auto pcrs = verifier::vtpm::parse_pcr_text(
      std::string_view(reinterpret_cast<const char*>(text.data()), text.size()));
  if (pcrs) q.pcrs = std::move(*pcrs);
  return q;
}

// The cocos-verifier binary run with `args` (a shell string); stdout, and stderr when
// `with_err`, captured with the exit code (-1 when it did not exit normally).
struct CliRun {
  int code = -1;
  std::string out;
};
inline CliRun run_verifier(const std::string& args, bool with_err = false) {
  const std::string cmd =
      std::string(COCOS_VERIFIER_BIN) + " " + args + (with_err ? " 2>&1" : " 2>/dev/null");
  CliRun r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

inline std::string first_failure(const verifier::Verdict& v) {
  const auto* c = v.first_failure();
  return c ? c->code : "";
}

}  // namespace cocos::test
