// Bus benchmarks, each against a helper process (roles.cc) over tcp://127.0.0.1:
//  * event latency: helper PUB -> our SUB, paced events stamped with the steady clock;
//  * reliable events: helper DEALER sends `event` requests, our ROUTER answers `event.ack`;
//  * manager capacity: helper holds N agent links with heartbeats, our ROUTER (the manager's
//    bus endpoint) asks every agent state.get at once and counts answers within 1 s.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>

#include "benches.h"
#include "cocos/bus/io_thread.h"
#include "cocos/bus/manager_endpoint.h"
#include "cocos/bus/pubsub.h"
#include "support/process.h"
#include "tcp_floor.h"

namespace cocos::bench {

using test_support::Child;
using test_support::self_exe;

namespace {

namespace msg = messages;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// The machine-wide CPU time counters of /proc/stat ("cpu" line), to tell how much time the
// hypervisor took from this VM (steal) while a latency was measured.
struct CpuTimes {
  std::uint64_t total = 0, steal = 0;
  static CpuTimes read() {
    CpuTimes t;
    std::ifstream f("/proc/stat");
    std::string cpu;
    f >> cpu;
    std::uint64_t v = 0;
    for (int i = 0; i < 10 && (f >> v); ++i) {
      if (i < 8) t.total += v;  // guest times (8, 9) are already counted in user/nice
      if (i == 7) t.steal = v;
    }
    return t;
  }
  double steal_share_since(const CpuTimes& before) const {
    const auto dt = total - before.total;
    return dt == 0 ? 0 : static_cast<double>(steal - before.steal) / static_cast<double>(dt);
  }
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// Answers what agents send a manager: hello, ping, event.
void serve(bus::ManagerEndpoint& ep, bus::Incoming&& in, std::set<std::string>* hellos) {
  switch (in.type()) {
    case msg::MessageType::kHello:
      if (hellos) hellos->insert(in.peer);
      (void)ep.reply(in, msg::HelloOk{});
      break;
    case msg::MessageType::kPing:
      (void)ep.reply(in, msg::Pong{});
      break;
    case msg::MessageType::kEvent:
      if (const auto* e = in.body<msg::Event>()) (void)ep.reply(in, msg::EventAck{e->seq});
      break;
    default:
      break;
  }
}

}  // namespace

std::string realtime_io(zmq::context_t& ctx) {
  const auto st = bus::use_realtime_io_threads(ctx, kBusRtPriority);
  return st ? "I/O threads SCHED_FIFO " + std::to_string(kBusRtPriority)
            : "I/O threads under the normal policy (" + st.error().code + ")";
}

namespace {

// One round of the event benchmark: the helper publishes `count` events; our subscriber
// receives them as `cocos-manager watch` does. Latencies in µs. `realtime`: both sides' I/O
// threads as the programs run them by default (else the normal policy, for comparison).
Result<std::vector<double>> event_latencies(int count, bool realtime, std::string* io) {
  zmq::context_t ctx(1);
  if (realtime) *io = realtime_io(ctx);
  auto sub = bus::EventSubscriber::bind(ctx, "tcp://127.0.0.1:*");
  if (!sub) return sub.take_error();
  // As cocos-manager watch does (its default --spin-us).
  sub->set_spin(std::chrono::microseconds(1000));
  auto child = Child::spawn({self_exe(), "--role", "publisher", sub->endpoint(),
                             std::to_string(count), "100", realtime ? "1" : "0"});
  if (!child) return child.take_error();
  std::vector<double> lat_us;
  lat_us.reserve(static_cast<std::size_t>(count));
  while (static_cast<int>(lat_us.size()) < count) {
    auto m = sub->receive(milliseconds(3000));
    if (!m) return m.take_error();
    if (!*m) break;  // publisher finished and nothing more is coming
    const std::uint64_t t1 = now_ns();
    const auto* ev = std::get_if<msg::Event>(&(*m)->msg.body);
    if (!ev || ev->seq == 0) continue;  // warm-up
    auto it = ev->details.find("t_ns");
    if (it == ev->details.end()) continue;
    const std::uint64_t t0 = std::strtoull(it->second.c_str(), nullptr, 10);
    lat_us.push_back(static_cast<double>(t1 - t0) / 1000.0);
  }
  if (lat_us.empty()) return make_error("io_error", "no event arrived");
  return lat_us;
}

double median(std::vector<double> v) {
  return percentile(std::move(v), 0.5);
}

}  // namespace

void bench_event_latency(const Options& o, Report& r) {
  // Five series measured in alternating rounds, so that each sees the same minutes of this
  // machine; each round has `count` messages; reported: medians of the per-round percentiles.
  //  * events: as the programs run by default (I/O threads under the normal policy);
  //  * realtime: the same with both I/O threads under SCHED_FIFO (--bus-rt-priority);
  //  * busy: both again while a helper keeps every CPU busy, as a CPU-bound algorithm does
  //    beside the agent (the case the real-time I/O thread is for);
  //  * tcp floor: plain TCP, nothing else (tcp_floor.h);
  //  * tcp floor, one wake-up: the same with a receiver that sleeps until data arrives, as
  //    libzmq's I/O threads do: the least any zmq transport can pay here.
  struct Series {
    std::string key, label;
    bool realtime, busy, floor;
    std::vector<double> p50, p99;
    bool blocking = false;
  };
  std::vector<Series> series = {
      {"event", "events", false, false, false, {}, {}},
      {"event_realtime_io", "real-time I/O", true, false, false, {}, {}},
      {"event_busy", "CPUs busy", false, true, false, {}, {}},
      {"event_busy_realtime_io", "CPUs busy, real-time I/O", true, true, false, {}, {}},
      {"tcp_loopback", "tcp floor", false, false, true, {}, {}},
      {"tcp_loopback_wakeup", "tcp floor, one wake-up", false, false, true, {}, {}, true},
  };
  const int count = o.events(), rounds = o.quick ? 1 : 3;
  std::string io, notes;
  for (int round = 0; round < rounds; ++round) {
    notes += "round " + std::to_string(round + 1) + ":";
    for (auto& s : series) {
      std::optional<Child> hog;
      if (s.busy) {
        auto h = Child::spawn({self_exe(), "--role", "cpu-hog"});
        if (!h) return r.skipped("event_latency", h.error().to_string());
        hog.emplace(std::move(*h));
      }
      const CpuTimes cpu0 = CpuTimes::read();
      std::string this_io;
      auto lat = s.floor ? tcp_floor_latencies(count, 100, s.blocking)
                         : event_latencies(count, s.realtime, &this_io);
      const CpuTimes cpu1 = CpuTimes::read();
      if (hog) (void)hog->stop(milliseconds(500));
      if (!lat) return r.skipped("event_latency", s.label + ": " + lat.error().to_string());
      if (s.realtime) io = this_io;
      s.p50.push_back(percentile(*lat, 0.50));
      s.p99.push_back(percentile(*lat, 0.99));
      char buf[200];
      std::snprintf(buf, sizeof buf,
                    " %s p50 %.0f, p90 %.0f, p99 %.0f, max %.0f us (%zu, steal %.1f %%);",
                    s.label.c_str(), s.p50.back(), percentile(*lat, 0.90), s.p99.back(),
                    percentile(*lat, 1.0), lat->size(), 100 * cpu1.steal_share_since(cpu0));
      notes += buf;
    }
    notes += " ";
  }
  for (const auto& s : series) {
    r.set(s.key + "_p50_us", median(s.p50), "us");
    r.set(s.key + "_p99_us", median(s.p99), "us", s.key == "event" ? "<= 200" : "");
  }
  r.note("event_latency",
         std::to_string(count) +
             " events per round, one every 100 us; subscriber spins 1 ms after each event; " + io +
             " on both sides in the real-time I/O series (the others: the normal policy, as the "
             "programs run by default); CPUs busy: a "
             "helper process spins one thread per CPU meanwhile; tcp floor: 160-byte records "
             "over a plain socket, receiver always reading (this machine's own loopback "
             "latency); one wake-up: the receiver sleeps in poll() until data arrives, as "
             "libzmq's I/O threads do in epoll_wait (the floor under any zmq transport). " +
             notes + "Steal: the share of this VM's CPU time the hypervisor took.");
}

void bench_reliable_events(const Options& o, Report& r) {
  zmq::context_t ctx(1);
  auto ep = bus::ManagerEndpoint::bind(ctx, "tcp://127.0.0.1:*");
  if (!ep) return r.skipped("events", ep.error().to_string());
  const int count = o.reliable_events(), window = 1000;
  auto child = Child::spawn({self_exe(), "--role", "agent-events", ep->endpoint(),
                             std::to_string(count), std::to_string(window)});
  if (!child) return r.skipped("events", child.error().to_string());
  const auto deadline = Clock::now() + std::chrono::seconds(300);
  while (Clock::now() < deadline) {
    auto n = ep->poll_once(milliseconds(50),
                           [&](bus::Incoming&& in) { serve(*ep, std::move(in), nullptr); });
    if (!n) return r.skipped("events", n.error().to_string());
    if (*n > 0) continue;  // busy: keep serving before looking at the child
    auto line = child->read_line(milliseconds(0));
    if (line) {
      double rate = 0;
      int acked = 0, errors = 0;
      if (std::sscanf(line->c_str(), "events_per_s %lf acked %d errors %d", &rate, &acked,
                      &errors) != 3 ||
          errors != 0) {
        return r.skipped("events", "helper said: " + *line);
      }
      r.set("events_per_s", rate, "/s", ">= 100000");
      r.note("events", std::to_string(count) + " event requests, " + std::to_string(window) +
                           " in flight, each answered by event.ack (bus only: the real manager "
                           "also fsyncs its event log before acking)");
      return;
    }
    if (line.error().code != "timeout") return r.skipped("events", line.error().to_string());
  }
  r.skipped("events", "helper did not finish in time");
}

namespace {

// One round: state.get to every agent at once; returns how many answered within 1 s and the
// time the last answer took.
std::pair<int, double> state_round(bus::ManagerEndpoint& ep, const std::set<std::string>& agents) {
  int answered = 0, done = 0;
  const auto t0 = Clock::now();
  double last_ms = 0;
  for (const auto& a : agents) {
    auto id = ep.request(
        a, msg::make_header(msg::MessageType::kStateGet, 0), msg::StateGet{}, milliseconds(1000),
        [&](Result<bus::Incoming> rep) {
          ++done;
          if (rep && rep->type() == msg::MessageType::kState) {
            ++answered;
            last_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
          }
        });
    if (!id) ++done;
  }
  while (done < static_cast<int>(agents.size())) {
    auto n = ep.poll_once(milliseconds(20),
                          [&](bus::Incoming&& in) { serve(ep, std::move(in), nullptr); });
    if (!n) break;
  }
  return {answered, last_ms};
}

}  // namespace

void bench_manager_agents(const Options& o, Report& r) {
  std::vector<int> levels = {o.manager_agents()};
  if (!o.quick) levels = {1000, 2000, 4000};
  int best = 0;
  double best_ms = 0;
  std::string notes;
  for (int n : levels) {
    zmq::context_t ctx(1);
    auto ep = bus::ManagerEndpoint::bind(ctx, "tcp://127.0.0.1:*");
    if (!ep) return r.skipped("manager_agents", ep.error().to_string());
    auto child =
        Child::spawn({self_exe(), "--role", "agents", ep->endpoint(), std::to_string(n), "1000"});
    if (!child) return r.skipped("manager_agents", child.error().to_string());
    std::set<std::string> hellos;
    bool ready = false;
    const auto deadline = Clock::now() + std::chrono::seconds(120);
    while (!ready && Clock::now() < deadline) {
      auto k = ep->poll_once(milliseconds(20),
                             [&](bus::Incoming&& in) { serve(*ep, std::move(in), &hellos); });
      if (!k) return r.skipped("manager_agents", k.error().to_string());
      auto line = child->read_line(milliseconds(0));
      if (line && *line == "ready") ready = true;
      if (!line && line.error().code != "timeout") break;
    }
    if (!ready || static_cast<int>(hellos.size()) != n) {
      notes += std::to_string(n) + " agents: not all connected; ";
      break;
    }
    // Three rounds one heartbeat apart; the worst one counts.
    int worst = n;
    double worst_ms = 0;
    for (int round = 0; round < 3; ++round) {
      const auto pause = Clock::now() + milliseconds(1000);
      while (Clock::now() < pause) {
        (void)ep->poll_once(milliseconds(20),
                            [&](bus::Incoming&& in) { serve(*ep, std::move(in), nullptr); });
      }
      auto [answered, ms] = state_round(*ep, hellos);
      worst = std::min(worst, answered);
      worst_ms = std::max(worst_ms, ms);
    }
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "%d agents: worst round %d answered, last answer after %.1f ms; ", n, worst,
                  worst_ms);
    notes += buf;
    if (worst < n) {
      // The first level that fails still says how many agents answered in time.
      if (best == 0) {
        best = worst;
        best_ms = worst_ms;
      }
      break;
    }
    best = n;
    best_ms = worst_ms;
  }
  r.set("manager_agents", best, "agents", ">= 1000");
  r.set("manager_state_get_all_ms", best_ms, "ms");
  r.note("manager_agents", notes +
                               "agents are bus AgentLinks in one helper process (one "
                               "cocos-agent process each would not fit this machine), "
                               "pinging every 1 s with ZMTP heartbeats on");
}

}  // namespace cocos::bench
