// The verifier's verdict: every check in the order it ran (parse, authenticity, chain, TCB,
// policy rules, bindings), each with a stable code, the field, expected and actual values and
// a hint. Rendering (text or JSON) is separate from computing.
#pragma once

#include <string>
#include <vector>

namespace cocos::verifier {

enum class CheckStatus { kPass, kFail, kSkip };

struct Check {
  std::string code;   // stable, e.g. "snp.signature", "policy.debug"
  std::string title;  // one line for people
  CheckStatus status = CheckStatus::kPass;
  std::string field;  // spec field name, e.g. "REPORT_DATA"
  std::string expected;
  std::string actual;
  std::string hint;
};

class Verdict {
 public:
  Check& add(Check c) {
    checks_.push_back(std::move(c));
    return checks_.back();
  }
  void pass(std::string code, std::string title, std::string field = {}, std::string expected = {},
            std::string actual = {});
  void fail(std::string code, std::string title, std::string field, std::string expected,
            std::string actual, std::string hint = {});
  void skip(std::string code, std::string title, std::string why);
  // Passes when `ok`, fails otherwise; returns ok.
  bool expect(bool ok, std::string code, std::string title, std::string field, std::string expected,
              std::string actual, std::string hint = {});
  void warn(std::string w) { warnings_.push_back(std::move(w)); }

  bool valid() const;
  const Check* first_failure() const;
  const std::vector<Check>& checks() const { return checks_; }
  const std::vector<std::string>& warnings() const { return warnings_; }

  // Set when the evidence says its SNP report comes from the agent's simulated provider.
  bool simulated = false;
  std::string subject;  // what was verified ("snp report", "evidence", ...)

 private:
  std::vector<Check> checks_;
  std::vector<std::string> warnings_;
};

std::string render_text(const Verdict& v);
std::string render_json(const Verdict& v);
// 0 valid, 1 invalid.
inline int exit_code(const Verdict& v) {
  return v.valid() ? 0 : 1;
}

}  // namespace cocos::verifier
