// The manager's durable event log: one JSON-lines file per agent (<dir>/<agent-id>.jsonl),
// each event appended and fsync'd before the manager acknowledges it to the agent, so an event
// the agent has dropped from its journal is always on the manager's disk.
//
// Contract: events of one agent are stored in increasing seq order, each seq exactly once.
// append() stores an event only when its seq is exactly last_seq() + 1; an older seq is a
// duplicate (the agent re-sent it after a reconnect) and a newer one reveals a gap the caller
// must fill first (events.since). Only when the agent no longer holds the missing events may the
// caller store across the gap (allow_gap). A torn last line left by a crash is cut off when the
// log is opened.
// Thread-compatible: one EventLog per agent, used by one thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cocos/common/result.h"

namespace cocos::manager {

// An agent lifecycle event as the manager stores it (the wire `event` body plus the agent id).
struct StoredEvent {
  std::string agent_id;
  std::uint64_t seq = 0;
  std::string state;
  std::string status;
  std::string computation_id;
  std::uint64_t timestamp_ms = 0;
  std::map<std::string, std::string> details;
  bool operator==(const StoredEvent&) const = default;
};

// One JSON object, no newline: {"agent_id":..,"seq":..,"state":..,...,"details":{..}}.
std::string event_to_json(const StoredEvent& e);
// Error "bad_event" naming the field when the line is not such an object.
Result<StoredEvent> event_from_json(std::string_view line);

enum class AppendOutcome {
  kStored,     // written and fsync'd
  kDuplicate,  // seq <= last_seq(): already stored, nothing written
  kGap,        // seq > last_seq() + 1: nothing written; fetch the missing events first
};

class EventLog {
 public:
  // Opens (creating the directory and file when needed) the log of `agent_id` under `dir`.
  // Errors: "io_error"; "bad_event" for a corrupt line that is not the last one; "bad_agent_id"
  // when the id is not usable as a file name.
  static Result<EventLog> open(const std::string& dir, const std::string& agent_id);

  EventLog(EventLog&& o) noexcept;
  EventLog& operator=(EventLog&& o) noexcept;
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;
  ~EventLog();

  // Highest seq stored (0 when empty): the value for hello.ok's acked_seq.
  std::uint64_t last_seq() const { return last_seq_; }
  const std::string& path() const { return path_; }
  const std::string& agent_id() const { return agent_id_; }

  // Stores `e` (its agent_id is set to this log's). Errors: "io_error" (write or fsync failed;
  // the event must then not be acknowledged). With allow_gap a seq beyond last_seq() + 1 is
  // stored too (never an older one).
  Result<AppendOutcome> append(StoredEvent e, bool allow_gap = false);

  // Every stored event, in order (re-reads the file).
  Result<std::vector<StoredEvent>> read_all() const;

 private:
  EventLog(std::string path, std::string agent_id, int fd, std::uint64_t last_seq)
      : path_(std::move(path)), agent_id_(std::move(agent_id)), fd_(fd), last_seq_(last_seq) {}
  std::string path_;
  std::string agent_id_;
  int fd_ = -1;
  std::uint64_t last_seq_ = 0;
};

// Whether `id` can name a log file: 1..128 chars of [A-Za-z0-9._-], not "." or "..".
bool valid_agent_id(std::string_view id);

}  // namespace cocos::manager
