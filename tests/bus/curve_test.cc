// CURVE on the bus: key files, an allowed agent gets through (DEALER/ROUTER and PUB/SUB), an
// agent with an unlisted key is refused by the ZAP handler, and a plaintext agent fails the
// handshake; neither reaches the manager's handlers.
#include "cocos/bus/curve.h"

#include <gtest/gtest.h>

#include "cocos/bus/pubsub.h"
#include "helpers.h"

namespace cocos::bus {
namespace {

using namespace testing;

TEST(Curve, KeyFilesRoundTrip) {
  TempDir dir;
  auto kp = generate_curve_keypair();
  ASSERT_TRUE(kp.ok());
  ASSERT_TRUE(write_curve_keypair(*kp, dir.path() + "/agent").ok());
  auto back = read_curve_keypair(dir.path() + "/agent");
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->public_z85, kp->public_z85);
  EXPECT_EQ(back->secret_z85, kp->secret_z85);
  auto raw = curve_key_bytes(kp->public_z85);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->size(), 32u);
  EXPECT_EQ(*curve_key_z85(*raw), kp->public_z85);
  EXPECT_FALSE(curve_key_bytes("short").ok());
  EXPECT_FALSE(read_curve_key(dir.path() + "/missing.pub").ok());
}

struct CurveSetup {
  zmq::context_t ctx;
  CurveKeyPair server = *generate_curve_keypair();
  CurveKeyPair client = *generate_curve_keypair();
  std::unique_ptr<ZapAuthenticator> zap;
  std::optional<ManagerEndpoint> mgr;

  CurveSetup() {
    auto z = ZapAuthenticator::start(ctx, {client.public_z85});
    EXPECT_TRUE(z.ok());
    zap = std::move(*z);
    LinkOptions o;
    o.curve_server = server;
    auto m = ManagerEndpoint::bind(ctx, "tcp://127.0.0.1:*", o);
    EXPECT_TRUE(m.ok());
    mgr.emplace(std::move(*m));
  }
  LinkOptions client_opts(const CurveKeyPair& own) {
    LinkOptions o;
    o.curve_client = CurveClientKeys{own, server.public_z85};
    return o;
  }
};

TEST(Curve, ListedAgentIsAccepted) {
  CurveSetup s;
  auto agent = AgentLink::connect(s.ctx, s.mgr->endpoint(), "secure", s.client_opts(s.client));
  ASSERT_TRUE(agent.ok());
  std::optional<Result<Incoming>> rep;
  ASSERT_TRUE(agent
                  ->request(make_header(MessageType::kPing, 0), messages::Ping{}, 20s,
                            [&](Result<Incoming> r) { rep.emplace(std::move(r)); })
                  .ok());
  auto mh = answer_pings(s.mgr->channel());
  ASSERT_TRUE(pump({{&s.mgr->channel(), mh}, {&agent->channel(), nullptr}},
                   [&] { return rep.has_value(); }));
  ASSERT_TRUE(rep->ok()) << rep->error().to_string();
  EXPECT_EQ((*rep)->type(), MessageType::kPong);
  EXPECT_GE(s.zap->accepted(), 1u);
  EXPECT_EQ(s.zap->rejected(), 0u);
}

TEST(Curve, UnlistedKeyIsRejected) {
  CurveSetup s;
  auto stranger = *generate_curve_keypair();
  auto agent = AgentLink::connect(s.ctx, s.mgr->endpoint(), "intruder", s.client_opts(stranger));
  ASSERT_TRUE(agent.ok());
  ASSERT_TRUE(
      agent->send({make_header(MessageType::kLog, 1), messages::Log{"", "agent", "hi", 0}}).ok());
  int delivered = 0;
  MessageHandler mh = [&](Incoming&&) { ++delivered; };
  ASSERT_TRUE(pump({{&s.mgr->channel(), mh}}, [&] { return s.zap->rejected() >= 1; }));
  (void)s.mgr->dispatch(mh);
  EXPECT_EQ(delivered, 0);
  EXPECT_TRUE(s.mgr->agents().empty());
}

TEST(Curve, PlaintextAgentFailsHandshake) {
  CurveSetup s;
  // Watch the manager socket for handshake failures.
  const int events = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                     ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
  ASSERT_EQ(zmq_socket_monitor(s.mgr->channel().socket().handle(), "inproc://mgr-monitor", events),
            0);
  zmq::socket_t mon(s.ctx, zmq::socket_type::pair);
  mon.set(zmq::sockopt::linger, 0);
  mon.connect("inproc://mgr-monitor");

  auto agent = AgentLink::connect(s.ctx, s.mgr->endpoint(), "plain");
  ASSERT_TRUE(agent.ok());
  ASSERT_TRUE(
      agent->send({make_header(MessageType::kLog, 1), messages::Log{"", "agent", "hi", 0}}).ok());
  int delivered = 0;
  bool failed_handshake = false;
  MessageHandler mh = [&](Incoming&&) { ++delivered; };
  ASSERT_TRUE(pump({{&s.mgr->channel(), mh}}, [&] {
    zmq::message_t ev;
    if (mon.recv(ev, zmq::recv_flags::dontwait)) {
      zmq::message_t addr;
      (void)mon.recv(addr, zmq::recv_flags::none);
      failed_handshake = true;
    }
    return failed_handshake;
  }));
  (void)s.mgr->dispatch(mh);
  EXPECT_EQ(delivered, 0);
  EXPECT_TRUE(s.mgr->agents().empty());
  (void)zmq_socket_monitor(s.mgr->channel().socket().handle(), nullptr, 0);
}

TEST(Curve, PubSubWithCurve) {
  CurveSetup s;
  LinkOptions po;
  po.curve_server = s.server;
  auto pub = EventPublisher::bind(s.ctx, "tcp://127.0.0.1:*", "agent-c", po);
  ASSERT_TRUE(pub.ok());
  auto sub = EventSubscriber::connect(s.ctx, pub->endpoint(), s.client_opts(s.client));
  ASSERT_TRUE(sub.ok());
  std::optional<Published> got;
  for (int i = 0; i < 200 && !got; ++i) {
    ASSERT_TRUE(pub->publish({make_header(MessageType::kEvent, 0),
                              messages::Event{1, "idle", "ready", "", 0, {}}})
                    .ok());
    auto r = sub->receive(50ms);
    ASSERT_TRUE(r.ok());
    if (*r) got = std::move(**r);
  }
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->agent_id, "agent-c");
}

}  // namespace
}  // namespace cocos::bus
