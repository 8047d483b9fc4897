// EventLog: JSON-lines file per agent, appended with O_APPEND and fsync'd per event.
#include "cocos/manager/event_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace cocos::manager {
namespace {

using nlohmann::json;

Error io_error(const std::string& what, const std::string& path) {
  return make_error("io_error", what + " " + path + ": " + std::strerror(errno));
}

// Writes all of `data` (write may be partial) and makes it durable.
Status write_durably(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot write", path);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd) != 0) return io_error("cannot fsync", path);
  return ok_status();
}

// The directory entry of a new file must be durable too, or a crash could lose the whole file.
void fsync_dir(const std::string& dir) {
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("io_error", "cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

bool valid_agent_id(std::string_view id) {
  if (id.empty() || id.size() > 128 || id == "." || id == "..") return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string event_to_json(const StoredEvent& e) {
  json j = {{"agent_id", e.agent_id},
            {"seq", e.seq},
            {"state", e.state},
            {"status", e.status},
            {"computation_id", e.computation_id},
            {"timestamp_ms", e.timestamp_ms},
            {"details", e.details}};
  // Replace invalid UTF-8 rather than fail: details come from the agent and are informational.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<StoredEvent> event_from_json(std::string_view line) {
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return make_error("bad_event", "not a JSON object");
  StoredEvent e;
  auto str = [&](const char* k, std::string& out) -> Status {
    auto it = j.find(k);
    if (it == j.end() || !it->is_string())
      return make_error("bad_event", std::string("field '") + k + "' missing or not a string");
    out = it->get<std::string>();
    return ok_status();
  };
  auto uint = [&](const char* k, std::uint64_t& out) -> Status {
    auto it = j.find(k);
    if (it == j.end() || !it->is_number_unsigned())
      return make_error("bad_event", std::string("field '") + k + "' missing or not unsigned");
    out = it->get<std::uint64_t>();
    return ok_status();
  };
  for (auto s : {str("agent_id", e.agent_id), str("state", e.state), str("status", e.status),
                 str("computation_id", e.computation_id), uint("seq", e.seq),
                 uint("timestamp_ms", e.timestamp_ms)}) {
    if (!s) return s.take_error();
  }
  auto d = j.find("details");
  if (d != j.end()) {
    if (!d->is_object()) return make_error("bad_event", "field 'details' is not an object");
    for (auto& [k, v] : d->items()) {
      if (!v.is_string()) return make_error("bad_event", "details value '" + k + "' not a string");
      e.details[k] = v.get<std::string>();
    }
  }
  return e;
}

Result<EventLog> EventLog::open(const std::string& dir, const std::string& agent_id) {
  if (!valid_agent_id(agent_id))
    return make_error("bad_agent_id", "agent id '" + agent_id + "' cannot name a log file");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error("io_error", "cannot create " + dir + ": " + ec.message());
  std::string path = (std::filesystem::path(dir) / (agent_id + ".jsonl")).string();

  bool existed = std::filesystem::exists(path, ec);
  std::uint64_t last = 0;
  if (existed) {
    auto text = read_file(path);
    if (!text) return text.take_error();
    // A line without its newline was being written when the previous manager died: it was
    // never acknowledged, so dropping it loses nothing (the agent sends it again).
    std::size_t good = text->rfind('\n');
    good = good == std::string::npos ? 0 : good + 1;
    if (good != text->size()) {
      if (::truncate(path.c_str(), static_cast<off_t>(good)) != 0)
        return io_error("cannot truncate torn line of", path);
    }
    std::size_t pos = 0;
    std::size_t lineno = 0;
    while (pos < good) {
      std::size_t nl = text->find('\n', pos);
      std::string_view line(text->data() + pos, nl - pos);
      pos = nl + 1;
      ++lineno;
      if (line.empty()) continue;
      auto e = event_from_json(line);
      if (!e)
        return make_error("bad_event",
                          path + " line " + std::to_string(lineno) + ": " + e.error().message);
      if (e->seq <= last)
        return make_error("bad_event", path + " line " + std::to_string(lineno) + ": seq " +
                                           std::to_string(e->seq) + " not increasing");
      last = e->seq;
    }
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return io_error("cannot open", path);
  if (!existed) fsync_dir(dir);
  return EventLog(std::move(path), agent_id, fd, last);
}

EventLog::EventLog(EventLog&& o) noexcept
    : path_(std::move(o.path_)),
      agent_id_(std::move(o.agent_id_)),
      fd_(std::exchange(o.fd_, -1)),
      last_seq_(o.last_seq_) {}

EventLog& EventLog::operator=(EventLog&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(o.path_);
    agent_id_ = std::move(o.agent_id_);
    fd_ = std::exchange(o.fd_, -1);
    last_seq_ = o.last_seq_;
  }
  return *this;
}

EventLog::~EventLog() {
  if (fd_ >= 0) ::close(fd_);
}

Result<AppendOutcome> EventLog::append(StoredEvent e, bool allow_gap) {
  if (e.seq <= last_seq_) return AppendOutcome::kDuplicate;
  if (e.seq != last_seq_ + 1 && !allow_gap) return AppendOutcome::kGap;
  e.agent_id = agent_id_;
  std::string line = event_to_json(e);
  line.push_back('\n');
  off_t before = ::lseek(fd_, 0, SEEK_END);
  auto st = write_durably(fd_, line, path_);
  if (!st) {
    // Never leave half a line behind for the next append to glue onto.
    if (before >= 0 && ::ftruncate(fd_, before) != 0) {
      // Nothing more to do: open() cuts a torn last line anyway.
    }
    return st.take_error();
  }
  last_seq_ = e.seq;
  return AppendOutcome::kStored;
}

Result<std::vector<StoredEvent>> EventLog::read_all() const {
  auto text = read_file(path_);
  if (!text) return text.take_error();
  std::vector<StoredEvent> out;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto e = event_from_json(line);
    if (!e) return e.take_error();
    out.push_back(std::move(*e));
  }
  return out;
}

}  // namespace cocos::manager
