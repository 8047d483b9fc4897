// KdsClient (kds_client.h): fetch, check, cache.
#include "cocos/verifier/kds/kds_client.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "cocos/common/encoding.h"
#include "cocos/igvm/measure.h"

namespace cocos::verifier::kds {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxCertBytes = 64u << 10;  // a VCEK is ~1.4 KiB

// "" when `c` is the VCEK of the report's chip at its REPORTED_TCB, else what differs (the
// same HWID and TCB rules as snp.hwid and snp.tcb.certificate).
std::string vcek_mismatch(const snp::Cert& c, const snp::SnpReport& r, bool turin) {
  const auto& e = c.amd_extensions();
  const auto issued = snp::certificate_tcb(e, turin);
  if (!e.hwid || !issued) return "it lacks the VCEK's HWID or TCB extensions";
  if (!snp::hwid_matches(e, r, turin)) return "its HWID " + to_hex(*e.hwid) + " is not CHIP_ID";
  if (!snp::tcb_eq(*issued, snp::decompose_tcb(r.reported_tcb, turin))) {
    return "its TCB " + snp::tcb_string(snp::compose_tcb(*issued), turin) +
           " is not REPORTED_TCB " + snp::tcb_string(r.reported_tcb, turin);
  }
  return "";
}

// Writes `data` to `path` whole: a temp file beside it, then rename. Best effort: a cache that
// cannot be written costs a fetch next time, not this verification.
void cache_write(const fs::path& path, const Bytes& data) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return;
  // Unique per process and thread: two verifications may store the same file at once.
  const fs::path tmp = path.string() + ".tmp." + std::to_string(::getpid()) + "." +
                       std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()));
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    f.flush();
    if (!f) {
      fs::remove(tmp, ec);
      return;
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) fs::remove(tmp, ec);
}

std::optional<Bytes> cache_read(const fs::path& path, std::size_t max) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  auto b = igvm::read_file_bounded(path.string(), max);
  if (!b) return std::nullopt;
  return std::move(*b);
}

}  // namespace

Result<snp::FetchedLeaf> KdsClient::vcek(const snp::SnpReport& r, snp::Product p) const {
  if (p == snp::Product::kUnknown) return make_error("usage", "the product is unknown");
  if (r.chip_id_masked()) {
    return make_error("kds_masked_chip",
                      "CHIP_ID is all zero (MASK_CHIP_ID): KDS cannot be asked for this VCEK");
  }
  const bool turin = p == snp::Product::kTurin;
  const std::string path = vcek_path(p, r.chip_id, r.reported_tcb);
  fs::path cached;
  if (!o_.cache_dir.empty()) {
    const std::span<const std::uint8_t> hwid(r.chip_id.data(), turin ? 8 : 64);
    char tcb[17];
    std::snprintf(tcb, sizeof tcb, "%016llx", static_cast<unsigned long long>(r.reported_tcb));
    cached = fs::path(o_.cache_dir) / snp::product_name(p) /
             ("vcek-" + to_hex(hwid) + "-" + tcb + ".der");
    if (auto der = cache_read(cached, kMaxCertBytes)) {
      auto c = snp::Cert::from_der(*der);
      // A damaged or foreign file is ignored and replaced by a fresh fetch.
      if (c && vcek_mismatch(*c, r, turin).empty()) {
        return snp::FetchedLeaf{std::move(*c), "cache " + cached.string()};
      }
    }
  }
  HttpOptions http = o_.http;
  http.max_bytes = std::min(http.max_bytes, kMaxCertBytes);
  auto body = http_get(o_.base_url, path, http);
  if (!body) return body.take_error();
  auto c = snp::Cert::from_der(*body);
  if (!c) {
    return make_error("kds_bad_response",
                      o_.base_url + path + " did not send a DER certificate: " + c.error().message);
  }
  if (const auto why = vcek_mismatch(*c, r, turin); !why.empty()) {
    return make_error("kds_bad_response", o_.base_url + path +
                                              " sent a certificate that is not this chip's VCEK "
                                              "at this TCB: " +
                                              why);
  }
  if (!cached.empty()) cache_write(cached, *body);
  return snp::FetchedLeaf{std::move(*c), o_.base_url + path};
}

Result<snp::FetchedCrls> KdsClient::crls(snp::Product p, bool vlek, std::time_t now) const {
  if (p == snp::Product::kUnknown) return make_error("usage", "the product is unknown");
  const std::string path = crl_path(p, vlek);
  fs::path cached;
  if (!o_.cache_dir.empty()) {
    cached = fs::path(o_.cache_dir) / snp::product_name(p) / (vlek ? "crl-vlek.der" : "crl.der");
    if (auto der = cache_read(cached, snp::kMaxCrlBytes)) {
      auto crls = snp::parse_crls(*der);
      if (crls && crls->size() == 1 && crls->front().current_at(now)) {
        return snp::FetchedCrls{std::move(*crls), "cache " + cached.string()};
      }
    }
  }
  HttpOptions http = o_.http;
  http.max_bytes = std::min(http.max_bytes, snp::kMaxCrlBytes);
  auto body = http_get(o_.base_url, path, http);
  if (!body) return body.take_error();
  auto crls = snp::parse_crls(*body);
  if (!crls || crls->empty()) {
    return make_error("kds_bad_response", o_.base_url + path + " did not send a CRL" +
                                              (crls ? std::string() : ": " + crls.error().message));
  }
  // Only a current CRL is kept; a stale one is still handed over, and the verdict says so.
  if (!cached.empty() && crls->size() == 1 && crls->front().current_at(now)) {
    cache_write(cached, *body);
  }
  return snp::FetchedCrls{std::move(*crls), o_.base_url + path};
}

snp::VcekFetcher KdsClient::vcek_fetcher() const {
  return [this](const snp::SnpReport& r, snp::Product p) { return vcek(r, p); };
}

snp::CrlFetcher KdsClient::crl_fetcher() const {
  return [this](snp::Product p, bool vlek, std::time_t now) { return crls(p, vlek, now); };
}

}  // namespace cocos::verifier::kds
