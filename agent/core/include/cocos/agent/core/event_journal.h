// The agent's lifecycle events and their on-disk journal, so that an event the manager has not
// acknowledged survives a crash or a restart and is re-sent.
//
// Layout in the journal directory (<work>/events/):
//   journal  append-only, one JSON object per line (an EventRecord), fsync'ed after each append
//   acked    the highest sequence number the manager acknowledged (decimal), replaced atomically
// A line torn by a crash (no trailing newline, or not valid JSON) is dropped on reload and cut
// off the file, so later appends stay aligned. Acknowledged events are compacted away (journal
// rewritten to a temp file and renamed), keeping the newest `retain` acknowledged ones so that
// events.since can still show a late monitor some history.
//
// Sequence numbers are per agent, start at 1 and never go back, also across restarts.
// Not thread-safe: one owner (the agent's loop thread).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "cocos/common/result.h"

namespace cocos::agent {

struct EventRecord {
  std::uint64_t seq = 0;
  std::string state;
  std::string status;
  std::string computation_id;
  std::uint64_t timestamp_ms = 0;
  std::map<std::string, std::string> details;
};

class EventJournal {
 public:
  // Opens (creating) `dir` and reloads what a previous process left.
  static Result<EventJournal> open(const std::string& dir, std::size_t retain = 256);

  EventJournal(EventJournal&&) = default;
  EventJournal& operator=(EventJournal&&) = default;

  // Gives `record` the next sequence number, appends and fsyncs it, and returns the stored copy.
  Result<EventRecord> append(EventRecord record);

  // Cumulative acknowledgement of every event up to `seq` (values beyond last_seq are clamped).
  // Persists the mark and compacts when enough acknowledged events have piled up.
  Status ack(std::uint64_t seq);

  // The manager remembers more than we do (our work dir was wiped): continue numbering after
  // `seq` so sequence numbers stay monotonic for it.
  Status advance_to(std::uint64_t seq);

  // Up to `max` events with seq > `after`, oldest first; `more` tells whether others follow.
  std::vector<EventRecord> since(std::uint64_t after, std::size_t max, bool* more) const;

  std::uint64_t last_seq() const { return last_seq_; }
  std::uint64_t acked_seq() const { return acked_seq_; }
  std::size_t size() const { return records_.size(); }

 private:
  EventJournal(std::string dir, std::size_t retain) : dir_(std::move(dir)), retain_(retain) {}
  Status reload();
  Status compact();
  Status append_line(const std::string& line);
  std::string journal_path() const { return dir_ + "/journal"; }
  std::string acked_path() const { return dir_ + "/acked"; }

  std::string dir_;
  std::size_t retain_;
  std::deque<EventRecord> records_;
  std::uint64_t last_seq_ = 0;
  std::uint64_t acked_seq_ = 0;
};

// The JSON forms used by the journal (and by tests).
std::string event_to_json_line(const EventRecord& r);
Result<EventRecord> event_from_json_line(const std::string& line);

}  // namespace cocos::agent
