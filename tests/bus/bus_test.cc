// Integration tests of the bus over real sockets: request/reply on tcp and ipc, many agents,
// reconnection, timeouts and late replies, unreachable peers, malformed and oversize input, and
// PUB/SUB events.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <zmq_addon.hpp>

#include "cocos/bus/pubsub.h"
#include "helpers.h"

namespace cocos::bus {
namespace {

using namespace testing;
using messages::Envelope;

class RequestReply : public ::testing::TestWithParam<std::string> {};

std::string endpoint_for(const std::string& kind, const TempDir& dir) {
  return kind == "tcp" ? "tcp://127.0.0.1:*" : "ipc://" + dir.path() + "/manager.sock";
}

TEST_P(RequestReply, BothDirections) {
  TempDir dir;
  zmq::context_t ctx;
  auto mgr = ManagerEndpoint::bind(ctx, endpoint_for(GetParam(), dir));
  ASSERT_TRUE(mgr.ok()) << mgr.error().to_string();
  if (GetParam() == "tcp") {
    EXPECT_EQ(mgr->endpoint().find('*'), std::string::npos);
  }
  auto agent = AgentLink::connect(ctx, mgr->endpoint(), "agent-1");
  ASSERT_TRUE(agent.ok()) << agent.error().to_string();

  // Agent -> manager: hello, answered with hello.ok carrying the same id.
  std::optional<Result<Incoming>> hello_reply;
  messages::Hello hello;
  hello.agent_id = "agent-1";
  hello.last_seq = 12;
  auto id = agent->request(make_header(MessageType::kHello, 0), hello, 10s,
                           [&](Result<Incoming> r) { hello_reply.emplace(std::move(r)); });
  ASSERT_TRUE(id.ok());
  std::string seen_peer;
  MessageHandler mgr_handler = [&](Incoming&& in) {
    seen_peer = in.peer;
    ASSERT_EQ(in.type(), MessageType::kHello);
    EXPECT_EQ(in.msg.header.id, *id);
    EXPECT_TRUE(mgr->reply(in, messages::HelloOk{in.body<messages::Hello>()->last_seq}).ok());
  };
  MessageHandler agent_handler = answer_pings(agent->channel());
  ASSERT_TRUE(pump({{&mgr->channel(), mgr_handler}, {&agent->channel(), agent_handler}},
                   [&] { return hello_reply.has_value(); }));
  ASSERT_TRUE(hello_reply->ok()) << hello_reply->error().to_string();
  EXPECT_EQ((*hello_reply)->type(), MessageType::kHelloOk);
  EXPECT_EQ((*hello_reply)->body<messages::HelloOk>()->acked_seq, 12u);
  EXPECT_EQ(seen_peer, "agent-1");

  // Manager -> agent: ping answered with pong.
  std::optional<Result<Incoming>> pong;
  ASSERT_TRUE(mgr->request("agent-1", make_header(MessageType::kPing, 0, "cid"), messages::Ping{},
                           10s, [&](Result<Incoming> r) { pong.emplace(std::move(r)); })
                  .ok());
  ASSERT_TRUE(pump({{&mgr->channel(), nullptr}, {&agent->channel(), agent_handler}},
                   [&] { return pong.has_value(); }));
  ASSERT_TRUE(pong->ok());
  EXPECT_EQ((*pong)->type(), MessageType::kPong);
  EXPECT_EQ((*pong)->msg.header.cid, "cid");
  EXPECT_EQ(mgr->agents().size(), 1u);
  EXPECT_EQ(mgr->channel().pending_requests(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Transports, RequestReply, ::testing::Values("tcp", "ipc"));

TEST(Bus, BlockingCallWithAgentOnItsOwnThread) {
  zmq::context_t ctx;
  auto mgr = ManagerEndpoint::bind(ctx, "tcp://127.0.0.1:*");
  ASSERT_TRUE(mgr.ok());
  std::atomic<bool> stop{false};
  std::string ep = mgr->endpoint();
  std::thread agent_thread([&] {
    // The link is created, used and destroyed on this thread only.
    auto agent = AgentLink::connect(ctx, ep, "threaded");
    ASSERT_TRUE(agent.ok());
    auto h = answer_pings(agent->channel());
    // Say hello so the manager learns the routing id.
    (void)agent->send({make_header(MessageType::kLog, 1), messages::Log{"", "agent", "up", 0}});
    while (!stop) (void)agent->poll_once(20ms, h);
  });
  // Wait until the agent is known, then call it.
  ASSERT_TRUE(pump({{&mgr->channel(), nullptr}}, [&] { return !mgr->agents().empty(); }));
  auto r = mgr->call("threaded", make_header(MessageType::kPing, 0), messages::Ping{}, 10s);
  stop = true;
  agent_thread.join();
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->type(), MessageType::kPong);
}

TEST(Bus, FiftyAgentsOnOneManager) {
  zmq::context_t ctx;
  auto mgr = ManagerEndpoint::bind(ctx, "tcp://127.0.0.1:*");
  ASSERT_TRUE(mgr.ok());
  std::vector<AgentLink> agents;
  for (int i = 0; i < 50; ++i) {
    auto a = AgentLink::connect(ctx, mgr->endpoint(), "agent-" + std::to_string(i));
    ASSERT_TRUE(a.ok());
    agents.push_back(std::move(*a));
  }
  int hello_ok = 0;
  for (int i = 0; i < 50; ++i) {
    messages::Hello h;
    h.agent_id = agents[i].agent_id();
    h.last_seq = static_cast<std::uint64_t>(i);
    ASSERT_TRUE(agents[i]
                    .request(make_header(MessageType::kHello, 0), h, 20s,
                             [&, i](Result<Incoming> r) {
                               ASSERT_TRUE(r.ok()) << r.error().to_string();
                               EXPECT_EQ(r->body<messages::HelloOk>()->acked_seq,
                                         static_cast<std::uint64_t>(i));
                               ++hello_ok;
                             })
                    .ok());
  }
  std::vector<std::pair<Channel*, MessageHandler>> chans;
  chans.push_back({&mgr->channel(), answer_pings(mgr->channel())});
  for (auto& a : agents) chans.push_back({&a.channel(), answer_pings(a.channel())});
  ASSERT_TRUE(pump(
      chans, [&] { return hello_ok == 50; }, 40s));
  EXPECT_EQ(mgr->agents().size(), 50u);

  // And the manager reaches every one of them by id.
  int pongs = 0;
  for (auto& a : agents) {
    ASSERT_TRUE(mgr->request(a.agent_id(), make_header(MessageType::kPing, 0), messages::Ping{},
                             20s, [&](Result<Incoming> r) { pongs += r.ok() ? 1 : 0; })
                    .ok());
  }
  ASSERT_TRUE(pump(
      chans, [&] { return pongs == 50; }, 40s));
}

TEST(Bus, AgentReconnectsAfterManagerRestartOnSamePort) {
  zmq::context_t ctx;
  LinkOptions fast;
  fast.reconnect_ivl_ms = 50;
  fast.reconnect_ivl_max_ms = 200;
  auto mgr = ManagerEndpoint::bind(ctx, "tcp://127.0.0.1:*", fast);
  ASSERT_TRUE(mgr.ok());
  const std::string ep = mgr->endpoint();
  auto agent = AgentLink::connect(ctx, ep, "agent-r", fast);
  ASSERT_TRUE(agent.ok());
  auto agent_h = answer_pings(agent->channel());
  auto mgr_h = answer_pings(mgr->channel());

  auto ping_until_pong = [&](ManagerEndpoint& m, MessageHandler& mh) {
    // Each attempt is a fresh request; one lost on a dying connection simply times out.
    bool ok = false;
    for (int attempt = 0; attempt < 40 && !ok; ++attempt) {
      std::optional<Result<Incoming>> rep;
      if (!agent
               ->request(make_header(MessageType::kPing, 0), messages::Ping{}, 500ms,
                         [&](Result<Incoming> r) { rep.emplace(std::move(r)); })
               .ok()) {
        continue;
      }
      pump({{&m.channel(), mh}, {&agent->channel(), agent_h}}, [&] { return rep.has_value(); });
      ok = rep && rep->ok() && (*rep)->type() == MessageType::kPong;
    }
    return ok;
  };
  ASSERT_TRUE(ping_until_pong(*mgr, mgr_h));

  // Destroy the endpoint, re-create it on the same port, and the same agent link works again.
  mgr = make_error("closed", "destroyed");  // runs the endpoint's destructor now
  std::optional<ManagerEndpoint> again;
  for (int i = 0; i < 100 && !again; ++i) {
    auto m = ManagerEndpoint::bind(ctx, ep, fast);
    if (m.ok()) {
      again.emplace(std::move(*m));
    } else {
      std::this_thread::sleep_for(20ms);  // the old listener closes asynchronously
    }
  }
  ASSERT_TRUE(again.has_value());
  auto again_h = answer_pings(again->channel());
  EXPECT_TRUE(ping_until_pong(*again, again_h));
  EXPECT_EQ(again->agents().size(), 1u);
}

TEST(Bus, TimeoutThenLateReplyIsDroppedAndCounted) {
  zmq::context_t ctx;
  auto mgr = ManagerEndpoint::bind(ctx, "tcp://127.0.0.1:*");
  ASSERT_TRUE(mgr.ok());
  auto agent = AgentLink::connect(ctx, mgr->endpoint(), "slow");
  ASSERT_TRUE(agent.ok());
  std::optional<Result<Incoming>> out;
  int calls = 0;
  // A request with an already-passed deadline: expire() must fail it exactly once.
  ASSERT_TRUE(agent
                  ->request(make_header(MessageType::kPing, 0), messages::Ping{}, 0ms,
                            [&](Result<Incoming> r) {
                              ++calls;
                              out.emplace(std::move(r));
                            })
                  .ok());
  EXPECT_EQ(agent->channel().expire(), 1u);
  ASSERT_TRUE(out.has_value());
  ASSERT_FALSE(out->ok());
  EXPECT_EQ(out->error().code, "timeout");
  // The manager answers anyway; the agent drops that late reply and counts it.
  auto mh = answer_pings(mgr->channel());
  ASSERT_TRUE(pump({{&mgr->channel(), mh}, {&agent->channel(), nullptr}},
                   [&] { return agent->channel().counters().late_replies == 1; }));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(agent->channel().counters().timeouts, 1u);
}

TEST(Bus, SendToUnknownAgentFailsVisibly) {
  zmq::context_t ctx;
  auto mgr = ManagerEndpoint::bind(ctx, "tcp://127.0.0.1:*");
  ASSERT_TRUE(mgr.ok());
  auto s = mgr->send("nobody", {make_header(MessageType::kPing, 1), messages::Ping{}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "unreachable");
  auto r = mgr->request("nobody", make_header(MessageType::kPing, 0), messages::Ping{}, 1s,
                        [](Result<Incoming>) { ADD_FAILURE() << "handler must not run"; });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(mgr->channel().pending_requests(), 0u);
}

TEST(Bus, SilentAgentsAreReported) {
  zmq::context_t ctx;
  auto mgr = ManagerEndpoint::bind(ctx, "tcp://127.0.0.1:*");
  ASSERT_TRUE(mgr.ok());
  auto agent = AgentLink::connect(ctx, mgr->endpoint(), "quiet");
  ASSERT_TRUE(
      agent->send({make_header(MessageType::kLog, 1), messages::Log{"", "agent", "x", 0}}).ok());
  ASSERT_TRUE(pump({{&mgr->channel(), nullptr}}, [&] { return !mgr->agents().empty(); }));
  const auto seen = mgr->agents()[0].last_seen;
  EXPECT_TRUE(mgr->silent_agents(1s, seen + 500ms).empty());
  EXPECT_EQ(mgr->silent_agents(1s, seen + 2s), std::vector<std::string>{"quiet"});
}

// A raw DEALER plays a hostile agent: garbage must be answered with `error` and the link must
// keep working afterwards.
TEST(Bus, MalformedAndOversizeFramesAnsweredConnectionStaysUsable) {
  zmq::context_t ctx;
  LinkOptions o;
  o.limits.max_body = 1024;
  auto mgr = ManagerEndpoint::bind(ctx, "tcp://127.0.0.1:*", o);
  ASSERT_TRUE(mgr.ok());
  zmq::socket_t raw(ctx, zmq::socket_type::dealer);
  raw.set(zmq::sockopt::linger, 0);
  raw.set(zmq::sockopt::routing_id, "hostile");
  raw.connect(mgr->endpoint());
  auto mh = answer_pings(mgr->channel());

  auto recv_error = [&](std::uint64_t want_id, std::string_view want_code) {
    std::vector<zmq::message_t> reply;
    bool got = false;
    pump({{&mgr->channel(), mh}}, [&] {
      zmq::pollitem_t it{raw.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&it, 1, std::chrono::milliseconds(0)) > 0) {
        got = zmq::recv_multipart(raw, std::back_inserter(reply)).has_value();
      }
      return got;
    });
    ASSERT_TRUE(got);
    ASSERT_EQ(reply.size(), 2u);
    std::vector<messages::ByteView> v;
    for (auto& f : reply) v.emplace_back(static_cast<const std::uint8_t*>(f.data()), f.size());
    auto env = messages::decode_message(v);
    ASSERT_TRUE(env.ok()) << env.error().to_string();
    ASSERT_EQ(env->header.type, MessageType::kError);
    EXPECT_EQ(env->header.id, want_id);
    EXPECT_EQ(std::get<messages::ErrorBody>(env->body).code, want_code);
  };

  // 1. Not msgpack at all: id 0.
  std::array<zmq::const_buffer, 2> junk = {zmq::str_buffer("\xc1\xc1"), zmq::str_buffer("x")};
  ASSERT_TRUE(zmq::send_multipart(raw, junk));
  recv_error(0, "bad_message");
  // 2. Unknown type: answered with the id that could be read.
  std::string unknown = messages::encode_header({1, MessageType::kPing, 77, ""});
  unknown.replace(unknown.find("ping"), 4, "zzzz");
  std::array<zmq::const_buffer, 2> u = {zmq::buffer(unknown), zmq::str_buffer("\x80")};
  ASSERT_TRUE(zmq::send_multipart(raw, u));
  recv_error(77, "unknown_type");
  // 3. Oversize body for a request: too_large with the request's id.
  std::string ping_hdr = messages::encode_header({1, MessageType::kComputationStop, 78, ""});
  std::string big = messages::encode_body(messages::ComputationStop{std::string(4000, 'x')});
  std::array<zmq::const_buffer, 2> b = {zmq::buffer(ping_hdr), zmq::buffer(big)};
  ASSERT_TRUE(zmq::send_multipart(raw, b));
  recv_error(78, "too_large");
  // 4. Too many frames.
  std::string ping_ok = messages::encode_header({1, MessageType::kPing, 79, ""});
  std::array<zmq::const_buffer, 5> many = {zmq::buffer(ping_ok), zmq::str_buffer("\x80"),
                                           zmq::str_buffer("a"), zmq::str_buffer("b"),
                                           zmq::str_buffer("c")};
  ASSERT_TRUE(zmq::send_multipart(raw, many));
  recv_error(79, "bad_message");
  // 5. Wrong protocol version.
  std::string v2 = messages::encode_header({2, MessageType::kPing, 80, ""});
  std::array<zmq::const_buffer, 2> vv = {zmq::buffer(v2), zmq::str_buffer("\x80")};
  ASSERT_TRUE(zmq::send_multipart(raw, vv));
  recv_error(80, "unsupported_version");
  // 6. A malformed *reply* is never answered (no error ping-pong); the next ping still works.
  std::string pong_hdr = messages::encode_header({1, MessageType::kPong, 81, ""});
  std::array<zmq::const_buffer, 2> pr = {zmq::buffer(pong_hdr), zmq::str_buffer("\x01")};
  ASSERT_TRUE(zmq::send_multipart(raw, pr));
  // 7. After all that, a well-formed ping gets its pong on the same connection.
  std::array<zmq::const_buffer, 2> ping = {zmq::buffer(ping_ok), zmq::str_buffer("\x80")};
  ASSERT_TRUE(zmq::send_multipart(raw, ping));
  std::vector<zmq::message_t> reply;
  ASSERT_TRUE(pump({{&mgr->channel(), mh}}, [&] {
    zmq::pollitem_t it{raw.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&it, 1, std::chrono::milliseconds(0)) > 0) {
      return zmq::recv_multipart(raw, std::back_inserter(reply)).has_value();
    }
    return false;
  }));
  std::vector<messages::ByteView> v;
  for (auto& f : reply) v.emplace_back(static_cast<const std::uint8_t*>(f.data()), f.size());
  auto env = messages::decode_message(v);
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->header.type, MessageType::kPong);  // not an error for message 6
  EXPECT_EQ(env->header.id, 79u);
  EXPECT_EQ(mgr->channel().counters().decode_errors, 6u);
}

TEST(Bus, SocketOptionsAreApplied) {
  zmq::context_t ctx;
  LinkOptions o;
  o.linger_ms = 150;
  o.max_frame_bytes = 12345678;
  o.sndhwm = 77;
  o.rcvhwm = 88;
  o.heartbeat_ivl_ms = 1500;
  o.reconnect_ivl_max_ms = 4000;
  auto mgr = ManagerEndpoint::bind(ctx, "tcp://127.0.0.1:*", o);
  ASSERT_TRUE(mgr.ok());
  auto agent = AgentLink::connect(ctx, mgr->endpoint(), "opts", o);
  ASSERT_TRUE(agent.ok());
  for (Channel* c : {&mgr->channel(), &agent->channel()}) {
    auto s = c->socket();
    EXPECT_EQ(s.get(zmq::sockopt::linger), 150);
    EXPECT_EQ(s.get(zmq::sockopt::maxmsgsize), 12345678);
    EXPECT_EQ(s.get(zmq::sockopt::sndhwm), 77);
    EXPECT_EQ(s.get(zmq::sockopt::rcvhwm), 88);
    EXPECT_EQ(s.get(zmq::sockopt::reconnect_ivl_max), 4000);
  }
  EXPECT_EQ(agent->channel().socket().get(zmq::sockopt::routing_id), "opts");
  EXPECT_EQ(ManagerEndpoint::bind(ctx, mgr->endpoint()).error().code, "io_error");  // in use
  EXPECT_EQ(AgentLink::connect(ctx, mgr->endpoint(), "").error().code, "bad_argument");
}

TEST(Bus, EventsOverPubSubWithTopics) {
  zmq::context_t ctx;
  auto pub = EventPublisher::bind(ctx, "tcp://127.0.0.1:*", "agent-7");
  ASSERT_TRUE(pub.ok()) << pub.error().to_string();
  auto sub = EventSubscriber::connect(ctx, pub->endpoint(), {}, {"cocos.agent-7.event"});
  ASSERT_TRUE(sub.ok());
  messages::Event ev{5, "running", "inProgress", "c1", 1, {{"a", "b"}}};
  messages::Log log{"c1", "stdout", "line", 0};
  // Slow joiner: publish until the subscription has propagated and the event arrives.
  std::optional<Published> got;
  for (int i = 0; i < 200 && !got; ++i) {
    ASSERT_TRUE(pub->publish({make_header(MessageType::kLog, 0, "c1"), log}).ok());
    ASSERT_TRUE(pub->publish({make_header(MessageType::kEvent, 0, "c1"), ev}).ok());
    auto r = sub->receive(50ms);
    ASSERT_TRUE(r.ok());
    if (*r) got = std::move(**r);
  }
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->topic, "cocos.agent-7.event");  // the log topic was filtered out
  EXPECT_EQ(got->agent_id, "agent-7");
  EXPECT_EQ(std::get<messages::Event>(got->msg.body), ev);
  EXPECT_EQ(event_topic("a.b", MessageType::kLog), "cocos.a.b.log");
}

TEST(Bus, SpinningSubscriberReceivesEveryEventAndStillTimesOut) {
  zmq::context_t ctx;
  auto pub = EventPublisher::bind(ctx, "tcp://127.0.0.1:*", "agent-8");
  ASSERT_TRUE(pub.ok()) << pub.error().to_string();
  auto sub = EventSubscriber::connect(ctx, pub->endpoint());
  ASSERT_TRUE(sub.ok());
  // Spins far longer than each receive() may wait: the deadline must still end the call.
  sub->set_spin(std::chrono::seconds(30));
  const auto event = [](std::uint64_t seq) {
    return messages::Envelope{make_header(MessageType::kEvent, 0, "c1"),
                              messages::Event{seq, "running", "inProgress", "c1", 1, {}}};
  };
  std::optional<Published> first;
  for (int i = 0; i < 200 && !first; ++i) {  // slow joiner, as above
    ASSERT_TRUE(pub->publish(event(0)).ok());
    auto r = sub->receive(50ms);
    ASSERT_TRUE(r.ok());
    if (*r) first = std::move(**r);
  }
  ASSERT_TRUE(first.has_value());
  while (true) {  // drain the warm-up events (receive spins between them)
    auto r = sub->receive(20ms);
    ASSERT_TRUE(r.ok());
    if (!*r) break;
  }
  // Within the spin window: events published now are taken by the polling loop, in order.
  for (std::uint64_t seq = 1; seq <= 50; ++seq) ASSERT_TRUE(pub->publish(event(seq)).ok());
  for (std::uint64_t seq = 1; seq <= 50; ++seq) {
    auto r = sub->receive(5000ms);
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(r->has_value()) << "event " << seq << " not received";
    EXPECT_EQ(std::get<messages::Event>((**r).msg.body).seq, seq);
  }
  // Nothing more was published: receive() returns empty at its deadline despite the spin (a
  // spin that ignored the deadline would hold it for 30 s; 10 s is far from both).
  const auto t0 = std::chrono::steady_clock::now();
  auto none = sub->receive(30ms);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  EXPECT_EQ(sub->malformed(), 0u);
}

}  // namespace
}  // namespace cocos::bus
