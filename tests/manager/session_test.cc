// AgentSession against a scripted DEALER peer that plays the agent's side of the wire protocol:
// hello/hello.ok with the stored seq, events stored once and acknowledged cumulatively, gap
// backfill through events.since, credit-limited uploads, the challenge-signed result stream.
// (End-to-end runs against the real cocos-agent are in tests/e2e/.)
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "cocos/common/hash.h"
#include "cocos/manager/agent_session.h"
#include "temp_dir.h"

namespace cocos::manager {
namespace {

namespace m = cocos::messages;
using testing::TempDir;
using Clock = std::chrono::steady_clock;

// The agent side: a DEALER with a routing id, sending and receiving whole messages.
class Peer {
 public:
  Peer(const std::string& endpoint, const std::string& id) {
    sock_.set(zmq::sockopt::routing_id, id);
    sock_.set(zmq::sockopt::linger, 0);
    sock_.set(zmq::sockopt::rcvtimeo, 10000);
    sock_.connect(endpoint);
  }
  void send(const m::Body& body, std::uint64_t id, std::span<const std::uint8_t> raw = {}) {
    auto f = m::encode_message(m::make_header(m::type_of(body), id, "c1"), body);
    bool has_raw = m::info(m::type_of(body)).raw_frame;
    sock_.send(zmq::buffer(f.header), zmq::send_flags::sndmore);
    sock_.send(zmq::buffer(f.body), has_raw ? zmq::send_flags::sndmore : zmq::send_flags::none);
    if (has_raw) sock_.send(zmq::const_buffer(raw.data(), raw.size()), zmq::send_flags::none);
  }
  struct Got {
    m::Envelope env;
    Bytes raw;
  };
  // Next message; a missing one (10 s) fails the test through an empty envelope type check.
  Got recv() {
    std::vector<zmq::message_t> parts;
    auto n = zmq::recv_multipart(sock_, std::back_inserter(parts));
    Got g;
    if (!n) {
      ADD_FAILURE() << "peer: nothing received";
      return g;
    }
    std::vector<m::ByteView> frames;
    for (auto& p : parts) frames.emplace_back(static_cast<const std::uint8_t*>(p.data()), p.size());
    auto env = m::decode_message(frames);
    if (!env) {
      ADD_FAILURE() << env.error().to_string();
      return g;
    }
    g.env = std::move(*env);
    if (parts.size() == 3) {
      auto* p = static_cast<const std::uint8_t*>(parts[2].data());
      g.raw.assign(p, p + parts[2].size());
    }
    return g;
  }
  template <class T>
  T expect(Got& g) {
    if (!std::holds_alternative<T>(g.env.body)) {
      ADD_FAILURE() << "peer got " << m::wire_name(g.env.header.type) << ", wanted "
                    << m::wire_name(T::kType);
      return T{};
    }
    return std::get<T>(g.env.body);
  }

 private:
  zmq::context_t ctx_{1};
  zmq::socket_t sock_{ctx_, zmq::socket_type::dealer};
};

m::Event event(std::uint64_t seq, std::string state) {
  m::Event e;
  e.seq = seq;
  e.state = std::move(state);
  e.status = "inProgress";
  e.computation_id = "c1";
  e.timestamp_ms = 1000 + seq;
  return e;
}

Deadline soon() {
  return Clock::now() + std::chrono::seconds(20);
}

TEST(AgentSession, HelloEventsDedupAndGapBackfill) {
  TempDir dir;
  auto router = Router::bind("tcp://127.0.0.1:*");
  ASSERT_TRUE(router) << router.error().to_string();
  std::vector<std::uint64_t> printed;
  SessionObserver obs;
  obs.on_event = [&](const StoredEvent& e) { printed.push_back(e.seq); };
  AgentSession session(*router, dir.path(), obs);

  std::vector<std::uint64_t> acks;
  std::uint64_t hello_acked = 99;
  std::thread agent([&] {
    Peer p(router->endpoint(), "agent-t");
    m::Hello h;
    h.agent_id = "agent-t";
    h.state = "running";
    p.send(h, 1);
    auto r = p.recv();
    hello_acked = p.expect<m::HelloOk>(r).acked_seq;
    for (std::uint64_t s : {1, 2, 2, 1}) {
      p.send(event(s, "running"), 10 + s);
      auto a = p.recv();
      acks.push_back(p.expect<m::EventAck>(a).seq);
    }
    // Seq 5 skips 3 and 4: the manager must ask for them before storing 5.
    p.send(event(5, "resultsReady"), 20);
    auto a = p.recv();
    acks.push_back(p.expect<m::EventAck>(a).seq);
    auto q = p.recv();
    auto since = p.expect<m::EventsSince>(q);
    EXPECT_EQ(since.seq, 2u);
    m::Events evs;
    evs.events = {event(3, "running"), event(4, "running"), event(5, "resultsReady")};
    p.send(evs, q.env.header.id);
    // Then a state request from the session.
    auto s = p.recv();
    p.expect<m::StateGet>(s);
    m::State st;
    st.state = "resultsReady";
    st.seq = 5;
    p.send(st, s.env.header.id);
  });

  auto id = session.wait_agent("agent-t", soon());
  ASSERT_TRUE(id) << id.error().to_string();
  ASSERT_TRUE(session.pump_until([&] { return session.stored_seq() >= 5; }, soon()));
  auto st = session.call(m::StateGet{}, "c1", soon());
  ASSERT_TRUE(st) << st.error().to_string();
  agent.join();

  EXPECT_EQ(hello_acked, 0u);
  EXPECT_EQ(acks, (std::vector<std::uint64_t>{1, 2, 2, 2, 2}));
  EXPECT_EQ(printed, (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
  auto log = EventLog::open(dir.path(), "agent-t");
  ASSERT_TRUE(log);
  auto all = log->read_all();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ((*all)[i].seq, i + 1);
  EXPECT_EQ((*all)[4].state, "resultsReady");
}

TEST(AgentSession, HelloOkCarriesStoredSeqAfterRestart) {
  TempDir dir;
  {
    auto log = EventLog::open(dir.path(), "agent-r");
    ASSERT_TRUE(log);
    for (std::uint64_t s = 1; s <= 3; ++s) ASSERT_TRUE(log->append({"", s, "x", "y", "c1", 1, {}}));
  }
  auto router = Router::bind("tcp://127.0.0.1:*");
  ASSERT_TRUE(router);
  AgentSession session(*router, dir.path(), {});
  std::uint64_t acked = 0;
  std::thread agent([&] {
    Peer p(router->endpoint(), "agent-r");
    m::Hello h;
    h.agent_id = "agent-r";
    h.last_seq = 4;
    p.send(h, 1);
    auto r = p.recv();
    acked = p.expect<m::HelloOk>(r).acked_seq;
  });
  ASSERT_TRUE(session.wait_agent("", soon()));
  agent.join();
  EXPECT_EQ(acked, 3u);
}

TEST(AgentSession, UploadRespectsCreditsAndResumeOffset) {
  TempDir dir;
  std::string data;
  for (int i = 0; i < 1000; ++i) data += static_cast<char>('a' + i % 26);
  { std::ofstream(dir / "algo") << data; }
  auto router = Router::bind("tcp://127.0.0.1:*");
  ASSERT_TRUE(router);
  AgentSession session(*router, dir / "events", {});
  std::string received = data.substr(0, 100);  // the agent already holds 100 bytes
  std::size_t max_in_flight = 0;
  m::UploadBegin begin_seen;
  std::thread agent([&] {
    Peer p(router->endpoint(), "agent-u");
    m::Hello h;
    h.agent_id = "agent-u";
    p.send(h, 1);
    auto r = p.recv();
    p.expect<m::HelloOk>(r);
    auto b = p.recv();
    begin_seen = p.expect<m::UploadBegin>(b);
    p.send(m::UploadReady{42, 100, 64, 3}, b.env.header.id);
    std::size_t outstanding = 0, granted = 3;
    while (true) {
      auto g = p.recv();
      if (std::holds_alternative<m::UploadEnd>(g.env.body)) {
        EXPECT_EQ(std::get<m::UploadEnd>(g.env.body).upload_id, 42u);
        m::Ok ok;
        ok.item = "algorithm";
        ok.bytes = received.size();
        p.send(ok, g.env.header.id);
        break;
      }
      auto c = p.expect<m::UploadChunk>(g);
      EXPECT_EQ(c.offset, received.size());
      received.append(g.raw.begin(), g.raw.end());
      ++outstanding;
      max_in_flight = std::max(max_in_flight, outstanding);
      EXPECT_LE(outstanding, granted);
      // Grant one more only every second chunk: the sender must wait for credit.
      if (outstanding == granted) {
        p.send(m::UploadCredit{42, received.size(), 2}, 100);
        outstanding = 0;
        granted = 2;
      }
    }
  });
  ASSERT_TRUE(session.wait_agent("agent-u", soon()));
  std::ostringstream out;
  Progress progress("algorithm", data.size(), out, false);
  UploadSource src{UploadItem::algorithm(), dir / "algo", Bytes{1, 2, 3}, {}};
  auto st = session.upload("c1", src, progress, soon());
  agent.join();
  ASSERT_TRUE(st) << st.error().to_string();
  EXPECT_EQ(received, data);
  EXPECT_LE(max_in_flight, 3u);
  EXPECT_EQ(begin_seen.item, "algorithm");
  EXPECT_EQ(begin_seen.size, data.size());
  EXPECT_EQ(begin_seen.sha3_256, digest(HashAlg::kSha3_256, data));
  EXPECT_EQ(begin_seen.signature, (Bytes{1, 2, 3}));
}

TEST(AgentSession, UploadErrorKeepsAgentCode) {
  TempDir dir;
  { std::ofstream(dir / "d.csv") << "x\n1\n"; }
  auto router = Router::bind("tcp://127.0.0.1:*");
  ASSERT_TRUE(router);
  AgentSession session(*router, dir / "events", {});
  std::thread agent([&] {
    Peer p(router->endpoint(), "agent-e");
    m::Hello h;
    h.agent_id = "agent-e";
    p.send(h, 1);
    auto r = p.recv();
    auto b = p.recv();
    auto begin = p.expect<m::UploadBegin>(b);
    EXPECT_EQ(begin.item, "dataset");
    EXPECT_EQ(begin.index, 1u);
    EXPECT_EQ(begin.filename, "d.csv");
    p.send(m::ErrorBody{"bad_signature", "signature does not verify", "receivingData"},
           b.env.header.id);
  });
  ASSERT_TRUE(session.wait_agent("", soon()));
  std::ostringstream out;
  Progress progress("d", 4, out, false);
  auto st = session.upload("c1", {UploadItem::dataset(1, "d.csv"), dir / "d.csv", {}, {}}, progress,
                           soon());
  agent.join();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "bad_signature");
  EXPECT_NE(st.error().message.find("receivingData"), std::string::npos);
}

TEST(AgentSession, FetchResultProvesKeyAndVerifiesStream) {
  TempDir dir;
  auto consumer = PrivateKey::generate(KeyType::kEcdsa);
  ASSERT_TRUE(consumer);
  std::string zip(3000, 'z');
  for (std::size_t i = 0; i < zip.size(); ++i) zip[i] = static_cast<char>(i * 7);
  auto router = Router::bind("tcp://127.0.0.1:*");
  ASSERT_TRUE(router);
  AgentSession session(*router, dir / "events", {});
  bool signature_ok = false, acked = false;
  std::thread agent([&] {
    Peer p(router->endpoint(), "agent-f");
    m::Hello h;
    h.agent_id = "agent-f";
    p.send(h, 1);
    auto r = p.recv();
    auto c = p.recv();
    p.expect<m::ResultChallenge>(c);
    Bytes challenge(32, 0x5a);
    p.send(m::Challenge{challenge}, c.env.header.id);
    auto g = p.recv();
    auto get = p.expect<m::ResultGet>(g);
    auto key = PublicKey::parse(get.consumer_key);
    signature_ok =
        key && key->verify(as_bytes(result_challenge_statement("c1", challenge)), get.signature);
    Bytes sha = digest(HashAlg::kSha3_256, zip);
    p.send(m::ResultReady{9, zip.size(), sha}, g.env.header.id);
    std::uint64_t credits = 0, off = 0;
    while (off < zip.size()) {
      while (credits == 0) {
        auto cr = p.recv();
        credits += p.expect<m::ResultCredit>(cr).credits;
      }
      std::size_t n = std::min<std::size_t>(256, zip.size() - off);
      p.send(m::ResultChunk{9, off}, 50, as_bytes(std::string_view(zip).substr(off, n)));
      off += n;
      --credits;
    }
    p.send(m::ResultEnd{9, zip.size(), sha}, 60);
    while (true) {
      auto a = p.recv();
      if (std::holds_alternative<m::ResultCredit>(a.env.body)) continue;
      acked = p.expect<m::ResultAck>(a).stream_id == 9;
      p.send(m::Ok{}, a.env.header.id);
      break;
    }
  });
  ASSERT_TRUE(session.wait_agent("", soon()));
  std::ostringstream out;
  Progress progress("results", 0, out, false);
  auto res = session.fetch_result("c1", *consumer, dir / "out.zip", progress, soon());
  agent.join();
  ASSERT_TRUE(res) << res.error().to_string();
  EXPECT_TRUE(signature_ok);
  EXPECT_TRUE(acked);
  std::ifstream in(dir / "out.zip", std::ios::binary);
  std::string got((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(got, zip);
}

TEST(AgentSession, CorruptResultIsRejectedAndNotAcknowledged) {
  TempDir dir;
  auto consumer = PrivateKey::generate(KeyType::kEd25519);
  ASSERT_TRUE(consumer);
  auto router = Router::bind("tcp://127.0.0.1:*");
  ASSERT_TRUE(router);
  AgentSession session(*router, dir / "events", {});
  std::thread agent([&] {
    Peer p(router->endpoint(), "agent-c");
    m::Hello h;
    h.agent_id = "agent-c";
    p.send(h, 1);
    auto r = p.recv();
    auto c = p.recv();
    p.send(m::Challenge{Bytes(32, 1)}, c.env.header.id);
    auto g = p.recv();
    Bytes claimed = digest(HashAlg::kSha3_256, std::string_view("good"));
    p.send(m::ResultReady{3, 4, claimed}, g.env.header.id);
    auto cr = p.recv();
    p.expect<m::ResultCredit>(cr);
    p.send(m::ResultChunk{3, 0}, 7, as_bytes(std::string_view("evil")));
    p.send(m::ResultEnd{3, 4, claimed}, 8);
  });
  ASSERT_TRUE(session.wait_agent("", soon()));
  std::ostringstream out;
  Progress progress("results", 0, out, false);
  auto res = session.fetch_result("c1", *consumer, dir / "out.zip", progress, soon());
  agent.join();
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, "hash_mismatch");
  EXPECT_FALSE(std::filesystem::exists(dir / "out.zip"));
}

}  // namespace
}  // namespace cocos::manager
