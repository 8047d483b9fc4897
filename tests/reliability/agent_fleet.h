// tests/reliability/agent_fleet.h
//
// A manager for many real cocos-agent processes at once, for load tests: one ROUTER bound on
// tcp://127.0.0.1:*, N agent processes (each with its own work dir and log under a base dir),
// and ONE thread that serves all of them in one poll loop: hello, event (acked), ping, and the
// credit-streamed uploads of every agent interleaved. The manager library's AgentSession cannot
// do this (its upload() blocks on one agent and ignores the others' credits), so this follows
// messages/PROTOCOL.md directly with the bus library (ManagerEndpoint, CreditSender).
//
// Every wait is bounded by a deadline given by the caller and fails with "timeout" naming what
// was awaited and which agents lag. The agents are stopped (SIGTERM, then SIGKILL) and reaped
// when the fleet is dropped, and die with the test process if it is killed (PR_SET_PDEATHSIG).
//
// Not thread-safe: create, use and destroy an AgentFleet on one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>
#include <zmq.hpp>

#include "cocos/bus/credit.h"
#include "cocos/bus/manager_endpoint.h"
#include "support/process.h"

namespace cocos::reliability {

using Deadline = bus::Clock::time_point;

struct FleetOptions {
  std::string agent_bin;                // the cocos-agent program
  std::string base_dir;                 // agent i lives in base_dir/<id>/ (work/, agent.log)
  std::size_t agents = 1;               // how many to start
  std::string id_prefix = "fleet";      // agent ids are <prefix>-00, <prefix>-01, ...
  std::vector<std::string> agent_args;  // extra cocos-agent flags
  std::vector<std::string> agent_env;   // "NAME=value" set in every agent's environment
};

// One item to upload to one agent: what upload.begin announces, and the file holding exactly
// begin.size bytes.
struct UploadJob {
  messages::UploadBegin begin;
  std::string path;
};

struct UploadFigures {
  std::size_t open_at_once = 0;      // uploads open (upload.ready, no upload.end yet) when the
                                     // first chunk was sent: all of them, by construction
  double stream_seconds = 0;         // first chunk sent .. last upload.end answered ok
  std::uint64_t bytes = 0;           // sum of the uploads' sizes
  std::uint32_t max_chunk_size = 0;  // the largest chunk_size an agent offered
  std::uint32_t max_window = 0;      // the most credits an agent granted at upload.ready
};

// An open file descriptor, closed when dropped or replaced (move-only).
class FileFd {
 public:
  FileFd() = default;
  explicit FileFd(int fd) : fd_(fd) {}
  FileFd(FileFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  FileFd& operator=(FileFd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  FileFd(const FileFd&) = delete;
  FileFd& operator=(const FileFd&) = delete;
  ~FileFd() { reset(); }
  int get() const { return fd_; }
  void reset() noexcept;

 private:
  int fd_ = -1;
};

// What the manager knows about one agent.
struct FleetAgent {
  std::string id;   // agent id = its DEALER routing id
  std::string dir;  // base_dir/<id>
  std::string cid;  // the computation id this agent is given (set by the caller)
  test_support::Child proc;
  bool said_hello = false;
  std::uint64_t acked_seq = 0;  // highest event seq received and acked
  std::string state;            // agent state of the last event
  std::string failure;          // reason of a `failed` event, if any
  std::uint64_t events = 0;
  std::uint64_t logs = 0;

  // The upload in progress (upload_all).
  struct Upload {
    FileFd file;  // the job's file, open while the upload runs
    std::uint64_t size = 0;
    std::uint64_t upload_id = 0;
    std::optional<bus::CreditSender> sender;  // set by upload.ready
    std::uint32_t chunk_size = 0;             // as upload.ready offered
    std::uint32_t window = 0;                 // credits granted by upload.ready
    std::uint64_t acked = 0;                  // bytes the agent reported durable
    bool end_sent = false;
    bool ended = false;  // upload.end answered (ok or not)
    bool done = false;   // upload.end answered ok
    std::optional<Error> error;
  } up;

  std::string work_dir() const { return dir + "/work"; }
  std::string log_path() const { return dir + "/agent.log"; }
};

class AgentFleet {
 public:
  // Binds the ROUTER, starts every agent and serves until each has said hello (or `deadline`).
  // Errors: "io_error" (bind, spawn), "timeout" (agents that never said hello, named).
  static Result<std::unique_ptr<AgentFleet>> start(const FleetOptions& options, Deadline deadline);
  // Asks every agent to stop at once (SIGTERM), then reaps each (SIGKILL after a grace period).
  ~AgentFleet();
  AgentFleet(const AgentFleet&) = delete;
  AgentFleet& operator=(const AgentFleet&) = delete;

  std::size_t size() const { return agents_.size(); }
  FleetAgent& agent(std::size_t i) { return *agents_[i]; }
  const std::string& endpoint() const { return ep_->endpoint(); }

  // Sends the request make(agent) to every agent (header cid = agent.cid) and waits for every
  // reply. Fails if any agent answered `error` (each named with its code) or did not answer.
  Status request_all(const std::string& what,
                     const std::function<messages::Body(const FleetAgent&)>& make,
                     Deadline deadline);

  // One upload per agent, all at once: upload.begin to every agent, then, once EVERY agent has
  // answered upload.ready (so all N are open together), the chunks of all uploads interleaved on
  // this thread as credits allow, and upload.end to each agent whose last chunk went out. Fails
  // if any agent answered `error` (upload.begin or upload.end) or the deadline passed.
  Result<UploadFigures> upload_all(const std::function<Result<UploadJob>(const FleetAgent&)>& job,
                                   Deadline deadline);

  // Serves until every agent's last event is in `state`. A `failed` event fails at once.
  Status wait_state_all(const std::string& state, Deadline deadline);

  // Called with a one-line progress report every `progress_every` while waiting (optional).
  std::function<void(const std::string&)> progress;
  std::chrono::seconds progress_every{15};

 private:
  AgentFleet() = default;
  void handle(bus::Incoming&& in);
  // Serves until pred() holds; "timeout" at the deadline with lagging(agent) of the agents for
  // which it returns a non-empty description.
  Status run_until(const std::function<bool()>& pred, Deadline deadline, const std::string& what,
                   const std::function<std::string(const FleetAgent&)>& lagging);
  Status send_chunks(FleetAgent& a);
  // Between polls: fails (at most once a second it looks) if an agent process has exited, so a
  // crash is reported at once with its log instead of as a timeout; prints progress.
  Status between_polls(const std::string& what);
  void maybe_progress(const std::string& what);

  zmq::context_t ctx_{1};
  std::unique_ptr<bus::ManagerEndpoint> ep_;
  std::vector<std::unique_ptr<FleetAgent>> agents_;
  std::map<std::string, FleetAgent*> by_id_;
  bus::Clock::time_point last_progress_{};
  bus::Clock::time_point last_alive_check_{};
};

}  // namespace cocos::reliability
