// One bounded HTTP(S) GET with retries, for fetching from AMD's KDS or a mirror of it (cpp-httplib,
// OpenSSL). TLS peers are verified against the system's CA store, or `ca_file`. What is fetched
// is verified by the caller anyway (certificates chain to the embedded ARK, CRLs are signed by
// it), so plain http:// is accepted for a local mirror.
//
// Retried (up to `attempts` in all): connection and read failures, 429 and 5xx, waiting
// Retry-After seconds when the server sends it (at most `max_wait`), otherwise `backoff`
// doubled per attempt: KDS rate-limits its clients. Not retried: 404 and other 4xx, TLS
// verification failures, a body beyond `max_bytes`.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "cocos/common/encoding.h"
#include "cocos/common/result.h"

namespace cocos::verifier::kds {

struct HttpOptions {
  std::chrono::milliseconds timeout{20000};  // connect, and each read or write
  int attempts = 3;
  std::chrono::milliseconds backoff{1000};
  std::chrono::milliseconds max_wait{10000};
  std::size_t max_bytes = 1u << 20;
  std::string ca_file;  // PEM bundle for https; empty: the system's store
};

// "usage" unless `base_url` is "https://host[:port]" or "http://host[:port]" (no path).
Status check_base_url(const std::string& base_url);
// A base URL as an operator writes it (--kds-url): trailing '/' dropped, empty = the default
// (kDefaultBaseUrl in kds_url.h), then checked as above.
Result<std::string> base_url_option(std::string url);

// base_url as above; path starts with '/'.
// Errors: "usage" (bad base URL), "kds_unreachable" (transport, TLS, or retries exhausted),
// "kds_not_found" (404), "kds_http" (another status), "too_large".
Result<Bytes> http_get(const std::string& base_url, const std::string& path, const HttpOptions& o);

}  // namespace cocos::verifier::kds
