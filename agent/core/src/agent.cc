// Agent lifecycle: opening and restart rules, manifest, run start/finish, stop, events.
#include "cocos/agent/core/agent.h"

#include <openssl/rand.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "agent_internal.h"

namespace cocos::agent {

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

namespace {

std::uint64_t random_u64() {
  std::uint64_t v = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v) != 1) {
    v = now_ms();
  }
  // Ids stay well below 2^53 so that JSON tools and other languages read them exactly.
  return (v >> 12) | 1;
}

}  // namespace

Agent::Agent(AgentOptions options, Outbox& outbox, RunPort& runs, EventJournal journal)
    : opt_(std::move(options)),
      outbox_(outbox),
      runs_(runs),
      journal_(std::move(journal)),
      next_id_(random_u64()) {}

Agent::~Agent() {
  if (run_active_) runs_.stop(ps_.run_token);
  for (auto& [id, u] : unpacking_) u.cancel.request_stop();
}

Result<std::unique_ptr<Agent>> Agent::open(AgentOptions options, Outbox& outbox, RunPort& runs) {
  if (auto st = make_dirs(options.work_dir + "/computations"); !st) return st.take_error();
  auto journal = EventJournal::open(options.work_dir + "/events", options.event_retain);
  if (!journal) return journal.take_error();
  std::unique_ptr<Agent> a(new Agent(std::move(options), outbox, runs, std::move(*journal)));
  // Archives half unpacked when the last process ended: nobody will commit them.
  if (auto st = remove_tree(a->unpack_staging_dir()); !st) return st.take_error();
  if (auto st = a->restore(); !st) return st.take_error();
  return a;
}

std::string Agent::state_path() const {
  return opt_.work_dir + "/state.json";
}
std::string Agent::comp_dir_for(const std::string& cid) const {
  return opt_.work_dir + "/computations/" + cid;
}
std::string Agent::comp_dir() const {
  return comp_dir_for(computation_id());
}

Status Agent::restore() {
  auto loaded = load_state(state_path());
  if (!loaded) return loaded.take_error();
  ps_ = std::move(*loaded);
  sm_ = StateMachine(ps_.state);
  if (ps_.state == State::kIdle) {
    if (auto r = fire(Event::kStart); !r) return r.take_error();
    if (auto st = persist(); !st) return st;
    emit(EventStatus::kReady, {{"reason", "agent started"}});
    return ok_status();
  }
  if (ps_.state == State::kRunning) {
    // The child died with the old process; re-running it silently could double side effects.
    fail("agent restarted");
    return ok_status();
  }
  emit(EventStatus::kWarning, {{"reason", "agent restarted; state restored"}});
  return ok_status();
}

void Agent::resume_interrupted_step() {
  if (!ps_.spec) return;
  if (sm_.state() == State::kReceivingAlgorithm || sm_.state() == State::kReceivingData) {
    after_item_received();
  }
}

Status Agent::persist() {
  ps_.state = sm_.state();
  return save_state(state_path(), ps_);
}

Result<State> Agent::fire(Event e) {
  TransitionContext ctx;
  if (ps_.spec) ctx.dataset_count = ps_.spec->datasets.size();
  return sm_.fire(e, ctx);
}

void Agent::emit(EventStatus status, std::map<std::string, std::string> details,
                 const std::string* cid) {
  EventRecord r;
  r.state = std::string(state_name(sm_.state()));
  r.status = std::string(status_name(status));
  r.computation_id = cid ? *cid : computation_id();
  r.timestamp_ms = now_ms();
  r.details = std::move(details);
  ps_.status = r.status;
  auto stored = journal_.append(std::move(r));
  if (!stored) {
    // Journal failure (disk full): still publish, with seq 0, so that monitors learn about it.
    EventRecord lost;
    lost.state = std::string(state_name(sm_.state()));
    lost.status = std::string(status_name(EventStatus::kWarning));
    lost.computation_id = computation_id();
    lost.timestamp_ms = now_ms();
    lost.details = {{"error", "event journal: " + stored.error().to_string()}};
    outbox_.event(lost);
    return;
  }
  outbox_.event(*stored);
}

void Agent::warn(const std::string& what) {
  emit(EventStatus::kWarning, {{"warning", what}});
}

Error Agent::state_error(const std::string& what) const {
  return make_error("bad_state",
                    what + " is not accepted in state " + std::string(state_name(sm_.state())));
}

StateReport Agent::state_report() const {
  StateReport r;
  r.state = std::string(state_name(sm_.state()));
  r.computation_id = computation_id();
  r.status = ps_.status;
  r.seq = journal_.last_seq();
  if (ps_.spec) {
    // Items not yet received report the bytes staged so far (a resume point), as PROTOCOL.md
    // asks: "bytes held, complete or partial".
    auto held = [&](const ItemProgress& p, const UploadItem& item) -> std::uint64_t {
      if (p.received) return p.bytes;
      std::error_code ec;
      auto n = std::filesystem::file_size(comp_dir() + "/staging/" + item_key(item), ec);
      return ec ? 0 : static_cast<std::uint64_t>(n);
    };
    r.items.push_back(
        {"algorithm", 0, "", ps_.algorithm.received, held(ps_.algorithm, UploadItem::algorithm())});
    if (ps_.spec->algorithm.requirements_sha3) {
      r.items.push_back({"requirements", 0, "", ps_.requirements.received,
                         held(ps_.requirements, UploadItem::requirements())});
    }
    for (std::size_t i = 0; i < ps_.datasets.size(); ++i) {
      const auto idx = static_cast<std::uint32_t>(i);
      r.items.push_back({"dataset", idx, ps_.spec->datasets[i].filename, ps_.datasets[i].received,
                         held(ps_.datasets[i], UploadItem::dataset(idx, ""))});
    }
    for (bool served : ps_.consumers_served) {
      if (!served) ++r.consumers_pending;
    }
  }
  return r;
}

void Agent::clear_computation() {
  // Archives still being unpacked: the extraction is cancelled and their upload.end is answered
  // now; what the unpacker hands back later finds no entry and is dropped (finish_unpack).
  auto unpacking = std::move(unpacking_);
  unpacking_.clear();
  for (auto& [id, u] : unpacking) {
    u.cancel.request_stop();
    for (auto& reply : u.replies) {
      reply(make_error("bad_state", "the computation ended while " + u.session->item.describe() +
                                        " was being unpacked"));
    }
  }
  uploads_.clear();
  streams_.clear();
  challenges_.clear();
  finished_uploads_.clear();
  acked_streams_.clear();
  if (ps_.spec) {
    if (auto st = remove_tree(comp_dir()); !st) warn("cleanup: " + st.error().to_string());
  }
  const std::string status = ps_.status;
  const std::uint64_t token = ps_.run_token;
  ps_ = PersistedState{};
  ps_.status = status;
  ps_.run_token = token;
}

Status Agent::manifest_put(const nlohmann::json& manifest) {
  auto spec = ComputationSpec::from_json(manifest);
  if (!spec) return spec.take_error();
  const State s = sm_.state();
  if (s != State::kReceivingManifest && s != State::kComplete && s != State::kFailed) {
    // A manager that re-sends the manifest it already gave us (after a reconnect) gets ok.
    if (ps_.spec && ps_.spec->to_json() == spec->to_json()) return ok_status();
    return state_error("manifest.put");
  }
  if (s == State::kComplete || s == State::kFailed) {
    clear_computation();
    if (auto r = fire(Event::kReset); !r) return r.take_error();
    if (auto st = persist(); !st) return st;
    emit(EventStatus::kReady, {{"reason", "previous computation closed"}});
  }
  // A stale directory with this id (an earlier computation reusing it) must not leak in.
  if (auto st = remove_tree(comp_dir_for(spec->id)); !st) return st;
  const std::string dir = comp_dir_for(spec->id);
  for (const char* sub : {"/algorithm", "/datasets", "/results", "/staging"}) {
    if (auto st = make_dirs(dir + sub); !st) return st;
  }
  ps_.spec = std::move(*spec);
  ps_.algorithm = {};
  ps_.requirements = {};
  ps_.datasets.assign(ps_.spec->datasets.size(), ItemProgress{});
  ps_.consumers_served.assign(ps_.spec->consumers.size(), false);
  ps_.result.reset();
  ps_.failure.clear();
  if (auto r = fire(Event::kManifestReceived); !r) return r.take_error();
  if (auto st = persist(); !st) {
    // Could not make it durable: undo, so memory and disk agree.
    sm_ = StateMachine(State::kReceivingManifest);
    ps_.spec.reset();
    return st;
  }
  emit(EventStatus::kInProgress, {{"name", ps_.spec->name},
                                  {"datasets", std::to_string(ps_.spec->datasets.size())},
                                  {"consumers", std::to_string(ps_.spec->consumers.size())}});
  return ok_status();
}

void Agent::fail(const std::string& reason, std::map<std::string, std::string> details) {
  auto r = fire(Event::kRunFailed);
  if (!r) {
    warn("cannot fail: " + r.error().message);
    return;
  }
  ps_.failure = reason;
  // The inputs are confidential and of no use any more.
  if (ps_.spec) {
    (void)remove_tree(comp_dir() + "/datasets");
    (void)remove_tree(comp_dir() + "/algorithm");
    (void)remove_tree(comp_dir() + "/staging");
  }
  uploads_.clear();
  details["reason"] = reason;
  if (auto st = persist(); !st) details["persist_error"] = st.error().to_string();
  emit(EventStatus::kFailed, std::move(details));
}

void Agent::enter_running() {
  const ComputationSpec& spec = *ps_.spec;
  const std::string dir = comp_dir();
  ps_.run_token += 1;
  if (auto st = persist(); !st) {
    fail("cannot persist state: " + st.error().to_string());
    return;
  }
  emit(EventStatus::kStarting, {{"algo_type", spec.algorithm.type}});
  RunSpec run;
  run.computation_id = spec.id;
  run.algo_type = spec.algorithm.type;
  run.algorithm_path = dir + "/algorithm/algo";
  if (spec.algorithm.requirements_sha3) run.requirements_path = dir + "/algorithm/requirements.txt";
  run.args = spec.algorithm.args;
  run.work_dir = dir;
  run.datasets_dir = dir + "/datasets";
  run.results_dir = dir + "/results";
  run.results_zip = dir + "/results.zip";
  run.timeout = spec.timeout_s ? std::chrono::seconds(*spec.timeout_s) : opt_.default_timeout;
  run.network = spec.network;
  if (auto st = make_dirs(run.results_dir); !st) {
    fail("cannot create results directory: " + st.error().to_string());
    return;
  }
  if (auto st = runs_.start(run, ps_.run_token); !st) {
    fail("cannot start the run: " + st.error().to_string());
    return;
  }
  run_active_ = true;
  emit(EventStatus::kInProgress, {{"timeout_s", std::to_string(run.timeout.count())}});
}

void Agent::run_log(std::uint64_t token, std::string_view stream, std::string_view line,
                    std::uint64_t dropped) {
  if (token != ps_.run_token || !ps_.spec) return;
  outbox_.log(ps_.spec->id, stream, line, dropped);
}

void Agent::run_finished(std::uint64_t token, const RunOutcome& outcome) {
  if (token != ps_.run_token || !run_active_) return;  // a stopped or superseded run
  run_active_ = false;
  std::map<std::string, std::string> details{{"exit_code", std::to_string(outcome.exit_code)}};
  if (sm_.state() != State::kRunning) return;
  if (!outcome.success) {
    if (outcome.timed_out) details["timed_out"] = "true";
    if (!outcome.error.empty()) details["error"] = outcome.error;
    std::string reason = outcome.timed_out ? "timeout" : outcome.error;
    if (reason.empty()) reason = "algorithm exited with code " + std::to_string(outcome.exit_code);
    fail(reason, std::move(details));
    return;
  }
  ps_.result = ResultInfo{outcome.zip_size, outcome.zip_sha3};
  (void)remove_tree(comp_dir() + "/datasets");
  (void)remove_tree(comp_dir() + "/algorithm");
  (void)remove_tree(comp_dir() + "/results");
  auto r = fire(Event::kRunComplete);
  if (!r) {
    warn(r.error().message);
    return;
  }
  details["result_size"] = std::to_string(outcome.zip_size);
  details["result_sha3_256"] = to_hex(outcome.zip_sha3);
  if (auto st = persist(); !st) details["persist_error"] = st.error().to_string();
  emit(EventStatus::kReady, std::move(details));
}

Status Agent::stop(const std::string& reason) {
  if (run_active_) {
    runs_.stop(ps_.run_token);
    run_active_ = false;
  }
  const std::string cid = computation_id();
  clear_computation();
  if (sm_.state() != State::kReceivingManifest) {
    if (auto r = fire(Event::kStop); !r) return r.take_error();
  }
  auto st = persist();
  std::map<std::string, std::string> details{{"reason", reason.empty() ? "stopped" : reason}};
  if (!st) details["persist_error"] = st.error().to_string();
  emit(EventStatus::kStopped, std::move(details), &cid);
  return st;
}

std::vector<EventRecord> Agent::events_since(std::uint64_t seq, std::size_t max, bool* more) const {
  return journal_.since(seq, max, more);
}

void Agent::events_acked(std::uint64_t seq) {
  if (auto st = journal_.ack(seq); !st) warn("event journal: " + st.error().to_string());
}

void Agent::manager_acked(std::uint64_t acked_seq) {
  if (acked_seq > journal_.last_seq()) {
    if (auto st = journal_.advance_to(acked_seq); !st) {
      warn("event journal: " + st.error().to_string());
    }
    return;
  }
  events_acked(acked_seq);
}

}  // namespace cocos::agent
