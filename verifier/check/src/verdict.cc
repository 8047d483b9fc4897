// Verdict bookkeeping and its two renderings (readable text; JSON with stable check codes).
#include "cocos/verifier/verdict.h"

#include <nlohmann/json.hpp>

namespace cocos::verifier {

namespace {
const char* status_name(CheckStatus s) {
  switch (s) {
    case CheckStatus::kPass:
      return "pass";
    case CheckStatus::kFail:
      return "FAIL";
    case CheckStatus::kSkip:
      return "skip";
  }
  return "?";
}
}  // namespace

void Verdict::pass(std::string code, std::string title, std::string field, std::string expected,
                   std::string actual) {
  add(Check{std::move(code),
            std::move(title),
            CheckStatus::kPass,
            std::move(field),
            std::move(expected),
            std::move(actual),
            {}});
}

void Verdict::fail(std::string code, std::string title, std::string field, std::string expected,
                   std::string actual, std::string hint) {
  add(Check{std::move(code), std::move(title), CheckStatus::kFail, std::move(field),
            std::move(expected), std::move(actual), std::move(hint)});
}

void Verdict::skip(std::string code, std::string title, std::string why) {
  add(Check{std::move(code), std::move(title), CheckStatus::kSkip, {}, {}, {}, std::move(why)});
}

bool Verdict::expect(bool ok, std::string code, std::string title, std::string field,
                     std::string expected, std::string actual, std::string hint) {
  add(Check{std::move(code), std::move(title), ok ? CheckStatus::kPass : CheckStatus::kFail,
            std::move(field), std::move(expected), std::move(actual),
            ok ? std::string() : std::move(hint)});
  return ok;
}

bool Verdict::valid() const {
  if (checks_.empty()) return false;
  return first_failure() == nullptr;
}

const Check* Verdict::first_failure() const {
  for (const auto& c : checks_) {
    if (c.status == CheckStatus::kFail) return &c;
  }
  return nullptr;
}

std::string render_text(const Verdict& v) {
  std::string out;
  const Check* first = v.first_failure();
  if (v.valid()) {
    out += "VALID";
  } else if (first != nullptr) {
    out += "INVALID: first failing check " + first->code + " (" + first->title + ")";
  } else {
    out += "INVALID: no checks ran";
  }
  if (!v.subject.empty()) out += " [" + v.subject + "]";
  if (v.simulated) out += " [SIMULATED SNP: not a hardware attestation]";
  out += "\n";
  for (const auto& w : v.warnings()) out += "warning: " + w + "\n";
  for (const auto& c : v.checks()) {
    out += std::string("  [") + status_name(c.status) + "] " + c.code + ": " + c.title + "\n";
    if (!c.field.empty()) out += "         field:    " + c.field + "\n";
    if (!c.expected.empty()) out += "         expected: " + c.expected + "\n";
    if (!c.actual.empty()) out += "         actual:   " + c.actual + "\n";
    if (!c.hint.empty()) out += "         hint:     " + c.hint + "\n";
  }
  return out;
}

std::string render_json(const Verdict& v) {
  nlohmann::ordered_json j;
  j["valid"] = v.valid();
  if (!v.subject.empty()) j["subject"] = v.subject;
  j["simulated"] = v.simulated;
  const Check* first = v.first_failure();
  j["first_failure"] = first ? nlohmann::ordered_json(first->code) : nlohmann::ordered_json();
  j["warnings"] = v.warnings();
  auto arr = nlohmann::ordered_json::array();
  for (const auto& c : v.checks()) {
    nlohmann::ordered_json e;
    e["code"] = c.code;
    e["status"] = c.status == CheckStatus::kPass   ? "pass"
                  : c.status == CheckStatus::kFail ? "fail"
                                                   : "skip";
    e["title"] = c.title;
    if (!c.field.empty()) e["field"] = c.field;
    if (!c.expected.empty()) e["expected"] = c.expected;
    if (!c.actual.empty()) e["actual"] = c.actual;
    if (!c.hint.empty()) e["hint"] = c.hint;
    arr.push_back(std::move(e));
  }
  j["checks"] = std::move(arr);
  return j.dump(2) + "\n";
}

}  // namespace cocos::verifier
