// CURVE security for the bus: key pairs in Z85 text (as zmq_curve_keypair produces), key files,
// and the ZAP authenticator that makes a CURVE server accept only listed client public keys.
//
// Key files: "<name>.pub" holds the 40-char Z85 public key, "<name>.key" the 40-char Z85 secret
// key (mode 0600); a trailing newline is allowed. The cocos-curve-keygen program writes them.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "cocos/common/encoding.h"
#include "cocos/common/result.h"

namespace cocos::bus {

struct CurveKeyPair {
  std::string public_z85;  // 40 chars
  std::string secret_z85;  // 40 chars
};

struct CurveClientKeys {
  CurveKeyPair own;
  std::string server_public_z85;
};

Result<CurveKeyPair> generate_curve_keypair();
// Writes <prefix>.pub and <prefix>.key (0600). Error "io_error".
Status write_curve_keypair(const CurveKeyPair& kp, const std::string& prefix);
// Reads one Z85 key (40 chars after trimming whitespace). Errors "io_error", "bad_key".
Result<std::string> read_curve_key(const std::string& path);
// Reads <prefix>.pub and <prefix>.key.
Result<CurveKeyPair> read_curve_keypair(const std::string& prefix);
// The 32 raw bytes of a Z85 key (e.g. for the `bus_key` of hello/evidence). Error "bad_key".
Result<Bytes> curve_key_bytes(const std::string& z85);
Result<std::string> curve_key_z85(std::span<const std::uint8_t> raw32);

// Serves ZAP (inproc://zeromq.zap.01) for one zmq context on its own thread: CURVE clients whose
// public key is in the allow list get 200, everyone else 400. Other mechanisms (NULL) are
// answered 200 only when allow_null is set. Create it BEFORE the CURVE server sockets bind, keep
// it alive while they run. The destructor stops and joins the thread (within ~100 ms).
// Only one per context (the inproc endpoint is unique). Thread-safe counters.
class ZapAuthenticator {
 public:
  static Result<std::unique_ptr<ZapAuthenticator>> start(zmq::context_t& ctx,
                                                         std::set<std::string> allowed_z85,
                                                         bool allow_null = true);
  ~ZapAuthenticator();
  ZapAuthenticator(const ZapAuthenticator&) = delete;
  ZapAuthenticator& operator=(const ZapAuthenticator&) = delete;

  std::uint64_t accepted() const { return accepted_.load(); }
  std::uint64_t rejected() const { return rejected_.load(); }

 private:
  ZapAuthenticator() = default;
  void run(zmq::socket_t sock);
  std::set<std::string> allowed_;
  bool allow_null_ = true;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> accepted_{0};
  std::atomic<std::uint64_t> rejected_{0};
  std::thread thread_;
};

}  // namespace cocos::bus
