// Shared set-up of the verifying commands: policy, extra roots, product; verdict output.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "cocos/verifier/kds/kds_client.h"
#include "cocos/verifier/policy/policy.h"
#include "cocos/verifier/snp/certs.h"
#include "cocos/verifier/snp/crl.h"
#include "cocos/verifier/verdict.h"
#include "commands.h"

namespace cocos::verifier::app {

struct CommonSetup {
  std::optional<policy::Policy> policy;
  std::vector<snp::Cert> extra_roots;
  std::vector<snp::Crl> crls;
  std::optional<snp::Product> product;
  std::unique_ptr<kds::KdsClient> kds;  // with --kds or --kds-crl
  bool kds_vcek = false, kds_crl = false;

  // The KDS fetchers the options asked for (none without --kds / --kds-crl).
  snp::VcekFetcher vcek_fetcher() const;
  snp::CrlFetcher crl_fetcher() const;
};

Result<CommonSetup> load_common(const CommonVerify& c);
// Prints the verdict (text or JSON) and returns 0 (valid) or 1 (invalid).
int print_verdict(const Verdict& v, const CommonVerify& c, const Io& io);

}  // namespace cocos::verifier::app
