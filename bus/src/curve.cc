// CURVE key pairs, key files and the ZAP authenticator thread.
#include "cocos/bus/curve.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <array>
#include <fstream>
#include <sstream>
#include <vector>

namespace cocos::bus {

Result<CurveKeyPair> generate_curve_keypair() {
  std::array<char, 41> pub{}, sec{};
  if (zmq_curve_keypair(pub.data(), sec.data()) != 0) {
    return make_error("internal", std::string("zmq_curve_keypair: ") + zmq_strerror(zmq_errno()));
  }
  return CurveKeyPair{std::string(pub.data(), 40), std::string(sec.data(), 40)};
}

static Status write_file(const std::string& path, const std::string& text, mode_t mode) {
  {
    std::ofstream out(path, std::ios::trunc);
    if (!out) return make_error("io_error", "cannot write '" + path + "'");
    out << text << '\n';
    if (!out) return make_error("io_error", "cannot write '" + path + "'");
  }
  if (::chmod(path.c_str(), mode) != 0)
    return make_error("io_error", "cannot chmod '" + path + "'");
  return ok_status();
}

Status write_curve_keypair(const CurveKeyPair& kp, const std::string& prefix) {
  if (auto s = write_file(prefix + ".key", kp.secret_z85, 0600); !s) return s;
  return write_file(prefix + ".pub", kp.public_z85, 0644);
}

Result<Bytes> curve_key_bytes(const std::string& z85) {
  if (z85.size() != 40) return make_error("bad_key", "Z85 CURVE key must be 40 characters");
  Bytes out(32);
  if (!zmq_z85_decode(out.data(), z85.c_str())) {
    return make_error("bad_key", "not a valid Z85 CURVE key");
  }
  return out;
}

Result<std::string> curve_key_z85(std::span<const std::uint8_t> raw32) {
  if (raw32.size() != 32) return make_error("bad_key", "CURVE key must be 32 bytes");
  std::array<char, 41> out{};
  if (!zmq_z85_encode(out.data(), raw32.data(), 32)) return make_error("bad_key", "z85 encode");
  return std::string(out.data(), 40);
}

Result<std::string> read_curve_key(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error("io_error", "cannot read '" + path + "'");
  std::string text(256, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.erase(0, 1);
  auto raw = curve_key_bytes(text);
  if (!raw) return make_error("bad_key", "'" + path + "': " + raw.error().message);
  return text;
}

Result<CurveKeyPair> read_curve_keypair(const std::string& prefix) {
  auto pub = read_curve_key(prefix + ".pub");
  if (!pub) return pub.take_error();
  auto sec = read_curve_key(prefix + ".key");
  if (!sec) return sec.take_error();
  return CurveKeyPair{*pub, *sec};
}

Result<std::unique_ptr<ZapAuthenticator>> ZapAuthenticator::start(zmq::context_t& ctx,
                                                                  std::set<std::string> allowed,
                                                                  bool allow_null) {
  std::unique_ptr<ZapAuthenticator> z(new ZapAuthenticator());
  z->allowed_ = std::move(allowed);
  z->allow_null_ = allow_null;
  try {
    // Bound here, on the caller's thread, so that it is in place before start() returns; the
    // socket is then used only by the handler thread (ownership moves with it).
    zmq::socket_t sock(ctx, zmq::socket_type::rep);
    sock.set(zmq::sockopt::linger, 0);
    sock.bind("inproc://zeromq.zap.01");
    z->thread_ =
        std::thread([zp = z.get(), s = std::move(sock)]() mutable { zp->run(std::move(s)); });
  } catch (const zmq::error_t& e) {
    return make_error("io_error", std::string("ZAP handler: ") + e.what());
  }
  return z;
}

ZapAuthenticator::~ZapAuthenticator() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ZapAuthenticator::run(zmq::socket_t sock) {
  try {
    while (!stop_) {
      zmq::pollitem_t item{sock.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, std::chrono::milliseconds(100)) == 0) continue;
      std::vector<zmq::message_t> req;
      if (!zmq::recv_multipart(sock, std::back_inserter(req), zmq::recv_flags::dontwait)) continue;
      // ZAP request: version, request id, domain, address, identity, mechanism, credentials...
      if (req.size() < 6) continue;
      const std::string mechanism = req[5].to_string();
      bool ok = false;
      std::string user;
      if (mechanism == "CURVE" && req.size() >= 7 && req[6].size() == 32) {
        auto z85 = curve_key_z85(std::span(static_cast<const std::uint8_t*>(req[6].data()), 32));
        ok = z85.ok() && allowed_.count(*z85) > 0;
        if (z85.ok()) user = *z85;
      } else if (mechanism == "NULL") {
        ok = allow_null_;
      }
      (ok ? accepted_ : rejected_)++;
      if (!ok) spdlog::warn("bus: ZAP rejected a {} client {}", mechanism, user);
      std::array<zmq::const_buffer, 6> rep = {
          zmq::buffer(std::string_view("1.0")),
          zmq::buffer(req[1].data(), req[1].size()),
          zmq::buffer(std::string_view(ok ? "200" : "400")),
          zmq::buffer(std::string_view(ok ? "OK" : "key not allowed")),
          zmq::buffer(user),
          zmq::buffer(std::string_view(""))};
      (void)zmq::send_multipart(sock, rep);
    }
  } catch (const zmq::error_t& e) {
    spdlog::error("bus: ZAP handler stopped: {}", e.what());
  }
}

}  // namespace cocos::bus
