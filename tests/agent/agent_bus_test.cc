// cocos-agent end to end over the bus: the real program, driven by a fake manager built on the
// bus library (bus_harness.h). Each test has its own work dir and ephemeral port.
#include <gtest/gtest.h>

#include <filesystem>

#include "bus_harness.h"
#include "cocos/archive/zip_extract.h"
#include "cocos/archive/zip_writer.h"
#include "cocos/messages/manifest.h"
#include "raw_zip.h"

namespace cocos::agent::testing {
namespace {

class AgentBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(mgr.ok());
    start_agent();
  }
  void TearDown() override {
    agent.kill(SIGKILL);
    if (HasFailure())
      std::fprintf(stderr, "--- agent log ---\n%s\n", read_text(log_path()).c_str());
  }
  std::string log_path() const { return dir.path() + "/agent.log"; }

  void start_agent() {
    const std::vector<std::string> args = {"--agent-id",        mgr.agent_id,
                                           "--manager",         mgr.endpoint(),
                                           "--work-dir",        dir.path() + "/work",
                                           "--log-level",       "debug",
                                           "--heartbeat",       "1",
                                           "--snp-mode",        "off",
                                           "--chunk-size",      "4096",
                                           "--upload-credits",  "4",
                                           "--default-timeout", "30"};
    ASSERT_TRUE(agent.start(args, log_path()));
    const std::size_t hellos = mgr.hellos.size();
    ASSERT_TRUE(mgr.wait_for([&] { return mgr.hellos.size() > hellos; })) << "no hello";
  }

  // Manifest JSON -> messages::Manifest (the same parser the manager uses).
  messages::Manifest manifest(const std::string& id, const std::vector<std::string>& datasets,
                              const std::string& algo, std::optional<int> timeout = {},
                              const std::string& policy = "all", bool decompress = false) {
    std::string j = "{\"id\":\"" + id + "\",\"name\":\"t\",\"algorithm\":{\"hash\":\"" +
                    to_hex(digest(HashAlg::kSha3_256, algo)) +
                    "\",\"userKey\":" + nlohmann_quote(algo_p.pem) +
                    ",\"algo_type\":\"bin\"},\"datasets\":[";
    for (std::size_t i = 0; i < datasets.size(); ++i) {
      j += (i ? "," : "") + std::string("{\"hash\":\"") +
           to_hex(digest(HashAlg::kSha3_256, datasets[i])) +
           "\",\"userKey\":" + nlohmann_quote(data_p[i].pem) + ",\"filename\":\"d" +
           std::to_string(i) + ".csv\"" + (decompress ? ",\"decompress\":true}" : "}");
    }
    j += "],\"result_consumers\":[{\"userKey\":" + nlohmann_quote(consumer.pem) +
         "},{\"userKey\":" + nlohmann_quote(consumer2.pem) + "}],\"consume_policy\":\"" + policy +
         "\"";
    if (timeout) j += ",\"timeout_s\":" + std::to_string(*timeout);
    j += "}";
    auto m = messages::parse_manifest_json(j);
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().to_string());
    return *m;
  }
  static std::string nlohmann_quote(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '\n') {
        out += "\\n";
      } else {
        out += c;
      }
    }
    return out + "\"";
  }

  messages::UploadBegin begin(const std::string& cid, const UploadItem& item,
                              const std::string& content, const Party& signer) {
    messages::UploadBegin b;
    b.item = item.kind == UploadItem::Kind::kAlgorithm ? "algorithm" : "dataset";
    b.index = item.index;
    b.filename = item.filename;
    b.size = content.size();
    b.sha3_256 = digest(HashAlg::kSha3_256, content);
    b.signature = signer.sign(upload_statement(cid, item, b.sha3_256));
    return b;
  }

  std::string put(const messages::Manifest& m) {
    messages::ManifestPut p;
    p.manifest = m;
    return FakeManager::error_code(mgr.call(p, m.id));
  }
  std::string upload_algo(const std::string& cid, const std::string& algo) {
    return FakeManager::error_code(
        mgr.upload(begin(cid, UploadItem::algorithm(), algo, algo_p), algo, cid));
  }
  std::string upload_data(const std::string& cid, std::uint32_t i, const std::string& content) {
    return FakeManager::error_code(mgr.upload(
        begin(cid, UploadItem::dataset(i, "d" + std::to_string(i) + ".csv"), content, data_p[i]),
        content, cid));
  }
  std::string state() {
    auto r = mgr.call(messages::StateGet{});
    return r && r->body<messages::State>() ? r->body<messages::State>()->state : "?";
  }

  TempDir dir;
  FakeManager mgr;
  AgentProcess agent;
  Party algo_p = Party::make();
  Party data_p[2] = {Party::make(KeyType::kEcdsa), Party::make()};
  Party consumer = Party::make();
  Party consumer2 = Party::make(KeyType::kEcdsa);
  // Sums the first column of every dataset; prints progress on stdout and stderr.
  const std::string sum_algo =
      "#!/bin/sh\nset -e\necho \"summing $(ls \"$DATASETS_DIR\" | wc -l) datasets\"\n"
      "echo 'a warning' >&2\n"
      "cat \"$DATASETS_DIR\"/*.csv | awk -F, '{s+=$1} END {print s}' > \"$RESULTS_DIR/sum.txt\"\n";
};

TEST_F(AgentBusTest, FullRunWithTwoDatasetsAndTwoConsumers) {
  const std::string d0 = "1,a\n2,b\n";
  const std::string d1(20000, '\n');  // several chunks: exercises credits
  std::string d1c = "10,x\n" + d1;
  auto m = manifest("full", {d0, d1c}, sum_algo);
  ASSERT_EQ(put(m), "");
  ASSERT_EQ(upload_algo("full", sum_algo), "");
  EXPECT_EQ(state(), "receivingData");
  ASSERT_EQ(upload_data("full", 0, d0), "");
  ASSERT_EQ(upload_data("full", 1, d1c), "");
  ASSERT_TRUE(mgr.wait_event("resultsReady", "ready"));
  EXPECT_TRUE(mgr.has_event("receivingAlgorithm", "inProgress"));
  EXPECT_TRUE(mgr.has_event("receivingData", "inProgress"));
  EXPECT_TRUE(mgr.has_event("running", "starting"));
  ASSERT_TRUE(mgr.wait_for([&] {
    for (const auto& l : mgr.logs) {
      if (l.stream == "stdout" && l.line == "summing 2 datasets") return true;
    }
    return false;
  }));
  ASSERT_EQ(mgr.fetch_result(consumer, "full"), "");
  TempDir out;
  {
    std::string zip = out.path() + "/r.zip";
    write_text(zip, mgr.result);
    ASSERT_TRUE(archive::extract_zip(zip, out.path() + "/r").ok());
    EXPECT_EQ(read_text(out.path() + "/r/sum.txt"), "13\n");
  }
  EXPECT_EQ(state(), "resultsReady") << "consume policy all: the second consumer is pending";
  ASSERT_EQ(mgr.fetch_result(consumer2, "full"), "");
  ASSERT_TRUE(mgr.wait_event("complete", "completed"));
  EXPECT_EQ(state(), "complete");
  // Sequence numbers are dense and increasing.
  for (std::size_t i = 0; i < mgr.events.size(); ++i) EXPECT_EQ(mgr.events[i].seq, i + 1);
  // After complete, a new manifest is accepted.
  ASSERT_EQ(put(manifest("next", {}, sum_algo)), "");
  EXPECT_EQ(state(), "receivingAlgorithm");
}

TEST_F(AgentBusTest, NoDatasetManifestRunsRightAfterTheAlgorithm) {
  const std::string algo = "#!/bin/sh\necho 42 > \"$RESULTS_DIR/answer\"\n";
  ASSERT_EQ(put(manifest("nodata", {}, algo, {}, "first")), "");
  ASSERT_EQ(upload_algo("nodata", algo), "");
  ASSERT_TRUE(mgr.wait_event("resultsReady", "ready"));
  EXPECT_FALSE(mgr.has_event("receivingData", "inProgress"));
  ASSERT_EQ(mgr.fetch_result(consumer2, "nodata"), "");
  ASSERT_TRUE(mgr.wait_event("complete", "completed")) << "policy first: one consumer suffices";
}

TEST_F(AgentBusTest, WrongHashThenCorrectRetry) {
  const std::string d0 = "5,z\n";
  ASSERT_EQ(put(manifest("hash", {d0}, sum_algo)), "");
  ASSERT_EQ(upload_algo("hash", sum_algo), "");
  auto b = begin("hash", UploadItem::dataset(0, "d0.csv"), d0, data_p[0]);
  EXPECT_EQ(FakeManager::error_code(mgr.upload(b, "6,z\n", "hash")), "hash_mismatch");
  EXPECT_EQ(state(), "receivingData");
  EXPECT_EQ(FakeManager::error_code(mgr.upload(b, d0, "hash")), "");
  ASSERT_TRUE(mgr.wait_event("resultsReady", "ready"));
  EXPECT_EQ(FakeManager::error_code(mgr.upload(b, d0, "hash")), "already_received");
}

TEST_F(AgentBusTest, SignaturesAreBoundToItemComputationAndProvider) {
  const std::string d0 = "1\n";
  const std::string d1 = "2\n";
  ASSERT_EQ(put(manifest("sig", {d0, d1}, sum_algo)), "");
  // Plainly wrong signature.
  auto wrong = begin("sig", UploadItem::algorithm(), sum_algo, algo_p);
  wrong.signature[3] ^= 0x5a;
  EXPECT_EQ(FakeManager::error_code(mgr.upload(wrong, sum_algo, "sig")), "bad_signature");
  // Replayed from another computation.
  auto replay = begin("other", UploadItem::algorithm(), sum_algo, algo_p);
  EXPECT_EQ(FakeManager::error_code(mgr.upload(replay, sum_algo, "sig")), "bad_signature");
  ASSERT_EQ(upload_algo("sig", sum_algo), "");
  // Dataset 1 signed by dataset 0's provider.
  auto cross = begin("sig", UploadItem::dataset(1, "d1.csv"), d1, data_p[0]);
  EXPECT_EQ(FakeManager::error_code(mgr.upload(cross, d1, "sig")), "bad_signature");
  EXPECT_EQ(upload_data("sig", 1, d1), "");
  EXPECT_EQ(upload_data("sig", 0, d0), "");
  ASSERT_TRUE(mgr.wait_event("resultsReady", "ready"));
}

TEST_F(AgentBusTest, UploadInTheWrongStateIsBadState) {
  const std::string d0 = "1\n";
  auto early = mgr.call(begin("ws", UploadItem::algorithm(), sum_algo, algo_p), "ws");
  EXPECT_EQ(FakeManager::error_code(early), "bad_state");
  ASSERT_EQ(put(manifest("ws", {d0}, sum_algo)), "");
  auto r = mgr.call(begin("ws", UploadItem::dataset(0, "d0.csv"), d0, data_p[0]), "ws");
  ASSERT_EQ(FakeManager::error_code(r), "bad_state");
  EXPECT_EQ(r->body<messages::ErrorBody>()->state.value_or(""), "receivingAlgorithm");
  EXPECT_EQ(state(), "receivingAlgorithm") << "the machine is not frozen";
  EXPECT_EQ(upload_algo("ws", sum_algo), "");
}

TEST_F(AgentBusTest, UndeclaredConsumerGetsNothing) {
  const std::string algo = "#!/bin/sh\necho secret > \"$RESULTS_DIR/s\"\n";
  ASSERT_EQ(put(manifest("cons", {}, algo)), "");
  ASSERT_EQ(upload_algo("cons", algo), "");
  ASSERT_TRUE(mgr.wait_event("resultsReady", "ready"));
  EXPECT_EQ(mgr.fetch_result(Party::make(), "cons"), "not_consumer");
  EXPECT_EQ(mgr.fetch_result(consumer, "cons", "another-computation"), "bad_challenge");
  EXPECT_TRUE(mgr.result.empty());
  EXPECT_EQ(mgr.fetch_result(consumer, "cons"), "");
}

TEST_F(AgentBusTest, AlgorithmExit3IsRunFailedWithTheCode) {
  const std::string algo = "#!/bin/sh\necho bye\nexit 3\n";
  ASSERT_EQ(put(manifest("exit3", {}, algo)), "");
  ASSERT_EQ(upload_algo("exit3", algo), "");
  ASSERT_TRUE(mgr.wait_event("failed", "failed"));
  EXPECT_EQ(mgr.find_event("failed", "failed")->details.at("exit_code"), "3");
  EXPECT_EQ(state(), "failed");
  EXPECT_EQ(FakeManager::error_code(mgr.call(messages::ResultChallenge{}, "exit3")), "bad_state");
}

TEST_F(AgentBusTest, HangingAlgorithmTimesOut) {
  const std::string algo = "#!/bin/sh\nexec sleep 600\n";
  ASSERT_EQ(put(manifest("hang", {}, algo, 1)), "");
  ASSERT_EQ(upload_algo("hang", algo), "");
  ASSERT_TRUE(mgr.wait_event("failed", "failed"));
  EXPECT_EQ(mgr.find_event("failed", "failed")->details.at("timed_out"), "true");
}

TEST_F(AgentBusTest, StopDuringRunAnswersMeanwhileAndResets) {
  const std::string algo = "#!/bin/sh\necho started\nexec sleep 600\n";
  ASSERT_EQ(put(manifest("stop", {}, algo)), "");
  ASSERT_EQ(upload_algo("stop", algo), "");
  ASSERT_TRUE(mgr.wait_event("running", "inProgress"));
  // The loop keeps answering during the run.
  EXPECT_EQ(state(), "running");
  messages::AttestationGet ag;
  ag.type = "vtpm";
  EXPECT_EQ(FakeManager::error_code(mgr.call(ag)), "attestation_unavailable");
  messages::ComputationStop stop;
  stop.reason = "operator";
  ASSERT_EQ(FakeManager::error_code(mgr.call(stop)), "");
  ASSERT_TRUE(mgr.wait_event("receivingManifest", "stopped"));
  EXPECT_EQ(mgr.find_event("receivingManifest", "stopped")->computation_id, "stop");
  EXPECT_EQ(state(), "receivingManifest");
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/work/computations/stop"));
  ASSERT_EQ(put(manifest("again", {}, algo)), "");
}

TEST_F(AgentBusTest, KilledMidUploadResumesFromTheDurableOffset) {
  // ~1.7 MiB in 4 KiB chunks: the agent holds at most 8 queued + 4 credited chunks beyond what
  // it reports written, so the upload is far from done when 8 KiB are acknowledged.
  std::string big;
  for (int i = 0; i < 200000; ++i) big += std::to_string(i) + ",x\n";
  ASSERT_EQ(put(manifest("resume", {big}, sum_algo)), "");
  ASSERT_EQ(upload_algo("resume", sum_algo), "");
  auto b = begin("resume", UploadItem::dataset(0, "d0.csv"), big, data_p[0]);
  auto partial = mgr.upload(b, big, "resume", 8192);
  ASSERT_EQ(FakeManager::error_code(partial), "");
  agent.kill(SIGKILL);
  start_agent();
  EXPECT_EQ(mgr.hellos.back().state, "receivingData");
  std::uint64_t resumed = 0;
  auto done = mgr.upload(b, big, "resume", std::nullopt, &resumed);
  ASSERT_EQ(FakeManager::error_code(done), "");
  EXPECT_GE(resumed, 8192u) << "resumed from zero";
  EXPECT_LT(resumed, big.size());
  ASSERT_TRUE(mgr.wait_event("resultsReady", "ready"));
}

TEST_F(AgentBusTest, KilledMidRunIsReportedFailedNotRerun) {
  const std::string algo = "#!/bin/sh\necho run >> \"$DATASETS_DIR/../runs\"\nexec sleep 600\n";
  ASSERT_EQ(put(manifest("midrun", {}, algo)), "");
  ASSERT_EQ(upload_algo("midrun", algo), "");
  ASSERT_TRUE(mgr.wait_event("running", "inProgress"));
  // The event precedes the algorithm's first line: wait (bounded) until the run has started
  // for real, so that "exactly one run" below can only fail if the agent re-runs it.
  const std::string runs = dir.path() + "/work/computations/midrun/runs";
  for (int i = 0; i < 1000 && read_text(runs) != "run\n"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(read_text(runs), "run\n");
  agent.kill(SIGKILL);
  start_agent();
  ASSERT_TRUE(mgr.wait_event("failed", "failed"));
  EXPECT_EQ(mgr.find_event("failed", "failed")->details.at("reason"), "agent restarted");
  EXPECT_EQ(state(), "failed");
  EXPECT_EQ(read_text(runs), "run\n") << "re-run";
  // A new manifest is accepted after the failure.
  ASSERT_EQ(put(manifest("after", {}, algo)), "");
}

TEST_F(AgentBusTest, MalformedAndOversizeMessagesGetErrorsAndTheAgentKeepsServing) {
  auto sock = mgr.ep().channel().socket();
  auto send_raw = [&](const std::string& header, const std::string& body) {
    sock.send(zmq::buffer(mgr.agent_id), zmq::send_flags::sndmore);
    sock.send(zmq::buffer(header), zmq::send_flags::sndmore);
    sock.send(zmq::buffer(body), zmq::send_flags::none);
  };
  const auto before = mgr.ep().channel().counters().late_replies;
  // Not msgpack at all: answered with id 0 (a reply no request waits for: "late").
  send_raw("\xc1garbage", "\x80");
  // A valid ping header with an oversize body (beyond the 4 MiB body limit).
  auto frames = messages::encode_message(messages::make_header(messages::MessageType::kPing, 0),
                                         messages::Ping{});
  send_raw(frames.header, std::string(5 * 1024 * 1024, '\x80'));
  ASSERT_TRUE(
      mgr.wait_for([&] { return mgr.ep().channel().counters().late_replies >= before + 2; }));
  // A request the agent does not serve.
  EXPECT_EQ(FakeManager::error_code(mgr.call(messages::Hello{})), "unknown_type");
  EXPECT_EQ(FakeManager::error_code(mgr.call(messages::Ping{})), "");
  EXPECT_EQ(state(), "receivingManifest");
}

TEST_F(AgentBusTest, ZippedDatasetIsUnpackedIntoDatasets) {
  TempDir src;
  std::filesystem::create_directories(src.path() + "/in/sub");
  write_text(src.path() + "/in/x.csv", "4\n");
  write_text(src.path() + "/in/sub/y.csv", "5\n");
  ASSERT_TRUE(archive::write_dir_zip(src.path() + "/in", src.path() + "/in.zip").ok());
  const std::string zip = read_text(src.path() + "/in.zip");
  const std::string algo =
      "#!/bin/sh\ncat \"$DATASETS_DIR/x.csv\" \"$DATASETS_DIR/sub/y.csv\" > \"$RESULTS_DIR/all\"\n"
      "ls \"$DATASETS_DIR\" > \"$RESULTS_DIR/listing\"\n";
  ASSERT_EQ(put(manifest("zip", {zip}, algo, {}, "first", true)), "");
  ASSERT_EQ(upload_algo("zip", algo), "");
  ASSERT_EQ(upload_data("zip", 0, zip), "");
  ASSERT_TRUE(mgr.wait_event("resultsReady", "ready"));
  ASSERT_EQ(mgr.fetch_result(consumer, "zip"), "");
  TempDir out;
  write_text(out.path() + "/r.zip", mgr.result);
  ASSERT_TRUE(archive::extract_zip(out.path() + "/r.zip", out.path() + "/r").ok());
  EXPECT_EQ(read_text(out.path() + "/r/all"), "4\n5\n");
  EXPECT_EQ(read_text(out.path() + "/r/listing"), "sub\nx.csv\n");
}

TEST_F(AgentBusTest, HostileZippedDatasetIsRefusedAndTheAgentKeepsServing) {
  // An entry escaping the datasets directory, then a bomb (2 MiB of zeros, ratio ~1000 > 200).
  const auto entry = [](std::string name, std::string content, bool deflate = false) {
    archive::testing::RawEntry e;
    e.name = std::move(name);
    e.content = std::move(content);
    e.deflate = deflate;
    return e;
  };
  const std::string escape = archive::testing::build_zip({entry("../../evil.sh", "echo owned\n")});
  const std::string zip_bomb = archive::testing::build_zip(
      {entry("big.csv", std::string(2 << 20, '\0'), true), entry("x.csv", "1\n")});
  ASSERT_EQ(put(manifest("hz", {escape, zip_bomb}, sum_algo, {}, "first", true)), "");
  ASSERT_EQ(upload_algo("hz", sum_algo), "");
  EXPECT_EQ(upload_data("hz", 0, escape), "bad_archive");
  EXPECT_EQ(upload_data("hz", 1, zip_bomb), "bad_archive");
  // Unpacking runs off the bus loop; the agent answered both and still answers.
  EXPECT_EQ(state(), "receivingData");
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/work/evil.sh"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/work/computations/evil.sh"));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path() + "/work/unpacking"));
}

TEST_F(AgentBusTest, RestartedManagerGetsTheEventsReplayed) {
  const std::string algo = "#!/bin/sh\nexit 0\n";
  ASSERT_EQ(put(manifest("mr", {}, algo)), "");
  ASSERT_EQ(upload_algo("mr", algo), "");
  ASSERT_TRUE(mgr.wait_event("resultsReady", "ready"));
  const std::size_t count = mgr.events.size();
  ASSERT_TRUE(mgr.restart());
  ASSERT_TRUE(mgr.wait_for([&] { return mgr.events.size() >= count; }));
  EXPECT_EQ(mgr.events.front().seq, 1u);
  EXPECT_TRUE(mgr.has_event("resultsReady", "ready"));
  EXPECT_EQ(mgr.hellos.back().state, "resultsReady");
}

TEST_F(AgentBusTest, EventsSinceReplaysInBoundedBatches) {
  const std::string algo = "#!/bin/sh\nexit 0\n";
  ASSERT_EQ(put(manifest("ev", {}, algo)), "");
  ASSERT_EQ(upload_algo("ev", algo), "");
  ASSERT_TRUE(mgr.wait_event("resultsReady", "ready"));
  messages::EventsSince q;
  q.seq = 1;
  q.max = 2;
  auto r = mgr.call(q);
  ASSERT_EQ(FakeManager::error_code(r), "");
  const auto& ev = *r->body<messages::Events>();
  ASSERT_EQ(ev.events.size(), 2u);
  EXPECT_EQ(ev.events[0].seq, 2u);
  EXPECT_TRUE(ev.more);
}

}  // namespace
}  // namespace cocos::agent::testing
