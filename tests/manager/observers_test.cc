// Observer building blocks: the printed hello/event/log lines (a simulated SEV-SNP labelled),
// and chaining, which calls both observers' hooks in order and keeps a hook only one side set.
#include "cocos/manager/observers.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace cocos::manager {
namespace {

TEST(Observers, PrintingObserverWritesOneLinePerCall) {
  std::ostringstream out;
  const SessionObserver p = printing_observer(out);
  messages::Hello h;
  h.agent_id = "a1";
  h.version = "0.1.0";
  h.state = "receivingManifest";
  h.simulated_snp = true;
  p.on_hello(h, 7);
  p.on_event(StoredEvent{"a1", 8, "running", "inProgress", "c1", 1, {}});
  messages::Log l;
  l.computation_id = "c1";
  l.stream = "stdout";
  l.line = "hi";
  p.on_log("a1", l);
  EXPECT_EQ(out.str(),
            "hello  a1 version 0.1.0 state receivingManifest  [SIMULATED SEV-SNP: software PSP, "
            "not a real CVM]  (event log has seq <= 7)\n"
            "event #8 a1 c1 running/inProgress\n"
            "log    a1 c1 [stdout] hi\n");
  EXPECT_FALSE(p.on_seen);  // nothing printed per message
}

TEST(Observers, ChainCallsFirstThenSecondAndKeepsOneSidedHooks) {
  std::vector<std::string> calls;
  SessionObserver a, b;
  a.on_seen = [&](const std::string& id) { calls.push_back("a:" + id); };
  b.on_seen = [&](const std::string& id) { calls.push_back("b:" + id); };
  b.on_event_ack = [&](const std::string& id, std::uint64_t seq, std::uint64_t acked) {
    calls.push_back("ack:" + id + ":" + std::to_string(seq) + ":" + std::to_string(acked));
  };
  const SessionObserver c = chain_observers(a, b);
  c.on_seen("x");
  c.on_event_ack("x", 3, 2);
  EXPECT_EQ(calls, (std::vector<std::string>{"a:x", "b:x", "ack:x:3:2"}));
  EXPECT_FALSE(c.on_hello);
  EXPECT_FALSE(c.on_transfer);
}

}  // namespace
}  // namespace cocos::manager
