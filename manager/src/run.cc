// run_computation: one computation from manifest to verified results.
#include "cocos/manager/run.h"

#include <stdlib.h>

#include <filesystem>
#include <set>

#include "cocos/manager/agent_session.h"
#include "cocos/manager/checksum.h"
#include "cocos/manager/observers.h"
#include "cocos/manager/offline_tools.h"
#include "cocos/messages/manifest.h"

namespace cocos::manager {

namespace m = cocos::messages;
using Clock = std::chrono::steady_clock;

namespace {

// A private scratch directory for packed directory datasets, removed when the run ends.
class ScratchDir {
 public:
  ScratchDir() = default;
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  Result<std::string> get() {
    if (path_.empty()) {
      std::string tmpl = (std::filesystem::temp_directory_path() / "cocos-manager-XXXXXX").string();
      if (::mkdtemp(tmpl.data()) == nullptr)
        return make_error("io_error", "cannot create a temporary directory");
      path_ = tmpl;
    }
    return path_;
  }

 private:
  std::string path_;
};

struct PlannedUpload {
  UploadSource source;
  std::string label;
};

bool is_terminal_or_ready(const std::string& s) {
  return s == "resultsReady" || s == "complete" || s == "failed" || s == "stopped";
}

std::string failure_reason(const std::optional<StoredEvent>& e) {
  if (!e) return "the agent reported failure";
  std::string s;
  for (const auto& [k, v] : e->details) s += (s.empty() ? "" : ", ") + k + "=" + v;
  return s.empty() ? "the agent reported failure (no details)" : s;
}

// Builds the upload list from the command line and the manifest, refusing arguments that do not
// match the manifest before any byte is sent.
Result<std::vector<PlannedUpload>> plan_uploads(const RunConfig& c, const m::Manifest& mf,
                                                ScratchDir& scratch) {
  std::vector<PlannedUpload> plan;
  if (!c.requirements.empty()) {
    auto sig = read_signature_file(c.requirements_sig);
    if (!sig) return sig.take_error();
    plan.push_back({{UploadItem::requirements(), c.requirements, *sig, {}}, "requirements"});
  } else if (mf.algorithm.requirements_hash) {
    return make_error("usage",
                      "the manifest declares requirements: pass --requirements and "
                      "--requirements-sig");
  }
  auto algo_sig = read_signature_file(c.algorithm_sig);
  if (!algo_sig) return algo_sig.take_error();
  plan.push_back({{UploadItem::algorithm(), c.algorithm, *algo_sig, {}}, "algorithm"});

  std::vector<std::optional<PlannedUpload>> by_index(mf.datasets.size());
  for (const auto& d : c.datasets) {
    std::string name = std::filesystem::path(d.path).filename().string();
    if (name.empty()) name = std::filesystem::path(d.path).parent_path().filename().string();
    std::size_t index = mf.datasets.size();
    for (std::size_t i = 0; i < mf.datasets.size(); ++i) {
      if (mf.datasets[i].filename == name) index = i;
    }
    if (index == mf.datasets.size())
      return make_error(
          "usage", "dataset " + d.path + ": the manifest declares no file named '" + name + "'");
    if (by_index[index]) return make_error("usage", "dataset '" + name + "' given twice");
    std::string path = d.path;
    std::error_code ec;
    if (std::filesystem::is_directory(d.path, ec)) {
      auto dir = scratch.get();
      if (!dir) return dir.take_error();
      path = *dir + "/" + name + ".zip";
      if (auto st = pack_directory(d.path, path); !st) return st.take_error();
    }
    auto sig = read_signature_file(d.signature);
    if (!sig) return sig.take_error();
    by_index[index] = PlannedUpload{
        {UploadItem::dataset(static_cast<std::uint32_t>(index), name), path, *sig, {}},
        "dataset " + std::to_string(index) + " (" + name + ")"};
  }
  for (std::size_t i = 0; i < by_index.size(); ++i) {
    if (!by_index[i])
      return make_error("usage", "no --dataset given for manifest dataset " + std::to_string(i) +
                                     " ('" + mf.datasets[i].filename + "')");
    plan.push_back(std::move(*by_index[i]));
  }
  return plan;
}

bool already_received(const m::State& st, const UploadItem& item) {
  for (const auto& it : st.items) {
    bool same = false;
    switch (item.kind) {
      case UploadItem::Kind::kAlgorithm:
        same = it.item == "algorithm";
        break;
      case UploadItem::Kind::kRequirements:
        same = it.item == "requirements";
        break;
      case UploadItem::Kind::kDataset:
        same = it.item == "dataset" && it.index == item.index;
        break;
    }
    if (same) return it.received;
  }
  return false;
}

}  // namespace

Status run_computation(const RunConfig& c, std::ostream& out) {
  auto mf = m::load_manifest_file(c.manifest);
  if (!mf) return mf.take_error();
  const std::string cid = mf->id;
  ScratchDir scratch;
  auto plan = plan_uploads(c, *mf, scratch);
  if (!plan) return plan.take_error();
  auto consumer = PrivateKey::from_file(c.consumer_key);
  if (!consumer) return consumer.take_error();

  auto router = Router::bind(c.bind, c.router);
  if (!router) return router.take_error();
  out << "manager: bus bound at " << router->endpoint() << (router->curve() ? " (CURVE)" : "")
      << ", computation " << cid << "\n"
      << std::flush;
  const Deadline deadline = Clock::now() + c.timeout;

  std::string phase;  // latest state of this computation, from events and state replies
  std::optional<StoredEvent> failed_event;
  SessionObserver tracking;
  tracking.on_event = [&](const StoredEvent& e) {
    if (e.computation_id != cid) return;
    phase = e.state;
    if (e.state == "failed") failed_event = e;
    // computation.stop (by an operator) ends the computation without a result.
    if (e.status == "stopped") phase = "stopped";
  };
  // Printed first, then tracked; the monitor (HTTP face) sees everything the run prints, plus
  // liveness and transfers.
  const SessionObserver obs =
      chain_observers(chain_observers(printing_observer(out), std::move(tracking)), c.monitor);
  AgentSession session(*router, c.events_dir, obs);
  // The computation itself; afterwards the session may be held open (below).
  auto drive = [&]() -> Status {
    auto agent = session.wait_agent(c.agent, deadline);
    if (!agent) return agent.take_error();

    auto st = session.call(m::StateGet{}, cid, deadline);
    if (!st) return st.take_error();
    m::State state = std::get<m::State>(st->envelope.body);
    const bool closed = state.state == "complete" || state.state == "failed";
    if (state.computation_id == cid && state.state != "idle" &&
        state.state != "receivingManifest") {
      out << "manager: agent " << *agent << " already holds computation " << cid << " (state "
          << state.state << "): resuming\n";
      phase = state.state;
    } else if (state.state == "idle" || state.state == "receivingManifest" || closed) {
      // An agent whose previous computation is closed (complete or failed) takes a new manifest.
      auto put = session.call(m::ManifestPut{*mf}, cid, deadline);
      if (!put) return make_error(put.error().code, "manifest rejected: " + put.error().message);
      out << "manager: manifest " << cid << " accepted by " << *agent << "\n";
      state.items.clear();
    } else {
      return make_error("busy", "agent " + *agent + " is busy with computation '" +
                                    state.computation_id + "' (state " + state.state + ")");
    }

    if (phase.empty() || phase == "receivingManifest" || phase == "receivingAlgorithm" ||
        phase == "receivingData") {
      for (const auto& up : *plan) {
        if (phase == "failed" || phase == "stopped") break;
        if (already_received(state, up.source.item)) {
          out << "manager: " << up.label << " already received by the agent\n";
          continue;
        }
        std::error_code ec;
        Progress progress(up.label, std::filesystem::file_size(up.source.path, ec), out,
                          c.live_progress);
        auto s = session.upload(cid, up.source, progress, deadline);
        if (!s) {
          if (s.error().code == "already_received") continue;
          return make_error(s.error().code,
                            "upload of " + up.label + " rejected: " + s.error().message);
        }
        progress.finish("uploaded");
      }
    }

    auto ready = [&] { return is_terminal_or_ready(phase); };
    if (auto s = session.pump_until(ready, deadline); !s)
      return make_error(s.error().code, s.error().message + " (computation state: " +
                                            (phase.empty() ? "unknown" : phase) + ")");
    if (phase == "stopped")
      return make_error("computation_stopped", "computation " + cid + " was stopped");
    if (phase == "failed")
      return make_error("computation_failed",
                        "computation " + cid + " failed: " +
                            failure_reason(failed_event ? failed_event : session.last_event()));

    Progress progress("results", 0, out, c.live_progress);
    auto res = session.fetch_result(cid, *consumer, c.results, progress, deadline);
    if (!res) return make_error(res.error().code, "results: " + res.error().message);
    progress.finish("received");
    out << "manager: results stored at " << c.results << " (" << res->size << " bytes, sha3-256 "
        << to_hex(res->sha3_256) << ")\n";

    // The ack moves the agent on; show the final state and the events it produced.
    auto fin = session.call(m::StateGet{}, cid, deadline);
    if (!fin) return fin.take_error();
    const auto& final_state = std::get<m::State>(fin->envelope.body);
    auto settle = std::min(deadline, Clock::now() + std::chrono::seconds(5));
    (void)session.pump_until([&] { return session.stored_seq() >= final_state.seq; }, settle);
    if (final_state.state == "complete") {
      out << "manager: computation " << cid << " complete\n";
    } else {
      out << "manager: computation " << cid << " is " << final_state.state << " ("
          << final_state.consumers_pending << " more consumer(s) to fetch the results)\n";
    }
    return ok_status();
  };
  const Status result = drive();
  // Held: the agents keep being answered (pings, events), so the dashboard shows them as they
  // are, until the caller lets go.
  if (c.hold) {
    bool released = false;  // latched: hold() may consume what released it (a line of input)
    auto let_go = [&] { return released = released || c.hold(result); };
    while (!let_go()) {
      auto s = session.pump_until(let_go, Clock::now() + std::chrono::milliseconds(200));
      if (!s && s.error().code != "timeout") break;
    }
  }
  return result;
}

}  // namespace cocos::manager
