// Loading what every verifying command shares, and printing the verdict.
#include "common_verify.h"

#include <ostream>

namespace cocos::verifier::app {

Result<CommonSetup> load_common(const CommonVerify& c) {
  CommonSetup s;
  if (!c.policy.empty()) {
    auto p = policy::load_policy_file(c.policy);
    if (!p) return p.take_error();
    s.policy = std::move(*p);
  }
  for (const auto& path : c.trust_roots) {
    auto certs = snp::load_certs_file(path);
    if (!certs) return certs.take_error();
    for (auto& cert : *certs) s.extra_roots.push_back(std::move(cert));
  }
  for (const auto& path : c.crls) {
    auto crls = snp::load_crl_file(path);
    if (!crls) return crls.take_error();
    for (auto& crl : *crls) s.crls.push_back(std::move(crl));
  }
  if (!c.product.empty()) {
    auto p = snp::parse_product(c.product);
    if (!p) return make_error("usage", "--product: " + p.error().message);
    s.product = *p;
  }
  return s;
}

int print_verdict(const Verdict& v, const CommonVerify& c, const Io& io) {
  io.out << (c.json ? render_json(v) : render_text(v));
  return v.valid() ? kExitValid : kExitInvalid;
}

}  // namespace cocos::verifier::app
