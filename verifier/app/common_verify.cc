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
  const KdsArgs& k = c.kds;
  s.kds_vcek = k.vcek || !k.url.empty();
  s.kds_crl = k.crl;
  if (s.kds_vcek || s.kds_crl) {
    if (!(k.timeout > 0 && k.timeout <= 600)) {
      return make_error("usage", "--kds-timeout: want seconds in (0, 600]");
    }
    kds::KdsOptions o;
    auto url = kds::base_url_option(k.url);
    if (!url) return url.take_error();
    o.base_url = *url;
    o.cache_dir = k.cache;
    o.http.ca_file = k.ca;
    o.http.timeout = std::chrono::milliseconds(static_cast<long long>(k.timeout * 1000));
    s.kds = std::make_unique<kds::KdsClient>(std::move(o));
  } else if (!k.cache.empty() || !k.ca.empty()) {
    return make_error("usage", "--kds-cache and --kds-ca need --kds or --kds-crl");
  }
  if (!c.product.empty()) {
    auto p = snp::parse_product(c.product);
    if (!p) return make_error("usage", "--product: " + p.error().message);
    s.product = *p;
  }
  return s;
}

snp::VcekFetcher CommonSetup::vcek_fetcher() const {
  return kds && kds_vcek ? kds->vcek_fetcher() : snp::VcekFetcher();
}

snp::CrlFetcher CommonSetup::crl_fetcher() const {
  return kds && kds_crl ? kds->crl_fetcher() : snp::CrlFetcher();
}

int print_verdict(const Verdict& v, const CommonVerify& c, const Io& io) {
  io.out << (c.json ? render_json(v) : render_text(v));
  return v.valid() ? kExitValid : kExitInvalid;
}

}  // namespace cocos::verifier::app
