// AgentSession: the manager's conversation with one agent over a Router. It sends requests and
// waits for their replies while serving everything agents send meanwhile:
//   hello  -> hello.ok {acked_seq = last seq in that agent's event log}
//   event  -> appended to the agent's EventLog (fsync'd), THEN event.ack; gaps are filled with
//             events.since before anything newer is stored
//   ping   -> pong;  log -> observer;  upload.credit / result.chunk / result.end -> the transfer
//             in progress
// Events of any agent on the bus are stored and acknowledged, not only the session's agent's.
// Bulk transfers are credit based: never more chunks in flight than the receiver granted.
//
// Thread-compatible; the Router must outlive the session.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "cocos/common/hash.h"
#include "cocos/common/keys.h"
#include "cocos/common/statements.h"
#include "cocos/manager/event_log.h"
#include "cocos/manager/format.h"
#include "cocos/manager/router.h"

namespace cocos::manager {

using Deadline = std::chrono::steady_clock::time_point;

struct SessionObserver {
  std::function<void(const messages::Hello& hello, std::uint64_t acked_seq)> on_hello;
  std::function<void(const StoredEvent&)> on_event;  // each event once, when first stored
  std::function<void(const std::string& agent_id, const messages::Log&)> on_log;
  // Monitoring hooks (the HTTP face): any message from an agent (liveness), each event received
  // with the cumulative seq acknowledged for it (0 when it could not be stored), and transfer
  // progress (`item`: the upload item's description, or "results"; bytes done of total).
  std::function<void(const std::string& agent_id)> on_seen;
  std::function<void(const std::string& agent_id, std::uint64_t seq, std::uint64_t acked)>
      on_event_ack;
  std::function<void(const std::string& cid, const std::string& item, std::uint64_t done,
                     std::uint64_t total)>
      on_transfer;
};

// One upload: the file, what it is, and the provider's detached signature.
struct UploadSource {
  UploadItem item;
  std::string path;
  Bytes signature;
  // The file's SHA3-256 when the caller has already computed it over this very file; upload.begin
  // then carries it as is. Empty (what `cocos-manager run` does): upload() hashes the file first,
  // so a file that does not match the manifest is refused at upload.begin (hash_mismatch, not a
  // signature error), before any byte is sent. Never put the manifest's declared hash here: the
  // agent would then check the signature against a hash the file may not have.
  Bytes sha3_256;
};

struct ResultFile {
  std::uint64_t size = 0;
  Bytes sha3_256;
};

class AgentSession {
 public:
  AgentSession(Router& router, std::string events_dir, SessionObserver observer);
  ~AgentSession();
  AgentSession(const AgentSession&) = delete;
  AgentSession& operator=(const AgentSession&) = delete;

  // Waits for an agent (the one named, or any) to show itself: a hello, or any message from an
  // agent that connected before this manager started. Returns its id. Errors: "timeout".
  Result<std::string> wait_agent(const std::string& wanted, Deadline deadline);
  const std::string& agent_id() const { return agent_; }
  // The agent's last hello, if it sent one to this manager.
  const std::optional<messages::Hello>& hello() const { return hello_; }

  // Sends `request` to the session's agent and waits for its reply, serving other traffic
  // meanwhile. An `error` reply becomes an Error with the agent's code (message names the agent
  // state). Errors also: "timeout", "unreachable", "bad_message" (unexpected reply type).
  Result<Incoming> call(const messages::Body& request, const std::string& cid, Deadline deadline);

  // Serves incoming traffic until done() holds (checked after each message) or the deadline.
  // Errors: "timeout", transport errors.
  Status pump_until(const std::function<bool()>& done, Deadline deadline);

  // The last event stored for the session's agent (any computation), if any.
  const std::optional<StoredEvent>& last_event() const { return last_event_; }
  // Last seq stored for the session's agent.
  std::uint64_t stored_seq() const;

  // Uploads one item of computation `cid` (upload.begin, credit-streamed chunks, upload.end).
  // A resume offset from the agent is honoured. Agent errors come back with their codes
  // (hash_mismatch, bad_signature, ...).
  Status upload(const std::string& cid, const UploadSource& src, Progress& progress,
                Deadline deadline);

  // Proves possession of `consumer` (result.challenge, signed statement, result.get), receives
  // the result zip into `out_path` (written to a temporary file by a writer thread while this
  // thread hashes, checked against the announced size and SHA3-256, fsync'd, renamed), then
  // acknowledges it (result.ack).
  Result<ResultFile> fetch_result(const std::string& cid, const PrivateKey& consumer,
                                  const std::string& out_path, Progress& progress,
                                  Deadline deadline);

 private:
  struct UploadCredits {
    std::uint64_t acked = 0;
    std::uint64_t credits = 0;
  };
  struct ResultStream;

  Status pump_once(Deadline deadline);
  void dispatch(Incoming in);
  void handle_event(const std::string& agent, const messages::Header& h, const messages::Event& ev);
  Status backfill(const std::string& agent, Deadline deadline);
  EventLog* log_for(const std::string& agent);
  void reply(const std::string& agent, const messages::Header& request, const messages::Body& body);
  Status notice(const messages::Body& body, const std::string& cid);

  Router& router_;
  std::string events_dir_;
  SessionObserver observer_;
  std::string agent_;
  std::optional<messages::Hello> hello_;
  std::optional<StoredEvent> last_event_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, Incoming> replies_;
  std::map<std::string, EventLog> logs_;
  std::map<std::string, bool> needs_backfill_;
  bool backfilling_ = false;
  std::map<std::uint64_t, UploadCredits> uploads_;
  std::unique_ptr<ResultStream> stream_;
  std::optional<Error> fatal_;  // a failure noticed while dispatching (e.g. event log I/O)
};

}  // namespace cocos::manager
