// Router over bus::ManagerEndpoint.
#include "cocos/manager/router.h"

#include <deque>
#include <set>
#include <zmq.hpp>

#include "cocos/bus/curve.h"
#include "cocos/bus/io_thread.h"
#include "cocos/bus/manager_endpoint.h"

namespace cocos::manager {

namespace m = cocos::messages;

namespace {

// Requests of the manager are bounded by the session's own deadline; this only keeps the bus
// from expiring them first.
constexpr std::chrono::hours kBusRequestTimeout{24};

Incoming convert(bus::Incoming&& in) {
  Incoming out;
  out.agent_id = std::move(in.peer);
  out.envelope = std::move(in.msg);
  out.raw = in.take_raw();
  return out;
}

}  // namespace

struct Router::Impl {
  zmq::context_t ctx{1};
  std::unique_ptr<bus::ZapAuthenticator> zap;  // before the endpoint: must outlive its binds
  std::optional<bus::ManagerEndpoint> ep;
  std::deque<Incoming> inbox;
  bool curve = false;
};

Router::Router(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;
Router::~Router() {
  if (impl_) {
    impl_->ep.reset();  // close the socket before the context and the ZAP thread go
    impl_->zap.reset();
  }
}

const std::string& Router::endpoint() const {
  return impl_->ep->endpoint();
}
bool Router::curve() const {
  return impl_->curve;
}

Result<Router> Router::bind(const std::string& endpoint, const RouterOptions& options) {
  auto impl = std::make_unique<Impl>();
  // Before any socket (the ZAP handler's included): libzmq starts its I/O thread with the first.
  // Not permitted (no CAP_SYS_NICE) leaves the normal policy.
  if (options.rt_priority != 0) (void)bus::use_realtime_io_threads(impl->ctx, options.rt_priority);
  bus::LinkOptions link;
  if (!options.curve_key.empty()) {
    if (options.curve_agent_keys.empty())
      return make_error("usage", "CURVE needs the public keys of the agents to admit");
    auto own = bus::read_curve_keypair(options.curve_key);
    if (!own) return own.take_error();
    std::set<std::string> allowed;
    for (const auto& f : options.curve_agent_keys) {
      auto k = bus::read_curve_key(f);
      if (!k) return k.take_error();
      allowed.insert(*k);
    }
    auto zap = bus::ZapAuthenticator::start(impl->ctx, std::move(allowed), /*allow_null=*/false);
    if (!zap) return zap.take_error();
    impl->zap = std::move(*zap);
    link.curve_server = *own;
    impl->curve = true;
  }
  auto ep = bus::ManagerEndpoint::bind(impl->ctx, endpoint, link);
  if (!ep) return ep.take_error();
  impl->ep.emplace(std::move(*ep));
  return Router(std::move(impl));
}

Result<std::uint64_t> Router::request(const std::string& agent_id, const m::Body& body,
                                      const std::string& cid) {
  Impl* impl = impl_.get();
  return impl->ep->request(agent_id, m::make_header(m::type_of(body), 0, cid), body,
                           kBusRequestTimeout, [impl](Result<bus::Incoming> r) {
                             // A failed request (closed) leaves nothing to deliver: the session
                             // notices the missing reply at its own deadline.
                             if (r) impl->inbox.push_back(convert(std::move(*r)));
                           });
}

Status Router::send(const std::string& agent_id, const m::Header& header, const m::Body& body,
                    std::span<const std::uint8_t> raw) {
  m::Envelope env{header, body};
  if (raw.empty() && !m::info(header.type).raw_frame) return impl_->ep->send(agent_id, env);
  zmq::message_t frame(raw.data(), raw.size());
  return impl_->ep->send(agent_id, env, &frame);
}

Result<std::size_t> Router::send_filled(const std::string& agent_id, const m::Header& header,
                                        const m::Body& body, std::size_t size,
                                        const FrameFill& fill) {
  zmq::message_t frame(size);
  auto n = fill(std::span<std::uint8_t>(static_cast<std::uint8_t*>(frame.data()), size));
  if (!n) return n.take_error();
  if (*n != size) return make_error("internal", "a frame was filled with fewer bytes than asked");
  m::Envelope env{header, body};
  if (auto st = impl_->ep->send(agent_id, env, &frame); !st) return st.take_error();
  return *n;
}

Result<std::optional<Incoming>> Router::receive(std::chrono::milliseconds timeout) {
  Impl* impl = impl_.get();
  if (impl->inbox.empty()) {
    auto n = impl->ep->poll_once(
        timeout, [impl](bus::Incoming&& in) { impl->inbox.push_back(convert(std::move(in))); });
    if (!n) return n.take_error();
  }
  if (impl->inbox.empty()) return std::optional<Incoming>{};
  Incoming in = std::move(impl->inbox.front());
  impl->inbox.pop_front();
  return std::optional<Incoming>(std::move(in));
}

}  // namespace cocos::manager
