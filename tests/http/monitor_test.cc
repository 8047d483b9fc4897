// The manager's HTTP face (cocos_manager_http) over real HTTP: a Monitor on an ephemeral
// loopback port, fed through the same observer callbacks the bus session calls, read with
// cpp-httplib's client. Checks paging and bounds with 1,000 agents and 10,000 events, JSON
// errors, the lifecycle timeline, Server-Sent Events (and that a client that stops reading is
// dropped without blocking the writer), and /metrics.
#include "cocos/manager/http/monitor.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>
#include <thread>

namespace cocos::manager::http {
namespace {

using nlohmann::json;

messages::Hello hello(const std::string& id) {
  messages::Hello h;
  h.agent_id = id;
  h.version = "test";
  h.capabilities = {"vtpm", "python"};
  h.simulated_snp = true;
  h.state = "idle";
  return h;
}

StoredEvent event(const std::string& agent, std::uint64_t seq, const std::string& state,
                  const std::string& cid, std::map<std::string, std::string> details = {}) {
  return StoredEvent{agent,
                     seq,
                     state,
                     state == "failed" ? "failed" : "inProgress",
                     cid,
                     now_ms(),
                     std::move(details)};
}

class MonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = Monitor::start("127.0.0.1:0");
    ASSERT_TRUE(m) << m.error().to_string();
    mon = std::move(*m);
    obs = mon->observer();
    cli = std::make_unique<httplib::Client>("127.0.0.1", mon->port());
    cli->set_read_timeout(10, 0);
  }
  json get_json(const std::string& path, int want = 200) {
    auto r = cli->Get(path.c_str());
    EXPECT_TRUE(r) << path;
    if (!r) return json();
    EXPECT_EQ(r->status, want) << path << ": " << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json") << path;
    return json::parse(r->body, nullptr, false);
  }
  std::unique_ptr<Monitor> mon;
  SessionObserver obs;
  std::unique_ptr<httplib::Client> cli;
};

TEST(ListenAddress, Parses) {
  auto a = parse_listen_address("8080");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8080);
  a = parse_listen_address(":9");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  a = parse_listen_address("0.0.0.0:80");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "0.0.0.0");
  a = parse_listen_address("[::1]:81");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "::1");
  EXPECT_FALSE(parse_listen_address("host:"));
  EXPECT_FALSE(parse_listen_address("host:99999"));
  EXPECT_FALSE(parse_listen_address("host:8x"));
  auto busy = Monitor::start("127.0.0.1:0");
  ASSERT_TRUE(busy);
  auto again = Monitor::start("127.0.0.1:" + std::to_string((*busy)->port()));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "io_error");
}

TEST_F(MonitorTest, ServesTheDashboardAssets) {
  for (const char* p : {"/", "/app.js", "/style.css"}) {
    auto r = cli->Get(p);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << p;
    EXPECT_GT(r->body.size(), 500u) << p;
  }
  auto r = cli->Get("/");
  EXPECT_NE(r->body.find("<script src=\"/app.js\">"), std::string::npos);
  EXPECT_NE(r->get_header_value("Content-Type").find("text/html"), std::string::npos);
  // No external resources: everything is served from the binary.
  EXPECT_EQ(r->body.find("http://"), std::string::npos);
  EXPECT_EQ(r->body.find("https://"), std::string::npos);
}

TEST_F(MonitorTest, ErrorsAreJson) {
  auto j = get_json("/api/computations/nope", 404);
  EXPECT_EQ(j["error"]["code"], "not_found");
  j = get_json("/api/computations/nope/events?since=3", 404);
  EXPECT_EQ(j["error"]["code"], "not_found");
  j = get_json("/api/does/not/exist", 404);
  EXPECT_EQ(j["error"]["code"], "not_found");
  j = get_json("/api/agents?limit=-1", 400);
  EXPECT_EQ(j["error"]["code"], "bad_request");
  j = get_json("/api/computations?offset=x", 400);
  EXPECT_EQ(j["error"]["code"], "bad_request");
  auto r = cli->Post("/api/agents", "{}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_GE(r->status, 400);
  auto body = json::parse(r->body, nullptr, false);
  EXPECT_TRUE(body.contains("error")) << r->body;
}

TEST_F(MonitorTest, TimelineItemsLogsAndFailureReason) {
  obs.on_hello(hello("a1"), 0);
  std::uint64_t seq = 0;
  for (const char* s : {"receivingAlgorithm", "receivingData", "running", "running"})
    obs.on_event(event("a1", ++seq, s, "c1"));
  obs.on_transfer("c1", "algorithm", 0, 100);
  obs.on_transfer("c1", "algorithm", 100, 100);
  obs.on_transfer("c1", "dataset 0 (a.csv)", 50, 200);
  messages::Log log;
  log.computation_id = "c1";
  log.stream = "stdout";
  log.line = "hello from the algorithm";
  obs.on_log("a1", log);
  obs.on_event(event("a1", ++seq, "failed", "c1", {{"reason", "exit code 3"}}));

  auto c = get_json("/api/computations/c1");
  EXPECT_EQ(c["state"], "failed");
  EXPECT_EQ(c["failure_reason"], "exit code 3");
  std::vector<std::string> states;
  for (auto& t : c["timeline"]) states.push_back(t["state"]);
  EXPECT_EQ(states,
            (std::vector<std::string>{"receivingAlgorithm", "receivingData", "running", "failed"}));
  EXPECT_EQ(c["timeline"][0]["duration_ms"], c["timeline"][0]["end_ms"].get<std::uint64_t>() -
                                                 c["timeline"][0]["start_ms"].get<std::uint64_t>());
  ASSERT_EQ(c["items"].size(), 2u);
  EXPECT_EQ(c["items"][0]["item"], "algorithm");
  EXPECT_TRUE(c["items"][0]["complete"]);
  EXPECT_EQ(c["items"][1]["bytes"], 50);
  EXPECT_FALSE(c["items"][1]["complete"]);
  ASSERT_EQ(c["log_tail"].size(), 1u);
  EXPECT_EQ(c["log_tail"][0]["line"], "hello from the algorithm");
  EXPECT_EQ(c["events_total"], 5);

  auto metrics = cli->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("cocos_manager_computations{state=\"failed\"} 1\n"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("cocos_manager_upload_bytes_total 150\n"), std::string::npos);
}

TEST_F(MonitorTest, ThousandAgentsAndTenThousandEventsStayPagedAndBounded) {
  for (int i = 0; i < 1000; ++i) obs.on_hello(hello("agent-" + std::to_string(10000 + i)), 0);
  // 12,000 events for one computation: more than any ring keeps.
  for (std::uint64_t s = 1; s <= 12000; ++s) {
    obs.on_event(event("agent-10000", s, s < 12000 ? "running" : "complete", "big"));
    obs.on_event_ack("agent-10000", s, s);
  }
  auto agents = get_json("/api/agents?offset=990&limit=50");
  EXPECT_EQ(agents["total"], 1000);
  EXPECT_EQ(agents["agents"].size(), 10u);
  EXPECT_EQ(agents["agents"][0]["agent_id"], "agent-10990");
  EXPECT_EQ(get_json("/api/agents")["agents"].size(), 100u);                   // default page
  EXPECT_EQ(get_json("/api/agents?limit=100000")["agents"].size(), kMaxPage);  // capped

  auto recent = get_json("/api/events?limit=5");
  EXPECT_EQ(recent["total"], kGlobalEvents);
  EXPECT_EQ(recent["events"][0]["seq"], 12000);  // newest first
  EXPECT_EQ(recent["events"][4]["seq"], 11996);

  auto page = get_json("/api/computations/big/events?since=0&limit=100000");
  EXPECT_EQ(page["events"].size(), kMaxPage);
  EXPECT_TRUE(page["more"]);
  EXPECT_EQ(page["oldest_kept_seq"], 12000 - kComputationEvents + 1);
  auto tail = get_json("/api/computations/big/events?since=11990");
  ASSERT_EQ(tail["events"].size(), 10u);
  EXPECT_EQ(tail["events"][0]["seq"], 11991);
  EXPECT_FALSE(tail["more"]);
  EXPECT_EQ(tail["next_since"], 12000);
  auto c = get_json("/api/computations/big");
  EXPECT_EQ(c["state"], "complete");
  EXPECT_EQ(c["events_total"], 12000);
  EXPECT_EQ(c["timeline"].size(), 2u);
}

// Reads an SSE stream on its own thread until `enough` holds for the data lines seen.
struct StreamReader {
  std::vector<json> events;
  std::mutex mu;
  std::condition_variable cv;
  bool ended = false;
  std::thread thread;
  httplib::Client client;
  explicit StreamReader(int port) : client("127.0.0.1", port) {
    client.set_read_timeout(30, 0);
    thread = std::thread([this] {
      std::string buf;
      client.Get("/api/events/stream", [&](const char* data, std::size_t n) {
        buf.append(data, n);
        std::size_t pos;
        while ((pos = buf.find("\n\n")) != std::string::npos) {
          std::string block = buf.substr(0, pos);
          buf.erase(0, pos + 2);
          auto d = block.find("data: ");
          if (d == std::string::npos) continue;
          std::lock_guard lk(mu);
          events.push_back(json::parse(block.substr(d + 6), nullptr, false));
          cv.notify_all();
        }
        std::lock_guard lk(mu);
        return !ended;
      });
      std::lock_guard lk(mu);
      ended = true;
      cv.notify_all();
    });
  }
  bool wait_for(std::size_t n) {
    std::unique_lock lk(mu);
    return cv.wait_for(lk, std::chrono::seconds(30), [&] { return events.size() >= n || ended; }) &&
           events.size() >= n;
  }
  ~StreamReader() {
    {
      std::lock_guard lk(mu);
      ended = true;
    }
    client.stop();
    thread.join();
  }
};

TEST_F(MonitorTest, StreamsEventsLive) {
  StreamReader reader(mon->port());
  // Wait until the stream is registered (the gauge counts it), then publish.
  for (int i = 0; i < 300; ++i) {
    auto m = cli->Get("/metrics");
    if (m && m->body.find("cocos_manager_sse_clients 1\n") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (std::uint64_t s = 1; s <= 3; ++s) obs.on_event(event("a1", s, "running", "c1"));
  ASSERT_TRUE(reader.wait_for(3));
  std::lock_guard lk(reader.mu);
  EXPECT_EQ(reader.events[0]["seq"], 1);
  EXPECT_EQ(reader.events[2]["seq"], 3);
  EXPECT_EQ(reader.events[2]["computation_id"], "c1");
}

TEST_F(MonitorTest, SlowStreamClientIsDroppedNotWaitedFor) {
  // A stream whose reader never takes anything (as an HTTP client that stopped reading would
  // leave it): the writer must keep going and drop it once its queue is full.
  auto sub = mon->model().subscribe();
  ASSERT_TRUE(sub);
  for (std::uint64_t s = 1; s <= kSseQueue + 10; ++s) obs.on_event(event("a1", s, "running", "c1"));
  EXPECT_FALSE(sub->take(0).has_value());  // dropped: closed, queue cleared
  auto m = cli->Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_NE(m->body.find("cocos_manager_sse_dropped_total 1\n"), std::string::npos) << m->body;
  // The number of streams is bounded.
  std::vector<std::shared_ptr<SseClient>> held;
  while (auto c = mon->model().subscribe()) held.push_back(c);
  EXPECT_EQ(held.size(), kMaxSseClients);
  get_json("/api/events/stream", 503);
}

}  // namespace
}  // namespace cocos::manager::http
