// printing_observer and chain_observers (see observers.h).
#include "cocos/manager/observers.h"

#include <utility>

namespace cocos::manager {

namespace m = cocos::messages;

SessionObserver printing_observer(std::ostream& out) {
  SessionObserver obs;
  obs.on_hello = [&out](const m::Hello& h, std::uint64_t acked) {
    out << "hello  " << h.agent_id << " version " << h.version << " state " << h.state
        << (h.simulated_snp ? "  [SIMULATED SEV-SNP: software PSP, not a real CVM]" : "")
        << "  (event log has seq <= " << acked << ")\n"
        << std::flush;
  };
  obs.on_event = [&out](const StoredEvent& e) {
    out << format_event_line(e) << "\n" << std::flush;
  };
  obs.on_log = [&out](const std::string& agent, const m::Log& l) {
    out << format_log_line(agent, l.computation_id, l.stream, l.line, l.dropped) << "\n"
        << std::flush;
  };
  return obs;
}

namespace {

// f then g, whichever of them is set.
template <class F>
F both(F f, F g) {
  if (!f) return g;
  if (!g) return f;
  return [f = std::move(f), g = std::move(g)](const auto&... args) {
    f(args...);
    g(args...);
  };
}

}  // namespace

SessionObserver chain_observers(SessionObserver first, SessionObserver then) {
  SessionObserver o;
  o.on_hello = both(std::move(first.on_hello), std::move(then.on_hello));
  o.on_event = both(std::move(first.on_event), std::move(then.on_event));
  o.on_log = both(std::move(first.on_log), std::move(then.on_log));
  o.on_seen = both(std::move(first.on_seen), std::move(then.on_seen));
  o.on_event_ack = both(std::move(first.on_event_ack), std::move(then.on_event_ack));
  o.on_transfer = both(std::move(first.on_transfer), std::move(then.on_transfer));
  return o;
}

}  // namespace cocos::manager
