// Router: cppzmq ROUTER socket + messages codec.
#include "cocos/manager/router.h"

#include <array>
#include <iostream>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace cocos::manager {

namespace m = cocos::messages;

struct Router::Impl {
  zmq::context_t ctx{1};
  zmq::socket_t sock{ctx, zmq::socket_type::router};
  std::string endpoint;
};

Router::Router(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;
Router::~Router() = default;

const std::string& Router::endpoint() const {
  return impl_->endpoint;
}

Result<Router> Router::bind(const std::string& endpoint) {
  try {
    auto impl = std::make_unique<Impl>();
    // Fail loudly instead of silently dropping a message for an agent that is gone.
    impl->sock.set(zmq::sockopt::router_mandatory, 1);
    // A restarted agent reconnects with the same routing id: let it take over the old one.
    impl->sock.set(zmq::sockopt::router_handover, 1);
    impl->sock.set(zmq::sockopt::linger, 0);
    // Frames bigger than a chunk plus headroom are refused by zmq before reaching us.
    impl->sock.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(m::Limits{}.max_raw + 65536));
    impl->sock.bind(endpoint);
    impl->endpoint = impl->sock.get(zmq::sockopt::last_endpoint);
    return Router(std::move(impl));
  } catch (const zmq::error_t& e) {
    return make_error("io_error", "cannot bind " + endpoint + ": " + e.what());
  }
}

Status Router::send(const std::string& agent_id, const m::Header& header, const m::Body& body,
                    std::span<const std::uint8_t> raw) {
  m::EncodedFrames frames = m::encode_message(header, body);
  try {
    auto more = zmq::send_flags::sndmore;
    if (!impl_->sock.send(zmq::buffer(agent_id), more | zmq::send_flags::dontwait))
      return make_error("io_error", "send to " + agent_id + " would block");
    impl_->sock.send(zmq::buffer(frames.header), more);
    if (raw.empty() && !m::info(header.type).raw_frame) {
      impl_->sock.send(zmq::buffer(frames.body), zmq::send_flags::none);
    } else {
      impl_->sock.send(zmq::buffer(frames.body), more);
      impl_->sock.send(zmq::const_buffer(raw.data(), raw.size()), zmq::send_flags::none);
    }
    return ok_status();
  } catch (const zmq::error_t& e) {
    if (e.num() == EHOSTUNREACH)
      return make_error("unreachable", "agent " + agent_id + " is not connected");
    return make_error("io_error", std::string("send to ") + agent_id + ": " + e.what());
  }
}

Result<std::optional<Incoming>> Router::receive(std::chrono::milliseconds timeout) {
  try {
    std::array<zmq::pollitem_t, 1> items = {{{impl_->sock.handle(), 0, ZMQ_POLLIN, 0}}};
    if (zmq::poll(items.data(), items.size(), timeout) == 0) return std::optional<Incoming>{};
    std::vector<zmq::message_t> parts;
    auto n = zmq::recv_multipart(impl_->sock, std::back_inserter(parts), zmq::recv_flags::dontwait);
    if (!n || parts.empty()) return std::optional<Incoming>{};
    std::string agent = parts[0].to_string();
    std::vector<m::ByteView> frames;
    for (std::size_t i = 1; i < parts.size(); ++i)
      frames.emplace_back(static_cast<const std::uint8_t*>(parts[i].data()), parts[i].size());
    m::Header header;
    bool header_ok = false;
    auto env = m::decode_message(frames, m::Limits{}, &header, &header_ok);
    if (!env) {
      std::cerr << "cocos-manager: malformed message from " << agent << ": "
                << env.error().to_string() << "\n";
      if (m::should_answer_decode_failure(header_ok, header)) {
        m::Envelope reply = m::make_decode_error_reply(header_ok, header, env.error());
        (void)send(agent, reply.header, reply.body);
      }
      return std::optional<Incoming>{};
    }
    Incoming in;
    in.agent_id = std::move(agent);
    in.envelope = std::move(*env);
    if (parts.size() > 2) in.body_frame = parts[2].to_string();
    if (parts.size() > 3) {
      const auto* p = static_cast<const std::uint8_t*>(parts[3].data());
      in.raw.assign(p, p + parts[3].size());
    }
    return std::optional<Incoming>(std::move(in));
  } catch (const zmq::error_t& e) {
    return make_error("io_error", std::string("receive: ") + e.what());
  }
}

}  // namespace cocos::manager
