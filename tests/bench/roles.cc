// Helper roles: cocos-bench re-executed as the other side of a bus measurement, so that both
// ends are separate processes talking over tcp://127.0.0.1 (as agent and manager do).
//   publisher ENDPOINT COUNT INTERVAL_US RT  PUB connected to the parent's SUB; each event
//                                          carries its send time (steady clock, shared by
//                                          processes); RT 1: I/O thread under SCHED_FIFO
//   agent-events ENDPOINT COUNT WINDOW     DEALER sending `event` requests, WINDOW unacknowledged
//                                          at most; prints "events_per_s <rate>"
//   cpu-hog                                one spinning thread per CPU until killed
//   tcp-sender PORT COUNT INTERVAL_US      plain TCP records for the latency floor (tcp_floor.h)
//   agents ENDPOINT N HEARTBEAT_MS         N DEALER agent links: hello, ping every HEARTBEAT_MS,
//                                          answer state.get; prints "ready" when all are welcomed
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "benches.h"
#include "cocos/bus/agent_link.h"
#include "cocos/bus/pubsub.h"
#include "tcp_floor.h"

namespace cocos::bench {
namespace {

namespace msg = messages;
using std::chrono::milliseconds;

int fail(const Error& e) {
  std::fprintf(stderr, "cocos-bench role: %s\n", e.to_string().c_str());
  return 1;
}

msg::Event make_event(std::uint64_t seq) {
  msg::Event ev;
  ev.seq = seq;
  ev.state = "receivingData";
  ev.status = "inProgress";
  ev.computation_id = "bench-computation";
  ev.timestamp_ms = now_ns() / 1000000;
  return ev;
}

int publisher(const std::string& endpoint, int count, int interval_us, bool realtime) {
  zmq::context_t ctx(1);
  if (realtime) (void)realtime_io(ctx);
  auto pub = bus::EventPublisher::connect(ctx, endpoint, "bench-agent");
  if (!pub) return fail(pub.error());
  // Subscriptions travel to the PUB after the connection is up; until then PUB drops.
  std::this_thread::sleep_for(milliseconds(500));
  auto next = std::chrono::steady_clock::now();
  for (int i = -200; i < count; ++i) {  // 200 warm-up events (negative seq marks them)
    next += std::chrono::microseconds(interval_us);
    std::this_thread::sleep_until(next);
    msg::Event ev = make_event(i < 0 ? 0 : static_cast<std::uint64_t>(i) + 1);
    ev.details["t_ns"] = std::to_string(now_ns());
    if (auto s = pub->publish(
            msg::Envelope{msg::make_header(msg::MessageType::kEvent, 0, ev.computation_id), ev});
        !s) {
      return fail(s.error());
    }
  }
  std::printf("done\n");
  std::fflush(stdout);
  std::this_thread::sleep_for(milliseconds(500));  // let the last messages leave (linger)
  return 0;
}

int agent_events(const std::string& endpoint, int count, int window) {
  zmq::context_t ctx(1);
  auto link = bus::AgentLink::connect(ctx, endpoint, "bench-agent");
  if (!link) return fail(link.error());
  int sent = 0, acked = 0, errors = 0;
  std::chrono::steady_clock::time_point start;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
  while (acked + errors < count && std::chrono::steady_clock::now() < deadline) {
    while (sent < count && sent - acked - errors < window) {
      if (sent == 0) start = std::chrono::steady_clock::now();
      const msg::Event ev = make_event(static_cast<std::uint64_t>(sent) + 1);
      auto id = link->request(msg::make_header(msg::MessageType::kEvent, 0, ev.computation_id), ev,
                              std::chrono::seconds(30), [&](Result<bus::Incoming> r) {
                                if (r && r->type() == msg::MessageType::kEventAck) {
                                  ++acked;
                                } else {
                                  ++errors;
                                }
                              });
      if (!id) return fail(id.error());
      ++sent;
    }
    if (auto n = link->poll_once(milliseconds(100), [](bus::Incoming&&) {}); !n) {
      return fail(n.error());
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("events_per_s %.1f acked %d errors %d\n", acked / secs, acked, errors);
  std::fflush(stdout);
  return errors == 0 && acked == count ? 0 : 1;
}

int agents(const std::string& endpoint, int n, int heartbeat_ms) {
  zmq::context_t ctx(1);
  ctx.set(zmq::ctxopt::max_sockets, n + 64);
  std::vector<bus::AgentLink> links;
  links.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto l = bus::AgentLink::connect(ctx, endpoint, "bench-agent-" + std::to_string(i));
    if (!l) return fail(l.error());
    links.push_back(std::move(*l));
  }
  int welcomed = 0;
  for (auto& l : links) {
    msg::Hello h;
    h.agent_id = l.agent_id();
    h.version = "bench";
    h.state = "receivingManifest";
    auto id = l.request(msg::make_header(msg::MessageType::kHello, 0), h, std::chrono::seconds(60),
                        [&](Result<bus::Incoming> r) {
                          if (r && r->type() == msg::MessageType::kHelloOk) ++welcomed;
                        });
    if (!id) return fail(id.error());
  }
  std::vector<zmq::pollitem_t> items;
  for (auto& l : links) items.push_back({l.channel().socket().handle(), 0, ZMQ_POLLIN, 0});
  bool announced = false;
  auto next_beat = std::chrono::steady_clock::now() + milliseconds(heartbeat_ms);
  while (true) {
    try {
      zmq::poll(items.data(), items.size(), milliseconds(20));
    } catch (const zmq::error_t& e) {
      return fail(make_error("io_error", e.what()));
    }
    for (std::size_t i = 0; i < links.size(); ++i) {
      if (!(items[i].revents & ZMQ_POLLIN)) continue;
      auto& l = links[i];
      auto d = l.dispatch([&](bus::Incoming&& in) {
        if (in.type() == msg::MessageType::kStateGet) {
          msg::State s;
          s.state = "receivingManifest";
          s.status = "ready";
          (void)l.reply(in, s);
        } else if (in.type() == msg::MessageType::kPing) {
          (void)l.reply(in, msg::Pong{});
        }
      });
      if (!d) return fail(d.error());
    }
    const auto now = std::chrono::steady_clock::now();
    for (auto& l : links) l.channel().expire(now);
    if (now >= next_beat) {  // application heartbeat, as the agent's --heartbeat does
      next_beat = now + milliseconds(heartbeat_ms);
      for (auto& l : links) {
        (void)l.request(msg::make_header(msg::MessageType::kPing, 0), msg::Ping{},
                        std::chrono::seconds(5), [](Result<bus::Incoming>) {});
      }
    }
    if (!announced && welcomed == n) {
      announced = true;
      std::printf("ready\n");
      std::fflush(stdout);
    }
  }
}

// Keeps every CPU busy until killed (the parent stops it with SIGTERM).
int cpu_hog() {
  const unsigned n = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> spinners;
  for (unsigned i = 0; i < n; ++i) {
    spinners.emplace_back([] {
      volatile std::uint64_t x = 0;
      for (;;) x = x + 1;
    });
  }
  for (auto& t : spinners) t.join();
  return 0;
}

int to_int(const std::string& s) {
  return static_cast<int>(std::strtol(s.c_str(), nullptr, 10));
}

}  // namespace

int run_role(const std::string& role, const std::vector<std::string>& a) {
  if (role == "publisher" && a.size() == 4)
    return publisher(a[0], to_int(a[1]), to_int(a[2]), a[3] == "1");
  if (role == "agent-events" && a.size() == 3)
    return agent_events(a[0], to_int(a[1]), to_int(a[2]));
  if (role == "cpu-hog" && a.empty()) return cpu_hog();
  if (role == "tcp-sender" && a.size() == 3)
    return tcp_sender(to_int(a[0]), to_int(a[1]), to_int(a[2]));
  if (role == "agents" && a.size() == 3) return agents(a[0], to_int(a[1]), to_int(a[2]));
  std::fprintf(stderr, "cocos-bench: unknown role or arguments: %s\n", role.c_str());
  return 2;
}

}  // namespace cocos::bench
