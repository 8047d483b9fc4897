// cocos-agent's two bus features beyond request/reply: events published on PUB (topic
// cocos.<agent-id>.event), and CURVE (the agent encrypts to the manager, is admitted by its
// public key, and reports that key as hello.bus_key).
#include <gtest/gtest.h>

#include "bus_harness.h"

namespace cocos::agent::testing {
namespace {

TEST(AgentLink, EventsArePublishedOnPub) {
  TempDir dir;
  FakeManager mgr;
  ASSERT_TRUE(mgr.ok());
  AgentProcess agent;
  const std::string pub = "ipc://" + dir.path() + "/pub.sock";
  const std::string log = dir.path() + "/agent.log";
  ASSERT_TRUE(agent.start({"--agent-id", mgr.agent_id, "--manager", mgr.endpoint(), "--work-dir",
                           dir.path() + "/work", "--snp-mode", "off", "--pub-bind", pub},
                          log));
  ASSERT_TRUE(mgr.wait_for([&] { return !mgr.hellos.empty(); })) << read_text(log);
  zmq::context_t ctx(1);
  auto sub = bus::EventSubscriber::connect(ctx, pub, {}, {"cocos." + mgr.agent_id + ".event"});
  ASSERT_TRUE(sub.ok()) << sub.error().to_string();
  // A subscription takes effect asynchronously: keep causing events (each stop is one) until
  // one arrives.
  std::optional<bus::Published> got;
  for (int i = 0; i < 200 && !got; ++i) {
    messages::ComputationStop stop;
    stop.reason = "pub test";
    ASSERT_EQ(FakeManager::error_code(mgr.call(stop)), "");
    auto r = sub->receive(std::chrono::milliseconds(100));
    ASSERT_TRUE(r.ok());
    got = std::move(*r);
  }
  ASSERT_TRUE(got.has_value()) << read_text(log);
  EXPECT_EQ(got->topic, "cocos." + mgr.agent_id + ".event");
  EXPECT_EQ(got->agent_id, mgr.agent_id);
  const auto* ev = std::get_if<messages::Event>(&got->msg.body);
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(ev->status, "stopped");
  EXPECT_GT(ev->seq, 0u);
}

TEST(AgentLink, CurveAdmitsTheListedAgentAndHelloCarriesItsKey) {
  TempDir dir;
  auto agent_kp = bus::generate_curve_keypair();
  auto mgr_kp = bus::generate_curve_keypair();
  ASSERT_TRUE(agent_kp.ok() && mgr_kp.ok());
  ASSERT_TRUE(bus::write_curve_keypair(*agent_kp, dir.path() + "/agent").ok());
  write_text(dir.path() + "/manager.pub", mgr_kp->public_z85 + "\n");
  bus::LinkOptions server;
  server.curve_server = *mgr_kp;
  FakeManager mgr("tcp://127.0.0.1:*", server, agent_kp->public_z85);
  ASSERT_TRUE(mgr.ok());
  AgentProcess agent;
  const std::string log = dir.path() + "/agent.log";
  ASSERT_TRUE(
      agent.start({"--agent-id", mgr.agent_id, "--manager", mgr.endpoint(), "--work-dir",
                   dir.path() + "/work", "--snp-mode", "off", "--curve-key", dir.path() + "/agent",
                   "--curve-manager-key", dir.path() + "/manager.pub"},
                  log));
  ASSERT_TRUE(mgr.wait_for([&] { return !mgr.hellos.empty(); })) << read_text(log);
  auto raw = bus::curve_key_bytes(agent_kp->public_z85);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(mgr.hellos.back().bus_key, *raw);
  EXPECT_EQ(FakeManager::error_code(mgr.call(messages::StateGet{})), "");
}

}  // namespace
}  // namespace cocos::agent::testing
