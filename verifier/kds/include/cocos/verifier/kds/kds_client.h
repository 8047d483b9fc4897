// Fetching what the SNP checks need from AMD's Key Distribution Service (or a mirror): the VCEK
// of a report's chip at its REPORTED_TCB, and the CRL of a product's ARK. Each answer is parsed
// and checked before it is used or cached: a VCEK must carry the chip's HWID and exactly the
// requested TCB (KDS answering for another chip or TCB is an error, never a cached file); the
// chain and the CRL's signature are then checked by the verifier as for any certificate.
//
// With a cache directory, VCEKs are kept for good (a chip's VCEK at one TCB never changes) and
// CRLs until their nextUpdate, so a verifier asks KDS once per chip and TCB, as AMD asks of its
// clients. Layout: <cache>/<Product>/vcek-<hwid hex>-<TCB hex>.der, <cache>/<Product>/crl.der
// (crl-vlek.der for the VLEK chain). Files are written whole (temp file, then rename).
#pragma once

#include <ctime>
#include <string>

#include "cocos/common/result.h"
#include "cocos/verifier/kds/http_get.h"
#include "cocos/verifier/kds/kds_url.h"
#include "cocos/verifier/snp/verify.h"

namespace cocos::verifier::kds {

struct KdsOptions {
  std::string base_url = kDefaultBaseUrl;
  std::string cache_dir;  // empty: no cache
  HttpOptions http;
};

class KdsClient {
 public:
  explicit KdsClient(KdsOptions o) : o_(std::move(o)) {}

  // "kds_masked_chip" when CHIP_ID is all zero (MASK_CHIP_ID: KDS cannot be asked), "usage"
  // for an unknown product, "kds_bad_response" when the answer is not that chip's VCEK at
  // that TCB, and http_get's errors.
  Result<snp::FetchedLeaf> vcek(const snp::SnpReport& r, snp::Product p) const;
  // The ARK's CRL, current at `now` ("kds_bad_response" when what is served is not a CRL or
  // is not current).
  Result<snp::FetchedCrls> crls(snp::Product p, bool vlek, std::time_t now) const;

  // The two as the verifier's hooks (snp/verify.h); the client must outlive them.
  snp::VcekFetcher vcek_fetcher() const;
  snp::CrlFetcher crl_fetcher() const;

 private:
  KdsOptions o_;
};

}  // namespace cocos::verifier::kds
