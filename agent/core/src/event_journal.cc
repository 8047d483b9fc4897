// Append-only event journal with cumulative acks and compaction (format in event_journal.h).
#include "cocos/agent/core/event_journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <nlohmann/json.hpp>

#include "cocos/agent/core/files.h"

namespace cocos::agent {

std::string event_to_json_line(const EventRecord& r) {
  nlohmann::json j = {{"seq", r.seq},
                      {"state", r.state},
                      {"status", r.status},
                      {"computation_id", r.computation_id},
                      {"timestamp_ms", r.timestamp_ms},
                      {"details", r.details}};
  // Details may carry algorithm output: replace invalid UTF-8 rather than fail.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<EventRecord> event_from_json_line(const std::string& line) {
  try {
    auto j = nlohmann::json::parse(line);
    EventRecord r;
    r.seq = j.at("seq").get<std::uint64_t>();
    r.state = j.at("state").get<std::string>();
    r.status = j.at("status").get<std::string>();
    r.computation_id = j.at("computation_id").get<std::string>();
    r.timestamp_ms = j.at("timestamp_ms").get<std::uint64_t>();
    r.details = j.at("details").get<std::map<std::string, std::string>>();
    return r;
  } catch (const nlohmann::json::exception& e) {
    return make_error("io_error", std::string("bad journal record: ") + e.what());
  }
}

Result<EventJournal> EventJournal::open(const std::string& dir, std::size_t retain) {
  if (auto st = make_dirs(dir); !st) return st.take_error();
  EventJournal j(dir, retain);
  if (auto st = j.reload(); !st) return st.take_error();
  return j;
}

Status EventJournal::reload() {
  auto acked = read_file(acked_path());
  if (acked) {
    std::uint64_t v = 0;
    const std::string& s = *acked;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc()) acked_seq_ = v;
  } else if (acked.error().code != "not_found") {
    return acked.take_error();
  }
  auto content = read_file(journal_path());
  if (!content) {
    if (content.error().code == "not_found") {
      last_seq_ = acked_seq_;
      return ok_status();
    }
    return content.take_error();
  }
  const std::string& text = *content;
  std::size_t pos = 0;
  std::size_t good_end = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) break;  // torn tail: no newline, the append never completed
    auto rec = event_from_json_line(text.substr(pos, nl - pos));
    if (!rec) break;  // a damaged line ends the trustworthy prefix
    if (rec->seq > last_seq_) {
      last_seq_ = rec->seq;
      records_.push_back(std::move(*rec));
    }
    pos = nl + 1;
    good_end = pos;
  }
  if (good_end < text.size()) {
    // Cut the torn tail so the next append starts on a line boundary.
    if (::truncate(journal_path().c_str(), static_cast<off_t>(good_end)) != 0) {
      return errno_error(journal_path(), errno);
    }
  }
  if (acked_seq_ > last_seq_) last_seq_ = acked_seq_;
  return ok_status();
}

Status EventJournal::append_line(const std::string& line) {
  UniqueFd fd(::open(journal_path().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!fd.valid()) return errno_error(journal_path(), errno);
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(fd.get(), p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(journal_path(), errno);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  // Durability is the point of the journal: an event is "kept" only once it is on disk.
  if (::fsync(fd.get()) != 0) return errno_error(journal_path(), errno);
  return ok_status();
}

Result<EventRecord> EventJournal::append(EventRecord record) {
  record.seq = last_seq_ + 1;
  if (auto st = append_line(event_to_json_line(record) + "\n"); !st) return st.take_error();
  last_seq_ = record.seq;
  records_.push_back(record);
  return record;
}

Status EventJournal::ack(std::uint64_t seq) {
  if (seq > last_seq_) seq = last_seq_;
  if (seq <= acked_seq_) return ok_status();
  if (auto st = write_file_atomic(acked_path(), std::to_string(seq)); !st) return st;
  acked_seq_ = seq;
  std::size_t acked_count = 0;
  for (const auto& r : records_) {
    if (r.seq <= acked_seq_) ++acked_count;
  }
  if (acked_count > 2 * retain_) return compact();
  return ok_status();
}

Status EventJournal::advance_to(std::uint64_t seq) {
  if (seq <= last_seq_) return ok_status();
  if (auto st = write_file_atomic(acked_path(), std::to_string(seq)); !st) return st;
  last_seq_ = seq;
  acked_seq_ = seq;
  return ok_status();
}

Status EventJournal::compact() {
  std::size_t acked_count = 0;
  for (const auto& r : records_) {
    if (r.seq <= acked_seq_) ++acked_count;
  }
  std::deque<EventRecord> kept = records_;
  while (acked_count > retain_ && !kept.empty() && kept.front().seq <= acked_seq_) {
    kept.pop_front();
    --acked_count;
  }
  std::string content;
  for (const auto& r : kept) content += event_to_json_line(r) + "\n";
  if (auto st = write_file_atomic(journal_path(), content); !st) return st;
  records_ = std::move(kept);
  return ok_status();
}

std::vector<EventRecord> EventJournal::since(std::uint64_t after, std::size_t max,
                                             bool* more) const {
  std::vector<EventRecord> out;
  bool has_more = false;
  for (const auto& r : records_) {
    if (r.seq <= after) continue;
    if (out.size() >= max) {
      has_more = true;
      break;
    }
    out.push_back(r);
  }
  if (more) *more = has_more;
  return out;
}

}  // namespace cocos::agent
