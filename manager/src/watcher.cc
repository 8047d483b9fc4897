// watch_events: SUB socket + messages codec + text/JSON printing.
#include "cocos/manager/watcher.h"

#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "cocos/bus/curve.h"
#include "cocos/manager/format.h"
#include "cocos/messages/codec.h"

namespace cocos::manager {

namespace m = cocos::messages;

bool parse_topic(const std::string& topic, std::string& agent, std::string& type) {
  const std::string prefix = "cocos.";
  if (topic.rfind(prefix, 0) != 0) return false;
  auto dot = topic.rfind('.');
  if (dot == std::string::npos || dot <= prefix.size() || dot + 1 == topic.size()) return false;
  agent = topic.substr(prefix.size(), dot - prefix.size());
  type = topic.substr(dot + 1);
  return true;
}

namespace {

void print(const std::string& agent, const m::Envelope& env, bool as_json, std::ostream& out) {
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
    return;
  }
  out << std::flush;
}

}  // namespace

Status watch_events(const WatchConfig& c, std::ostream& out) {
  try {
    zmq::context_t ctx(1);
    zmq::socket_t sub(ctx, zmq::socket_type::sub);
    sub.set(zmq::sockopt::linger, 0);
    sub.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(m::Limits{}.max_body + 65536));
    sub.set(zmq::sockopt::subscribe, c.agent.empty() ? "cocos." : "cocos." + c.agent + ".");
    if (!c.curve_server_key.empty()) {
      auto server = bus::read_curve_key(c.curve_server_key);
      if (!server) return make_error("bad_key", "curve-server-key: " + server.error().message);
      auto own = c.curve_key.empty() ? bus::generate_curve_keypair()
                                     : bus::read_curve_keypair(c.curve_key);
      if (!own) return make_error("bad_key", "curve-key: " + own.error().message);
      sub.set(zmq::sockopt::curve_serverkey, *server);
      sub.set(zmq::sockopt::curve_publickey, own->public_z85);
      sub.set(zmq::sockopt::curve_secretkey, own->secret_z85);
    }
    sub.connect(c.connect);
    std::uint64_t printed = 0;
    while (c.count == 0 || printed < c.count) {
      std::vector<zmq::message_t> parts;
      auto n = zmq::recv_multipart(sub, std::back_inserter(parts));
      if (!n || parts.size() < 3) continue;
      std::string agent, type;
      if (!parse_topic(parts[0].to_string(), agent, type)) continue;
      // The subscription is a prefix match: "cocos.a" would also match agent "a.b".
      if (!c.agent.empty() && agent != c.agent) continue;
      std::vector<m::ByteView> frames;
      for (std::size_t i = 1; i < parts.size(); ++i)
        frames.emplace_back(static_cast<const std::uint8_t*>(parts[i].data()), parts[i].size());
      auto env = m::decode_message(frames);
      if (!env) {
        std::cerr << "cocos-manager watch: malformed publication from " << agent << ": "
                  << env.error().to_string() << "\n";
        continue;
      }
      print(agent, *env, c.json, out);
      ++printed;
    }
    return ok_status();
  } catch (const zmq::error_t& e) {
    return make_error("io_error", "watch " + c.connect + ": " + e.what());
  }
}

}  // namespace cocos::manager
