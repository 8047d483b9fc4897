// RunWorker with the real runner and archive libraries: a bin algorithm reads DATASETS_DIR,
// writes RESULTS_DIR, prints lines; the outcome and the lines reach the Agent on the "loop"
// thread (this test's thread, draining the LoopQueue); exit codes, timeouts and stop.
#include "run_worker.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cocos/agent/core/agent.h"
#include "cocos/archive/zip_extract.h"
#include "cocos/common/hash.h"
#include "cocos/common/keys.h"
#include "loop_queue.h"
#include "test_util.h"

namespace cocos::agent {
namespace {

// upload_end of an upload that is answered at once (anything but a zipped dataset).
Result<UploadDone> end_now(Agent& a, std::uint64_t upload_id) {
  std::optional<Result<UploadDone>> got;
  a.upload_end(upload_id, [&](Result<UploadDone> r) { got.emplace(std::move(r)); });
  if (!got) return make_error("test", "upload.end was not answered at once");
  return std::move(*got);
}

struct Out : Outbox {
  std::vector<EventRecord> events;
  std::vector<std::string> lines;
  void event(const EventRecord& r) override { events.push_back(r); }
  void log(std::string_view, std::string_view stream, std::string_view line,
           std::uint64_t) override {
    lines.push_back(std::string(stream) + ":" + std::string(line));
  }
  void upload_credit(std::uint64_t, std::uint64_t, std::uint32_t) override {}
  Result<std::size_t> result_chunk(std::uint64_t, std::uint64_t, std::size_t size,
                                   const ChunkFill&) override {
    return size;
  }
  void result_end(std::uint64_t, std::uint64_t, const Bytes&) override {}
};

class RunWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto q = app::LoopQueue::create();
    ASSERT_TRUE(q.ok());
    queue = std::move(*q);
    runner::RunnerConfig rc;
    rc.grace = std::chrono::milliseconds(200);
    archive::ZipOptions results;
    results.max_entries = 64;
    results.max_content_bytes = 1 << 20;
    worker = std::make_unique<app::RunWorker>(rc, results, *queue);
    AgentOptions o;
    o.work_dir = dir.path();
    auto a = Agent::open(o, out, *worker);
    ASSERT_TRUE(a.ok());
    agent = std::move(*a);
    worker->set_agent(agent.get());
  }

  // Puts a manifest without datasets and uploads `script` as the bin algorithm: the run starts.
  void start(const std::string& id, const std::string& script, std::optional<int> timeout = {}) {
    auto k = PrivateKey::generate(KeyType::kEd25519);
    auto c = PrivateKey::generate(KeyType::kEd25519);
    const Bytes sha = digest(HashAlg::kSha3_256, script);
    nlohmann::json m = {{"id", id}};
    m["algorithm"] = {{"hash", to_hex(sha)}, {"userKey", k->public_key().to_pem()}};
    m["result_consumers"] = {{{"userKey", c->public_key().to_pem()}}};
    if (timeout) m["timeout_s"] = *timeout;
    ASSERT_TRUE(agent->manifest_put(m).ok());
    UploadBeginRequest r;
    r.item = "algorithm";
    r.size = script.size();
    r.sha3 = sha;
    r.signature = *k->sign(as_bytes(upload_statement(id, UploadItem::algorithm(), sha)));
    auto ready = agent->upload_begin(r);
    ASSERT_TRUE(ready.ok());
    agent->upload_chunk(ready->upload_id, 0, Chunk::copy_of(as_bytes(script)));
    ASSERT_TRUE(end_now(*agent, ready->upload_id).ok());
    ASSERT_EQ(agent->state(), State::kRunning);
  }

  // Runs the "loop" until the agent leaves `state` (bounded by the test timeout).
  void loop_while(State state) {
    while (agent->state() == state) {
      pollfd p{queue->fd(), POLLIN, 0};
      ::poll(&p, 1, 1000);
      queue->drain();
    }
  }

  testing::TempDir dir;
  Out out;
  std::unique_ptr<app::LoopQueue> queue;
  std::unique_ptr<app::RunWorker> worker;
  std::unique_ptr<Agent> agent;
};

TEST_F(RunWorkerTest, SuccessfulRunZipsResultsAndForwardsOutput) {
  start("ok1",
        "#!/bin/sh\necho hello from algo\necho oops >&2\n"
        "echo \"sum\" > \"$RESULTS_DIR/out.txt\"\nmkdir -p \"$RESULTS_DIR/sub\"\n"
        "echo x > \"$RESULTS_DIR/sub/y\"\n");
  loop_while(State::kRunning);
  ASSERT_EQ(agent->state(), State::kResultsReady) << out.events.back().details["reason"];
  const std::string zip = dir.path() + "/computations/ok1/results.zip";
  ASSERT_TRUE(std::filesystem::exists(zip));
  EXPECT_EQ(out.events.back().details.at("result_sha3_256"),
            to_hex(*digest_file(HashAlg::kSha3_256, zip)));
  testing::TempDir unpacked;
  ASSERT_TRUE(archive::extract_zip(zip, unpacked.path() + "/r").ok());
  EXPECT_EQ(testing::read_text(unpacked.path() + "/r/out.txt"), "sum\n");
  EXPECT_EQ(testing::read_text(unpacked.path() + "/r/sub/y"), "x\n");
  bool saw_stdout = false;
  bool saw_stderr = false;
  for (const auto& l : out.lines) {
    saw_stdout = saw_stdout || l == "stdout:hello from algo";
    saw_stderr = saw_stderr || l == "stderr:oops";
  }
  EXPECT_TRUE(saw_stdout);
  EXPECT_TRUE(saw_stderr);
  // Inputs are gone once the run is over.
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/computations/ok1/algorithm/algo"));
}

TEST_F(RunWorkerTest, NonZeroExitFailsWithTheCode) {
  start("exit3", "#!/bin/sh\necho failing\nexit 3\n");
  loop_while(State::kRunning);
  ASSERT_EQ(agent->state(), State::kFailed);
  EXPECT_EQ(out.events.back().details.at("exit_code"), "3");
}

TEST_F(RunWorkerTest, TimeoutKillsTheRun) {
  start("hang", "#!/bin/sh\nexec sleep 600\n", 1);
  loop_while(State::kRunning);
  ASSERT_EQ(agent->state(), State::kFailed);
  EXPECT_EQ(out.events.back().details.at("timed_out"), "true");
  EXPECT_EQ(out.events.back().details.at("reason"), "timeout");
}

// The fixture bounds results at 64 entries and 1 MiB: beyond either the run fails with a
// reason naming the limit, and no zip is left.
TEST_F(RunWorkerTest, ResultsBeyondTheBoundsFailTheRun) {
  start("many", "#!/bin/sh\nfor i in $(seq 100); do : > \"$RESULTS_DIR/f$i\"; done\n");
  loop_while(State::kRunning);
  ASSERT_EQ(agent->state(), State::kFailed);
  EXPECT_EQ(out.events.back().details.at("reason"),
            "results too large: more than 64 files and directories (--max-result-files, "
            "--max-result-bytes)");
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/computations/many/results.zip"));

  ASSERT_TRUE(agent->stop("next").ok());
  start("big", "#!/bin/sh\nhead -c 2000000 /dev/zero > \"$RESULTS_DIR/big\"\n");
  loop_while(State::kRunning);
  ASSERT_EQ(agent->state(), State::kFailed);
  EXPECT_EQ(out.events.back().details.at("reason"),
            "results too large: the files hold more than 1048576 bytes (--max-result-files, "
            "--max-result-bytes)");
}

TEST_F(RunWorkerTest, StopDuringRunReturnsToReceivingManifest) {
  start("stopme", "#!/bin/sh\necho started\nexec sleep 600\n");
  ASSERT_TRUE(agent->stop("test").ok());
  EXPECT_EQ(agent->state(), State::kReceivingManifest);
  // The worker's late report is ignored; a new computation can start at once.
  start("after", "#!/bin/sh\necho ok > \"$RESULTS_DIR/r\"\n");
  loop_while(State::kRunning);
  EXPECT_EQ(agent->state(), State::kResultsReady);
}

}  // namespace
}  // namespace cocos::agent
