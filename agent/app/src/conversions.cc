// Config and vocabulary translations (see conversions.h).
#include "conversions.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <sstream>

#include "cocos/archive/zip_extract.h"
#include "cocos/common/encoding.h"
#include "cocos/common/hash.h"
#include "cocos/runner/cgroup.h"

namespace cocos::agent::app {

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

runner::RunnerConfig runner_config(const AgentConfig& c) {
  runner::RunnerConfig r;
  r.output.max_line_bytes = std::max<std::size_t>(16, c.max_log_line);
  r.output.max_lines_per_second = c.max_log_lines_per_sec;
  r.python = c.python;
  r.pip_options = split_words(c.pip_options);
  r.engine = c.container_engine;
  r.containers_conf = c.containers_conf;
  r.wasm_command = split_words(c.wasm_runtime);
  r.limits.memory_bytes = c.run_memory_max;
  r.limits.file_size_bytes = c.run_file_size_max;
  r.limits.max_processes = c.run_processes_max;
  r.limits.open_files = c.run_open_files_max;
  if (c.algorithm_uid != 0) {
    r.uid = c.algorithm_uid;
    r.gid = c.algorithm_gid != 0 ? c.algorithm_gid : c.algorithm_uid;
  }
  return r;
}

std::optional<runner::AgentRunCgroups> open_run_cgroups(const AgentConfig& c) {
  if (c.run_cgroup == "off") return std::nullopt;
  const auto own = c.run_cgroup == "auto" ? runner::own_writable_cgroup()
                                          : std::optional<std::string>(c.run_cgroup);
  if (!own) return std::nullopt;
  // One agent per work directory: its digest names this agent's runs in the cgroup tree.
  std::error_code ec;
  const auto work = std::filesystem::weakly_canonical(c.work_dir, ec);
  const std::string key =
      to_hex(digest(HashAlg::kSha256, ec ? c.work_dir : work.string())).substr(0, 16);
  auto dirs = runner::AgentRunCgroups::open(*own, key);
  if (!dirs) {
    spdlog::warn("run cgroups: {}", dirs.error().message);
    return std::nullopt;
  }
  return std::move(*dirs);
}

Unpacker make_unpacker(const AgentConfig& c, JobThread& worker, LoopQueue& loop) {
  archive::ExtractLimits limits;
  limits.max_entries = c.unpack_max_files;
  limits.max_total_bytes = c.unpack_max_bytes;
  limits.max_entry_bytes = std::min(limits.max_entry_bytes, c.unpack_max_bytes);
  return [limits, &worker, &loop](const std::string& zip, const std::string& staging_parent,
                                  std::stop_token cancel, UnpackDone done) {
    // Neither shutdown nor the end of the computation waits for a big archive: the worker's stop
    // token and the agent's cancel both end the extraction, and the staging directory goes
    // with it.
    auto job = [limits, zip, staging_parent, &loop, done, cancel,
                worker_stop = worker.stop_token()] {
      std::stop_source either;
      std::stop_callback on_shutdown(worker_stop, [&] { either.request_stop(); });
      std::stop_callback on_cancel(cancel, [&] { either.request_stop(); });
      auto staged = archive::stage_zip(zip, staging_parent, limits, either.get_token());
      Result<UnpackedTree> tree = make_error("internal", "unset");
      if (staged) {
        spdlog::info("unpacked {}: {} files, {} directories, {} bytes", zip,
                     staged->summary().files, staged->summary().directories,
                     staged->summary().bytes);
        // Shared so that the commit closure is copyable; the last copy dropped removes the
        // files if they were never committed.
        auto held = std::make_shared<archive::StagedZip>(std::move(*staged));
        tree =
            UnpackedTree{[held](const std::string& target) { return held->commit_into(target); }};
      } else {
        if (staged.error().code == "cancelled") {
          spdlog::info("unpacking {} stopped: {}", zip,
                       cancel.stop_requested() ? "the computation ended" : "the agent is stopping");
        }
        tree = staged.take_error();
      }
      loop.post([done, tree = std::move(tree)]() mutable { done(std::move(tree)); });
    };
    if (!worker.submit(std::move(job))) {
      done(make_error("busy", "too many archives are waiting to be unpacked"));
    }
  };
}

messages::Event to_event_body(const EventRecord& r) {
  messages::Event e;
  e.seq = r.seq;
  e.state = r.state;
  e.status = r.status;
  e.computation_id = r.computation_id;
  e.timestamp_ms = r.timestamp_ms;
  e.details = r.details;
  return e;
}

}  // namespace cocos::agent::app
