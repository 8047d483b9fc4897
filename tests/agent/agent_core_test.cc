// Agent (core) driven in-process: the real state machine, journal, upload sinks and files, with
// an Outbox that records what would go on the bus and a RunPort whose runs the test finishes.
// Covers the upload authentication rules (signature bound to item and computation, each dataset
// to its own provider), the state guards, the consume policy and the restart rules.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cocos/agent/core/agent.h"
#include "cocos/archive/zip_extract.h"
#include "cocos/archive/zip_writer.h"
#include "cocos/common/hash.h"
#include "cocos/common/keys.h"
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

struct RecordingOutbox : Outbox {
  std::vector<EventRecord> events;
  std::vector<std::string> logs;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> credits;  // (upload id, acked)
  std::string result_bytes;
  bool result_ended = false;
  void event(const EventRecord& r) override { events.push_back(r); }
  void log(std::string_view, std::string_view stream, std::string_view line,
           std::uint64_t) override {
    logs.push_back(std::string(stream) + ":" + std::string(line));
  }
  void upload_credit(std::uint64_t id, std::uint64_t acked, std::uint32_t) override {
    credits.emplace_back(id, acked);
  }
  Result<std::size_t> result_chunk(std::uint64_t, std::uint64_t, std::size_t size,
                                   const ChunkFill& fill) override {
    std::string buf(size, '\0');
    auto n = fill(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(buf.data()), size));
    if (n) result_bytes.append(buf, 0, *n);
    return n;
  }
  void result_end(std::uint64_t, std::uint64_t, const Bytes&) override { result_ended = true; }
};

// Records starts; the test decides how each run ends (the real runner is in the integration
// tests). Writes a results.zip stand-in so results can be streamed.
struct ManualRunPort : RunPort {
  std::vector<std::pair<RunSpec, std::uint64_t>> started;
  std::vector<std::uint64_t> stopped;
  Status start(const RunSpec& spec, std::uint64_t token) override {
    started.emplace_back(spec, token);
    return ok_status();
  }
  void stop(std::uint64_t token) override { stopped.push_back(token); }
};

struct Party {
  PrivateKey key;
  std::string pem;
  static Party make() {
    auto k = PrivateKey::generate(KeyType::kEd25519);
    return Party{*k, k->public_key().to_pem()};
  }
  Bytes sign(const std::string& statement) const { return *key.sign(as_bytes(statement)); }
};

class AgentCoreTest : public ::testing::Test {
 protected:
  AgentCoreTest()
      : algo_p(Party::make()),
        d0_p(Party::make()),
        d1_p(Party::make()),
        consumer(Party::make()),
        other(Party::make()) {}

  std::unique_ptr<Agent> open(Unpacker unpacker = {}) {
    AgentOptions o;
    o.work_dir = dir.path();
    o.chunk_size = 8;
    o.upload_credits = 4;
    o.unpack_zip = std::move(unpacker);
    auto a = Agent::open(o, out, runs);
    EXPECT_TRUE(a.ok()) << (a.ok() ? "" : a.error().to_string());
    return a.ok() ? std::move(*a) : nullptr;
  }

  nlohmann::json manifest(const std::string& id, int datasets, bool consume_all = true) {
    nlohmann::json m = {{"id", id}, {"name", "test"}};
    m["algorithm"] = {{"hash", to_hex(digest(HashAlg::kSha3_256, algo))},
                      {"userKey", algo_p.pem},
                      {"algo_type", "bin"}};
    m["datasets"] = nlohmann::json::array();
    if (datasets > 0) {
      m["datasets"].push_back({{"hash", to_hex(digest(HashAlg::kSha3_256, data0))},
                               {"userKey", d0_p.pem},
                               {"filename", "a.csv"}});
    }
    if (datasets > 1) {
      m["datasets"].push_back({{"hash", to_hex(digest(HashAlg::kSha3_256, data1))},
                               {"userKey", d1_p.pem},
                               {"filename", "b.csv"}});
    }
    m["result_consumers"] = {{{"userKey", consumer.pem}}, {{"userKey", other.pem}}};
    m["consume_policy"] = consume_all ? "all" : "first";
    return m;
  }

  UploadBeginRequest begin_req(const std::string& cid, const UploadItem& item,
                               const std::string& content, const Party& signer) {
    UploadBeginRequest r;
    r.item = item.kind == UploadItem::Kind::kAlgorithm ? "algorithm" : "dataset";
    r.index = item.index;
    r.filename = item.filename;
    r.size = content.size();
    r.sha3 = digest(HashAlg::kSha3_256, content);
    r.signature = signer.sign(upload_statement(cid, item, r.sha3));
    return r;
  }

  // Streams `content` in 8-byte chunks and ends the upload.
  Result<UploadDone> upload(Agent& a, const UploadBeginRequest& r, const std::string& content) {
    auto ready = a.upload_begin(r);
    if (!ready) return ready.take_error();
    for (std::size_t off = ready->offset; off < content.size(); off += 8) {
      a.upload_chunk(ready->upload_id, off,
                     Chunk::copy_of(as_bytes(std::string_view(content).substr(off, 8))));
    }
    return end_now(a, ready->upload_id);
  }

  testing::TempDir dir;
  RecordingOutbox out;
  ManualRunPort runs;
  Party algo_p, d0_p, d1_p, consumer, other;
  std::string algo = "#!/bin/sh\necho hi\n";
  std::string data0 = "x,y\n1,2\n3,4\n";
  std::string data1 = "x,y\n5,6\n";
};

TEST_F(AgentCoreTest, FreshAgentIsReceivingManifest) {
  auto a = open();
  EXPECT_EQ(a->state(), State::kReceivingManifest);
  ASSERT_FALSE(out.events.empty());
  EXPECT_EQ(out.events.back().state, "receivingManifest");
  EXPECT_EQ(out.events.back().seq, 1u);
}

TEST_F(AgentCoreTest, SignatureForAnotherItemOrComputationIsRefused) {
  auto a = open();
  ASSERT_TRUE(a->manifest_put(manifest("c1", 2)).ok());
  // Replayed from another computation.
  auto replay = begin_req("c0", UploadItem::algorithm(), algo, algo_p);
  auto r = a->upload_begin(replay);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_signature");
  // The algorithm provider's signature over the requirements statement does not pass for the
  // algorithm item.
  auto wrong_item = begin_req("c1", UploadItem::algorithm(), algo, algo_p);
  wrong_item.signature = algo_p.sign(
      upload_statement("c1", UploadItem::requirements(), digest(HashAlg::kSha3_256, algo)));
  r = a->upload_begin(wrong_item);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_signature");
  // Correct one passes.
  auto done = upload(*a, begin_req("c1", UploadItem::algorithm(), algo, algo_p), algo);
  ASSERT_TRUE(done.ok()) << done.error().to_string();
  EXPECT_EQ(a->state(), State::kReceivingData);
  // Dataset 1 signed by dataset 0's provider: another provider's key is not enough.
  auto cross = begin_req("c1", UploadItem::dataset(1, "b.csv"), data1, d0_p);
  r = a->upload_begin(cross);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_signature");
  // Dataset 0's statement (index 0) reused for index 1.
  auto moved = begin_req("c1", UploadItem::dataset(1, "b.csv"), data1, d1_p);
  moved.signature = d1_p.sign(upload_statement("c1", UploadItem::dataset(0, "b.csv"), moved.sha3));
  r = a->upload_begin(moved);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_signature");
}

TEST_F(AgentCoreTest, HashMismatchThenCorrectRetryAndSecondUploadRefused) {
  auto a = open();
  ASSERT_TRUE(a->manifest_put(manifest("c2", 1)).ok());
  ASSERT_TRUE(upload(*a, begin_req("c2", UploadItem::algorithm(), algo, algo_p), algo).ok());
  // Announce the right hash but send other bytes of the same size.
  auto req = begin_req("c2", UploadItem::dataset(0, "a.csv"), data0, d0_p);
  std::string bad = data0;
  bad[0] = 'z';
  auto r = upload(*a, req, bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "hash_mismatch");
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/computations/c2/staging/dataset-0"));
  EXPECT_EQ(a->state(), State::kReceivingData);
  auto again = upload(*a, req, data0);
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(a->state(), State::kRunning);
  ASSERT_EQ(runs.started.size(), 1u);
  EXPECT_EQ(testing::read_text(runs.started[0].first.datasets_dir + "/a.csv"), data0);
  auto second = a->upload_begin(req);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, "already_received");
}

TEST_F(AgentCoreTest, LostChunksGiveSizeMismatchAndTheUploadResumes) {
  auto a = open();
  ASSERT_TRUE(a->manifest_put(manifest("lost", 1)).ok());
  ASSERT_TRUE(upload(*a, begin_req("lost", UploadItem::algorithm(), algo, algo_p), algo).ok());
  auto req = begin_req("lost", UploadItem::dataset(0, "a.csv"), data0, d0_p);
  auto ready = a->upload_begin(req);
  ASSERT_TRUE(ready.ok());
  a->upload_chunk(ready->upload_id, 0,
                  Chunk::copy_of(as_bytes(std::string_view(data0).substr(0, 8))));
  // The chunk at 8 was lost: the one at 10 is dropped, not written out of place.
  a->upload_chunk(ready->upload_id, 10,
                  Chunk::copy_of(as_bytes(std::string_view(data0).substr(10))));
  auto end = end_now(*a, ready->upload_id);
  ASSERT_FALSE(end.ok());
  EXPECT_EQ(end.error().code, "size_mismatch");
  const auto report = a->state_report();
  ASSERT_EQ(report.items.size(), 2u);
  EXPECT_EQ(report.items[1].item, "dataset");
  EXPECT_FALSE(report.items[1].received);
  EXPECT_EQ(report.items[1].bytes, 8u) << "partial bytes held are reported";
  auto again = a->upload_begin(req);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->offset, 8u) << "the received prefix is kept for the resume";
  a->upload_chunk(again->upload_id, 8, Chunk::copy_of(as_bytes(std::string_view(data0).substr(8))));
  auto done = end_now(*a, again->upload_id);
  ASSERT_TRUE(done.ok()) << done.error().to_string();
  // A retried upload.end (lost reply) answers the same.
  auto retried = end_now(*a, again->upload_id);
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(retried->bytes, data0.size());
}

TEST_F(AgentCoreTest, WrongStateUploadsAreBadState) {
  auto a = open();
  UploadBeginRequest r;
  r.item = "algorithm";
  auto before = a->upload_begin(r);
  ASSERT_FALSE(before.ok());
  EXPECT_EQ(before.error().code, "bad_state");
  EXPECT_NE(before.error().message.find("receivingManifest"), std::string::npos);
  ASSERT_TRUE(a->manifest_put(manifest("c3", 1)).ok());
  auto early = a->upload_begin(begin_req("c3", UploadItem::dataset(0, "a.csv"), data0, d0_p));
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, "bad_state");
  auto second_manifest = a->manifest_put(manifest("c4", 1));
  ASSERT_FALSE(second_manifest.ok());
  EXPECT_EQ(second_manifest.error().code, "bad_state");
  // The same manifest again is an idempotent ok.
  EXPECT_TRUE(a->manifest_put(manifest("c3", 1)).ok());
  EXPECT_FALSE(a->result_challenge().ok());
}

TEST_F(AgentCoreTest, NoDatasetRunResultsAndConsumePolicyAll) {
  auto a = open();
  ASSERT_TRUE(a->manifest_put(manifest("c5", 0)).ok());
  ASSERT_TRUE(upload(*a, begin_req("c5", UploadItem::algorithm(), algo, algo_p), algo).ok());
  ASSERT_EQ(a->state(), State::kRunning);
  ASSERT_EQ(runs.started.size(), 1u);
  const auto& [spec, token] = runs.started[0];
  const std::string zip = "PK-not-really-a-zip-but-bytes";
  testing::write_text(spec.results_zip, zip);
  RunOutcome ok;
  ok.success = true;
  ok.exit_code = 0;
  ok.zip_size = zip.size();
  ok.zip_sha3 = digest(HashAlg::kSha3_256, zip);
  a->run_finished(token, ok);
  ASSERT_EQ(a->state(), State::kResultsReady);

  auto fetch = [&](const Party& who) -> Status {
    auto ch = a->result_challenge();
    if (!ch) return ch.take_error();
    auto ready = a->result_get(who.pem, who.sign(result_challenge_statement("c5", *ch)));
    if (!ready) return ready.take_error();
    out.result_bytes.clear();
    out.result_ended = false;
    a->result_credit(ready->stream_id, 100);
    EXPECT_TRUE(out.result_ended);
    EXPECT_EQ(out.result_bytes, zip);
    return a->result_ack(ready->stream_id);
  };
  auto stranger = Party::make();
  auto refused = fetch(stranger);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "not_consumer");
  // A signature over a challenge for another computation does not count.
  auto ch = a->result_challenge();
  ASSERT_TRUE(ch.ok());
  auto replay = a->result_get(consumer.pem, consumer.sign(result_challenge_statement("cX", *ch)));
  ASSERT_FALSE(replay.ok());
  EXPECT_EQ(replay.error().code, "bad_challenge");

  ASSERT_TRUE(fetch(consumer).ok());
  EXPECT_EQ(a->state(), State::kResultsReady) << "policy all: one consumer is not enough";
  EXPECT_EQ(a->state_report().consumers_pending, 1u);
  ASSERT_TRUE(fetch(other).ok());
  EXPECT_EQ(a->state(), State::kComplete);
  // After complete a new manifest starts a new computation and the old directory goes.
  ASSERT_TRUE(a->manifest_put(manifest("c6", 0)).ok());
  EXPECT_EQ(a->state(), State::kReceivingAlgorithm);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/computations/c5"));
}

TEST_F(AgentCoreTest, FailedRunCarriesExitCode) {
  auto a = open();
  ASSERT_TRUE(a->manifest_put(manifest("c7", 0, false)).ok());
  ASSERT_TRUE(upload(*a, begin_req("c7", UploadItem::algorithm(), algo, algo_p), algo).ok());
  RunOutcome bad;
  bad.exit_code = 3;
  bad.error = "algorithm exited with code 3";
  a->run_finished(runs.started.at(0).second, bad);
  EXPECT_EQ(a->state(), State::kFailed);
  EXPECT_EQ(out.events.back().status, "failed");
  EXPECT_EQ(out.events.back().details.at("exit_code"), "3");
}

TEST_F(AgentCoreTest, StopKillsRunAndReturnsToReceivingManifest) {
  auto a = open();
  ASSERT_TRUE(a->manifest_put(manifest("c8", 0)).ok());
  ASSERT_TRUE(upload(*a, begin_req("c8", UploadItem::algorithm(), algo, algo_p), algo).ok());
  const auto token = runs.started.at(0).second;
  ASSERT_TRUE(a->stop("operator").ok());
  EXPECT_EQ(a->state(), State::kReceivingManifest);
  ASSERT_EQ(runs.stopped.size(), 1u);
  EXPECT_EQ(runs.stopped[0], token);
  EXPECT_EQ(out.events.back().status, "stopped");
  EXPECT_EQ(out.events.back().computation_id, "c8");
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/computations/c8"));
  // The late report of the killed run changes nothing.
  RunOutcome killed;
  killed.stopped = true;
  a->run_finished(token, killed);
  EXPECT_EQ(a->state(), State::kReceivingManifest);
}

TEST_F(AgentCoreTest, RestartMidRunIsReportedFailedAndMidUploadResumes) {
  {
    auto a = open();
    ASSERT_TRUE(a->manifest_put(manifest("c9", 1)).ok());
    ASSERT_TRUE(upload(*a, begin_req("c9", UploadItem::algorithm(), algo, algo_p), algo).ok());
    auto req = begin_req("c9", UploadItem::dataset(0, "a.csv"), data0, d0_p);
    auto ready = a->upload_begin(req);
    ASSERT_TRUE(ready.ok());
    a->upload_chunk(ready->upload_id, 0,
                    Chunk::copy_of(as_bytes(std::string_view(data0).substr(0, 8))));
    a->upload_chunk(ready->upload_id, 8,
                    Chunk::copy_of(as_bytes(std::string_view(data0).substr(8, 4))));
  }  // "killed"
  {
    auto a = open();
    EXPECT_EQ(a->state(), State::kReceivingData);
    auto req = begin_req("c9", UploadItem::dataset(0, "a.csv"), data0, d0_p);
    auto ready = a->upload_begin(req);
    ASSERT_TRUE(ready.ok());
    EXPECT_EQ(ready->offset, 12u) << "resumes after the bytes already on disk";
    a->upload_chunk(ready->upload_id, 12,
                    Chunk::copy_of(as_bytes(std::string_view(data0).substr(12))));
    ASSERT_TRUE(end_now(*a, ready->upload_id).ok());
    EXPECT_EQ(a->state(), State::kRunning);
  }  // killed while running
  auto a = open();
  EXPECT_EQ(a->state(), State::kFailed);
  EXPECT_EQ(out.events.back().details.at("reason"), "agent restarted");
  EXPECT_EQ(runs.started.size(), 1u) << "never silently re-run";
}

// An unpacker that holds every job until the test answers it, as the app's worker thread would
// answer later; answer() stages the archive for real (archive::stage_zip).
struct DeferredUnpacker {
  struct Job {
    std::string zip, staging_parent;
    std::stop_token cancel;
    UnpackDone done;
  };
  std::vector<Job> jobs;
  Unpacker unpacker() {
    return [this](const std::string& zip, const std::string& parent, std::stop_token cancel,
                  UnpackDone done) {
      jobs.push_back({zip, parent, cancel, std::move(done)});
    };
  }
  static Result<UnpackedTree> stage(const Job& j) {
    auto staged = archive::stage_zip(j.zip, j.staging_parent, {}, j.cancel);
    if (!staged) return staged.take_error();
    auto held = std::make_shared<archive::StagedZip>(std::move(*staged));
    return UnpackedTree{[held](const std::string& target) { return held->commit_into(target); }};
  }
};

class AgentUnpackTest : public AgentCoreTest {
 protected:
  // A zip holding x.csv, and a manifest whose one dataset is that zip, flagged decompress.
  void SetUp() override {
    const std::string in = dir.path() + "/zip-src";
    std::filesystem::create_directories(in);
    testing::write_text(in + "/x.csv", data0);
    ASSERT_TRUE(archive::write_dir_zip(in, dir.path() + "/d.zip").ok());
    zip = testing::read_text(dir.path() + "/d.zip");
    std::filesystem::remove_all(in);
    a = open(unpacker.unpacker());
    ASSERT_TRUE(a);
    auto m = manifest("cz", 1);
    m["datasets"][0] = {{"hash", to_hex(digest(HashAlg::kSha3_256, zip))},
                        {"userKey", d0_p.pem},
                        {"filename", "d.zip"},
                        {"decompress", true}};
    ASSERT_TRUE(a->manifest_put(m).ok());
    ASSERT_TRUE(upload(*a, begin_req("cz", UploadItem::algorithm(), algo, algo_p), algo).ok());
    ASSERT_EQ(a->state(), State::kReceivingData);
  }
  // Sends the zip and ends the upload; the reply lands in `replies`.
  std::uint64_t send_zip() {
    auto ready = a->upload_begin(begin_req("cz", UploadItem::dataset(0, "d.zip"), zip, d0_p));
    EXPECT_TRUE(ready.ok()) << (ready.ok() ? "" : ready.error().to_string());
    if (!ready) return 0;
    for (std::size_t off = 0; off < zip.size(); off += 8) {  // the fixture's chunk size
      a->upload_chunk(ready->upload_id, off,
                      Chunk::copy_of(as_bytes(std::string_view(zip).substr(off, 8))));
    }
    a->upload_end(ready->upload_id, collect());
    return ready->upload_id;
  }
  Agent::UploadEndReply collect() {
    return [this](Result<UploadDone> r) { replies.push_back(std::move(r)); };
  }
  std::size_t staged_entries() const {
    std::size_t n = 0;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir.path() + "/unpacking", ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); ++it) {
      ++n;
    }
    return n;
  }

  std::string zip;
  DeferredUnpacker unpacker;
  std::unique_ptr<Agent> a;
  std::vector<Result<UploadDone>> replies;
};

TEST_F(AgentUnpackTest, UploadEndWaitsForTheUnpackerAndARetryGetsTheSameAnswer) {
  const std::uint64_t id = send_zip();
  ASSERT_EQ(unpacker.jobs.size(), 1u);
  EXPECT_TRUE(replies.empty()) << "answered before the archive was unpacked";
  a->upload_end(id, collect());  // the manager retried (its reply timed out)
  EXPECT_TRUE(replies.empty());
  // The same item cannot be sent again meanwhile (it would overwrite the archive being read).
  auto again = a->upload_begin(begin_req("cz", UploadItem::dataset(0, "d.zip"), zip, d0_p));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "busy");
  EXPECT_EQ(a->state(), State::kReceivingData);

  const auto& job = unpacker.jobs[0];
  job.done(DeferredUnpacker::stage(job));
  ASSERT_EQ(replies.size(), 2u);
  for (const auto& r : replies) {
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->bytes, zip.size());
  }
  EXPECT_EQ(testing::read_text(dir.path() + "/computations/cz/datasets/x.csv"), data0);
  EXPECT_FALSE(std::filesystem::exists(job.zip)) << "the archive itself is not kept";
  EXPECT_EQ(staged_entries(), 0u);
  EXPECT_EQ(a->state(), State::kRunning);
  EXPECT_EQ(runs.started.size(), 1u);
  auto retried = end_now(*a, id);  // and later retries answer the same
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(retried->bytes, zip.size());
}

TEST_F(AgentUnpackTest, StopWhileUnpackingCancelsAnswersBadStateAndDropsWhatIsUnpackedLater) {
  send_zip();
  ASSERT_EQ(unpacker.jobs.size(), 1u);
  EXPECT_FALSE(unpacker.jobs[0].cancel.stop_requested());
  ASSERT_TRUE(a->stop("operator").ok());
  EXPECT_TRUE(unpacker.jobs[0].cancel.stop_requested()) << "the extraction was not cancelled";
  ASSERT_EQ(replies.size(), 1u);
  ASSERT_FALSE(replies[0].ok());
  EXPECT_EQ(replies[0].error().code, "bad_state");
  // The worker finishes afterwards (here: cancelled before its first entry): nothing is
  // committed anywhere and nothing stays staged.
  auto late = DeferredUnpacker::stage(unpacker.jobs[0]);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, "cancelled");
  unpacker.jobs[0].done(std::move(late));
  EXPECT_EQ(replies.size(), 1u);
  EXPECT_EQ(staged_entries(), 0u);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/computations/cz"));
  EXPECT_EQ(a->state(), State::kReceivingManifest);
}

TEST_F(AgentUnpackTest, ALateAnswerDoesNotLeakIntoTheNextComputation) {
  send_zip();
  ASSERT_EQ(unpacker.jobs.size(), 1u);
  ASSERT_TRUE(a->stop("operator").ok());
  ASSERT_TRUE(a->manifest_put(manifest("next", 1)).ok());
  // The old job answers only now, even with a tree it had staged before the cancel.
  auto tree = UnpackedTree{[](const std::string& target) {
    testing::write_text(target + "/leaked.csv", "x");
    return ok_status();
  }};
  unpacker.jobs[0].done(std::move(tree));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/computations/next/datasets/leaked.csv"));
  EXPECT_EQ(staged_entries(), 0u);
  EXPECT_EQ(a->state(), State::kReceivingAlgorithm);
}

TEST_F(AgentUnpackTest, DroppingTheAgentCancelsTheExtraction) {
  send_zip();
  ASSERT_EQ(unpacker.jobs.size(), 1u);
  const std::stop_token cancel = unpacker.jobs[0].cancel;
  a.reset();
  EXPECT_TRUE(cancel.stop_requested());
}

TEST_F(AgentUnpackTest, RefusedArchiveIsAnsweredAndTheDatasetCanBeSentAgain) {
  send_zip();
  unpacker.jobs[0].done(make_error("bad_archive", "path escape: '../x'"));
  ASSERT_EQ(replies.size(), 1u);
  ASSERT_FALSE(replies[0].ok());
  EXPECT_EQ(replies[0].error().code, "bad_archive");
  const auto report = a->state_report();
  EXPECT_FALSE(report.items.back().received);
  EXPECT_EQ(a->state(), State::kReceivingData);
  replies.clear();
  send_zip();  // from offset 0: the refused archive was discarded
  ASSERT_EQ(unpacker.jobs.size(), 2u);
  unpacker.jobs[1].done(DeferredUnpacker::stage(unpacker.jobs[1]));
  ASSERT_EQ(replies.size(), 1u);
  ASSERT_TRUE(replies[0].ok()) << replies[0].error().to_string();
  EXPECT_EQ(a->state(), State::kRunning);
}

TEST_F(AgentUnpackTest, HalfUnpackedLeftoversAreRemovedOnRestart) {
  send_zip();
  auto tree = DeferredUnpacker::stage(unpacker.jobs[0]);
  ASSERT_TRUE(tree.ok());
  a.reset();  // the agent dies while the worker's tree is staged
  std::filesystem::create_directories(dir.path() + "/unpacking/.extract-left");
  testing::write_text(dir.path() + "/unpacking/.extract-left/x", "x");
  a = open(unpacker.unpacker());
  ASSERT_TRUE(a);
  EXPECT_EQ(staged_entries(), 0u);
  EXPECT_EQ(a->state(), State::kReceivingData);
  EXPECT_FALSE(a->state_report().items.back().received) << "the dataset must be sent again";
}

}  // namespace
}  // namespace cocos::agent
