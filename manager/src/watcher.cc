// watch_events: the bus EventSubscriber (bounded frames, CURVE client) + text/JSON printing.
#include "cocos/manager/watcher.h"

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cocos/bus/curve.h"
#include "cocos/bus/io_thread.h"
#include "cocos/bus/pubsub.h"
#include "cocos/manager/format.h"
#include "cocos/messages/codec.h"

namespace cocos::manager {

namespace m = cocos::messages;

namespace {

// Prints one event or log line; false for any other publication (nothing printed).
bool print(const std::string& agent, const m::Envelope& env, bool as_json, std::ostream& out) {
  using nlohmann::json;
  if (const auto* e = std::get_if<m::Event>(&env.body)) {
    StoredEvent s{agent,           e->seq,    e->state, e->status, e->computation_id,
                  e->timestamp_ms, e->details};
    if (as_json) {
      auto j = json::parse(event_to_json(s));
      j["type"] = "event";
      out << j.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    } else {
      out << format_event_line(s) << "\n";
    }
  } else if (const auto* l = std::get_if<m::Log>(&env.body)) {
    if (as_json) {
      json j = {{"type", "log"},       {"agent_id", agent}, {"computation_id", l->computation_id},
                {"stream", l->stream}, {"line", l->line},   {"dropped", l->dropped}};
      out << j.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    } else {
      out << format_log_line(agent, l->computation_id, l->stream, l->line, l->dropped) << "\n";
    }
  } else {
    return false;
  }
  out << std::flush;
  return true;
}

}  // namespace

Status watch_events(const WatchConfig& c, std::ostream& out) {
  bus::LinkOptions o;
  o.linger_ms = 0;
  // PUB/SUB delivers only what is published while connected: a monitor started before its agent
  // (compose starts them together) must not back off to seconds between attempts and miss a
  // short computation. A reconnect every 100 ms to one endpoint costs nothing.
  o.reconnect_ivl_max_ms = 0;  // ZMQ: no backoff, every reconnect_ivl_ms (100 ms)
  if (!c.curve_server_key.empty()) {
    auto server = bus::read_curve_key(c.curve_server_key);
    if (!server) return make_error("bad_key", "curve-server-key: " + server.error().message);
    auto own =
        c.curve_key.empty() ? bus::generate_curve_keypair() : bus::read_curve_keypair(c.curve_key);
    if (!own) return make_error("bad_key", "curve-key: " + own.error().message);
    o.curve_client = bus::CurveClientKeys{*own, *server};
  }
  zmq::context_t ctx(1);
  if (c.rt_priority != 0) (void)bus::use_realtime_io_threads(ctx, c.rt_priority);
  auto sub = bus::EventSubscriber::connect(ctx, c.connect, o,
                                           {c.agent.empty() ? "cocos." : "cocos." + c.agent + "."});
  if (!sub) return make_error("io_error", "watch " + c.connect + ": " + sub.error().message);
  sub->set_spin(c.spin);
  std::uint64_t printed = 0, malformed = 0;
  while (c.count == 0 || printed < c.count) {
    auto p = sub->receive(std::chrono::milliseconds(1000));
    if (!p) return make_error("io_error", "watch " + c.connect + ": " + p.error().message);
    if (sub->malformed() != malformed) {
      std::cerr << "cocos-manager watch: skipped " << sub->malformed() - malformed
                << " malformed publication(s)\n";
      malformed = sub->malformed();
    }
    if (!*p) continue;
    // The subscription is a prefix match: "cocos.a." would also match agent "a.b".
    if (!c.agent.empty() && (*p)->agent_id != c.agent) continue;
    if (print((*p)->agent_id, (*p)->msg, c.json, out)) ++printed;
  }
  return ok_status();
}

}  // namespace cocos::manager
