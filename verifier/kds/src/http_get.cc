// Bounded GET with retries over cpp-httplib (http_get.h).
#include "cocos/verifier/kds/http_get.h"

#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <thread>

#include "cocos/verifier/kds/kds_url.h"

namespace cocos::verifier::kds {

namespace {

using std::chrono::milliseconds;

bool retryable_status(int status) {
  return status == 429 || (status >= 500 && status <= 599);
}

// Retry-After as seconds (the HTTP-date form is not used by KDS; it falls back to backoff).
std::optional<milliseconds> retry_after(const std::string& v) {
  long s = 0;
  const auto* end = v.data() + v.size();
  const auto r = std::from_chars(v.data(), end, s);
  if (r.ec != std::errc() || r.ptr != end || s < 0) return std::nullopt;
  return milliseconds(std::min<long>(s, 24 * 3600) * 1000);
}

struct Attempt {
  int status = 0;  // 0: no response
  httplib::Error error = httplib::Error::Success;
  bool too_large = false;
  Bytes body;
  std::optional<milliseconds> retry_after;
};

Attempt get_once(httplib::Client& cli, const std::string& path, std::size_t max_bytes) {
  Attempt a;
  const httplib::Headers headers = {{"User-Agent", "cocos-verifier"}, {"Accept", "*/*"}};
  auto res = cli.Get(
      path, headers,
      [&](const httplib::Response& r) {
        a.status = r.status;
        if (r.has_header("Retry-After"))
          a.retry_after = retry_after(r.get_header_value("Retry-After"));
        if (r.has_header("Content-Length")) {
          const auto n = r.get_header_value<std::uint64_t>("Content-Length");
          if (n > max_bytes) {
            a.too_large = true;
            return false;
          }
        }
        return true;
      },
      [&](const char* data, std::size_t n) {
        if (a.status != 200) return true;  // an error page: not kept
        if (a.body.size() + n > max_bytes) {
          a.too_large = true;
          return false;
        }
        a.body.insert(a.body.end(), data, data + n);
        return true;
      });
  a.error = res.error();
  if (res) a.status = res->status;
  return a;
}

}  // namespace

Status check_base_url(const std::string& base_url) {
  const bool scheme = base_url.starts_with("https://") || base_url.starts_with("http://");
  if (!scheme || base_url.find('/', base_url.find("//") + 2) != std::string::npos ||
      base_url.size() == base_url.find("//") + 2) {
    return make_error("usage", "KDS URL must be http(s)://host[:port] without a path: " + base_url);
  }
  return ok_status();
}

Result<std::string> base_url_option(std::string url) {
  while (url.ends_with('/')) url.pop_back();
  if (url.empty()) url = kDefaultBaseUrl;
  if (auto st = check_base_url(url); !st) return st.take_error();
  return url;
}

Result<Bytes> http_get(const std::string& base_url, const std::string& path, const HttpOptions& o) {
  const std::string url = base_url + path;
  if (auto st = check_base_url(base_url); !st) return st.take_error();
  try {
    httplib::Client cli(base_url);
    if (!cli.is_valid()) return make_error("usage", "unusable KDS URL: " + base_url);
    const auto secs = std::chrono::duration_cast<std::chrono::microseconds>(o.timeout).count();
    cli.set_connection_timeout(secs / 1000000, secs % 1000000);
    cli.set_read_timeout(secs / 1000000, secs % 1000000);
    cli.set_write_timeout(secs / 1000000, secs % 1000000);
    cli.set_follow_location(true);
    cli.set_decompress(false);
    cli.set_keep_alive(false);
    if (!o.ca_file.empty()) cli.set_ca_cert_path(o.ca_file);
    cli.enable_server_certificate_verification(true);

    std::string last;
    milliseconds wait = o.backoff;
    const int attempts = std::max(1, o.attempts);
    for (int i = 1; i <= attempts; ++i) {
      Attempt a = get_once(cli, path, o.max_bytes);
      if (a.too_large) {
        return make_error("too_large",
                          url + " sent more than " + std::to_string(o.max_bytes) + " bytes");
      }
      if (a.error == httplib::Error::Success) {
        if (a.status == 200) return std::move(a.body);
        if (a.status == 404) return make_error("kds_not_found", url + ": HTTP 404");
        if (!retryable_status(a.status)) {
          return make_error("kds_http", url + ": HTTP " + std::to_string(a.status));
        }
        last = "HTTP " + std::to_string(a.status);
      } else {
        // No answer, or one cut short (even after a 200 status line): a transport failure.
        last = httplib::to_string(a.error);
        // A peer that fails TLS verification will fail it again.
        if (a.error == httplib::Error::SSLServerVerification ||
            a.error == httplib::Error::SSLLoadingCerts) {
          return make_error("kds_unreachable", url + ": " + last);
        }
      }
      if (i == attempts) break;
      const milliseconds pause = std::min(a.retry_after.value_or(wait), o.max_wait);
      std::this_thread::sleep_for(pause);
      wait *= 2;
    }
    return make_error("kds_unreachable",
                      url + ": " + last + " (after " + std::to_string(attempts) + " attempts)");
  } catch (const std::exception& e) {
    return make_error("kds_unreachable", url + ": " + e.what());
  }
}

}  // namespace cocos::verifier::kds
