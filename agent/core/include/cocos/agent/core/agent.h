// The agent's brain: one computation at a time, driven by requests from the manager and by
// reports from the run worker, always through the transition table (state_machine.h).
//
// Which request is accepted where (anything else: bad_state naming the current state):
//   state.get, events.since, computation.stop          any state
//   manifest.put     receivingManifest, complete, failed (the last two reset first); the very same
//                    manifest again while it is being served is an idempotent ok
//   upload.*         algorithm/requirements in receivingAlgorithm, datasets in receivingData;
//                    chunk/end/abort need an open upload id
//   result.*         resultsReady and complete
// Every state change (and every received item, run start, served consumer) is journaled and
// handed to the Outbox as an event. state.json is rewritten atomically after each change.
//
// Restart: open() reloads state.json. A computation that was running is reported failed with
// reason "agent restarted" (never silently re-run); any other state resumes as it was, partial
// uploads resume from their staged prefix.
//
// Not thread-safe: all calls on the loop thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include "cocos/agent/core/event_journal.h"
#include "cocos/agent/core/persisted_state.h"
#include "cocos/agent/core/ports.h"
#include "cocos/agent/core/state_machine.h"
#include "cocos/agent/core/upload_sink.h"
#include "cocos/common/statements.h"

namespace cocos::agent {

// What an unpacker hands back: the archive checked and extracted into a private directory, not yet
// in place. commit(target_dir) moves it under target_dir (no top-level name may collide); dropping
// it uncommitted removes the files.
struct UnpackedTree {
  std::function<Status(const std::string& target_dir)> commit;
};
using UnpackDone = std::function<void(Result<UnpackedTree>)>;
// Unpacks `zip` safely (no escapes, no links, size limits) into a new directory under
// `staging_parent`, then calls `done` ON THE LOOP THREAD. The agent app runs the extraction on a
// worker thread so that a large archive never stalls the bus loop; a synchronous implementation
// may call `done` before returning. `cancel` is requested when the computation ends meanwhile
// (stop, new manifest, agent gone): the extraction should then end early, and `done` is still
// called (its outcome is dropped).
using Unpacker = std::function<void(const std::string& zip, const std::string& staging_parent,
                                    std::stop_token cancel, UnpackDone done)>;

struct AgentOptions {
  std::string work_dir;
  std::uint32_t chunk_size = 1 << 20;  // upload chunk size offered in upload.ready
  std::uint32_t upload_credits = 8;    // chunks in flight per upload
  std::uint64_t max_upload_bytes = 1ULL << 34;
  std::uint32_t result_chunk_size = 1 << 20;
  std::size_t max_result_streams = 4;
  std::chrono::seconds default_timeout{3600};
  std::size_t event_retain = 256;
  // Unpacks a dataset zip (datasets flagged decompress; required for them). See Unpacker.
  Unpacker unpack_zip;
};

struct UploadBeginRequest {
  std::string item;  // "algorithm" | "requirements" | "dataset"
  std::uint32_t index = 0;
  std::string filename;
  std::uint64_t size = 0;
  Bytes sha3;
  Bytes signature;
};

struct UploadReady {
  std::uint64_t upload_id = 0;
  std::uint64_t offset = 0;
  std::uint32_t chunk_size = 0;
  std::uint32_t credits = 0;
};

struct UploadDone {
  std::string item;
  std::uint64_t bytes = 0;
};

struct ResultReady {
  std::uint64_t stream_id = 0;
  std::uint64_t size = 0;
  Bytes sha3;
};

struct ItemStatus {
  std::string item;         // "algorithm" | "requirements" | "dataset"
  std::uint32_t index = 0;  // datasets
  std::string filename;     // datasets
  bool received = false;
  std::uint64_t bytes = 0;
};

struct StateReport {
  std::string state;
  std::string computation_id;
  std::string status;
  std::uint64_t seq = 0;
  std::vector<ItemStatus> items;
  std::uint64_t consumers_pending = 0;
};

class Agent {
 public:
  // Opens the work directory, reloads state and journal, applies the restart rules and, for a
  // fresh agent, fires start (idle -> receivingManifest).
  static Result<std::unique_ptr<Agent>> open(AgentOptions options, Outbox& outbox, RunPort& runs);
  // Call once the RunPort is ready (after open): finishes a step a crash interrupted. An agent
  // killed after persisting the last received item but before persisting the transition it
  // triggers restarts with every item held and the state not advanced; nothing would ever
  // advance it (found by tests/reliability/soak.sh). The run never started, so starting it now
  // is not a re-run.
  void resume_interrupted_step();
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // --- requests from the manager -------------------------------------------------------------
  StateReport state_report() const;
  Status manifest_put(const nlohmann::json& manifest);
  Result<UploadReady> upload_begin(const UploadBeginRequest& req);
  // Notice: errors are kept on the upload and reported by upload_end.
  void upload_chunk(std::uint64_t upload_id, std::uint64_t offset, Chunk data);
  // Calls `reply` exactly once: before returning, or, for a dataset flagged decompress, once the
  // unpacker is done (a retried upload.end of that upload gets the same outcome then). A stop or
  // a new manifest meanwhile answers bad_state.
  using UploadEndReply = std::function<void(Result<UploadDone>)>;
  void upload_end(std::uint64_t upload_id, UploadEndReply reply);
  Status upload_abort(std::uint64_t upload_id);
  Result<Bytes> result_challenge();
  Result<ResultReady> result_get(const std::string& consumer_key,
                                 std::span<const std::uint8_t> signature);
  void result_credit(std::uint64_t stream_id, std::uint32_t credits);
  Status result_ack(std::uint64_t stream_id);
  Status stop(const std::string& reason);
  std::vector<EventRecord> events_since(std::uint64_t seq, std::size_t max, bool* more) const;

  // --- from the manager's replies ------------------------------------------------------------
  void events_acked(std::uint64_t seq);
  // hello.ok: the manager already holds everything up to `acked_seq`.
  void manager_acked(std::uint64_t acked_seq);

  // --- from the run worker (on the loop thread) ----------------------------------------------
  void run_log(std::uint64_t token, std::string_view stream, std::string_view line,
               std::uint64_t dropped);
  void run_finished(std::uint64_t token, const RunOutcome& outcome);

  // --- for the app ---------------------------------------------------------------------------
  State state() const { return sm_.state(); }
  std::string computation_id() const { return ps_.spec ? ps_.spec->id : std::string(); }
  const std::optional<ComputationSpec>& spec() const { return ps_.spec; }
  const EventJournal& journal() const { return journal_; }
  // Emits an agent-level warning event (e.g. a worker could not report).
  void warn(const std::string& what);

 private:
  struct UploadSession;
  struct ResultStream;
  // A dataset whose bytes are complete and checked, being unpacked by the unpacker.
  struct Unpacking {
    std::unique_ptr<UploadSession> session;
    std::vector<UploadEndReply> replies;  // upload.end and its retries
    std::stop_source cancel;              // requested when the computation ends first
  };

  Agent(AgentOptions options, Outbox& outbox, RunPort& runs, EventJournal journal);
  Status restore();
  Status persist();
  // Journals and sends an event for the current state; `cid` overrides the computation id.
  void emit(EventStatus status, std::map<std::string, std::string> details = {},
            const std::string* cid = nullptr);
  Result<State> fire(Event e);
  std::string comp_dir() const;
  std::string comp_dir_for(const std::string& cid) const;
  std::string state_path() const;
  void clear_computation();
  void enter_running();
  void fail(const std::string& reason, std::map<std::string, std::string> details = {});
  // Records a received item (state.json, event) once its bytes are in place (`target`: the
  // file; empty for an unpacked archive).
  Status record_item(UploadSession& s, const std::string& target);
  // Keeps the answer of a finished upload for retried upload.ends (the last 64).
  UploadDone remember_finished(std::uint64_t upload_id, const UploadSession& s);
  // The unpacker's answer for an upload in unpacking_: commit, record, answer its replies.
  void finish_unpack(std::uint64_t upload_id, Result<UnpackedTree> tree);
  // Where unpackers stage archives (beside computations/, so a commit is a rename).
  std::string unpack_staging_dir() const;
  void after_item_received();
  Result<UploadItem> resolve_item(const UploadBeginRequest& req, std::string* stored_name,
                                  const std::string** key, const Bytes** declared) const;
  static std::string item_key(const UploadItem& item);
  Error state_error(const std::string& what) const;

  AgentOptions opt_;
  Outbox& outbox_;
  RunPort& runs_;
  EventJournal journal_;
  StateMachine sm_;
  PersistedState ps_;
  std::uint64_t next_id_;
  std::map<std::uint64_t, std::unique_ptr<UploadSession>> uploads_;
  std::map<std::uint64_t, std::unique_ptr<ResultStream>> streams_;
  std::deque<Bytes> challenges_;
  std::map<std::uint64_t, UploadDone> finished_uploads_;  // answers a retried upload.end
  std::map<std::uint64_t, Unpacking> unpacking_;
  std::map<std::uint64_t, bool> acked_streams_;  // answers a retried result.ack
  bool run_active_ = false;
};

}  // namespace cocos::agent
