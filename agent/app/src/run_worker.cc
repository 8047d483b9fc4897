// Run worker thread: runner + results zip + hash, reported through the loop queue.
#include "run_worker.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "cocos/archive/zip_writer.h"
#include "cocos/common/hash.h"

namespace cocos::agent::app {

namespace {

// chown -R of `work_dir` to uid:gid, except the `datasets` subtree: owner unchanged (the agent),
// group gid, directories 0750 and files 0640 (symlinks are not followed; a dataset tree has
// none, the safe unpacker refuses them).
bool hand_over(const std::string& work_dir, const std::string& datasets, uid_t uid, gid_t gid) {
  namespace fs = std::filesystem;
  const fs::path data = fs::path(datasets).lexically_normal();
  auto in_datasets = [&](const fs::path& p) {
    const fs::path n = p.lexically_normal();
    auto [d, _] = std::mismatch(data.begin(), data.end(), n.begin(), n.end());
    return d == data.end();
  };
  auto one = [&](const fs::path& p, bool is_dir) {
    if (!in_datasets(p)) return ::lchown(p.c_str(), uid, gid) == 0;
    return ::lchown(p.c_str(), static_cast<uid_t>(-1), gid) == 0 &&
           ::chmod(p.c_str(), is_dir ? 0750 : 0640) == 0;
  };
  std::error_code ec;
  bool ok = one(work_dir, true);
  for (auto it = fs::recursive_directory_iterator(work_dir, ec);
       ok && !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    ok = one(it->path(), it->is_directory(ec) && !it->is_symlink(ec));
  }
  return ok && !ec;
}

}  // namespace

RunWorker::RunWorker(runner::RunnerConfig config, archive::ZipOptions results, LoopQueue& queue)
    : runner_(std::move(config)), results_(results), queue_(queue) {}

RunWorker::~RunWorker() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

Status RunWorker::start(const RunSpec& spec, std::uint64_t token) {
  if (agent_ == nullptr) return make_error("internal", "run worker has no agent");
  if (thread_.joinable()) {
    // The previous run was stopped or has reported; make sure its thread is gone.
    thread_.request_stop();
    thread_.join();
  }
  token_ = token;
  try {
    thread_ = std::jthread([this, spec, token](std::stop_token st) {
      RunOutcome outcome = execute(runner_, results_, spec, token, queue_, agent_, st);
      Agent* agent = agent_;
      queue_.post([agent, token, outcome] { agent->run_finished(token, outcome); });
    });
  } catch (const std::system_error& e) {
    return make_error("internal", std::string("cannot start the run thread: ") + e.what());
  }
  return ok_status();
}

void RunWorker::stop(std::uint64_t token) {
  if (token == token_ && thread_.joinable()) thread_.request_stop();
}

RunOutcome RunWorker::execute(const runner::Runner& runner, const archive::ZipOptions& results,
                              const RunSpec& spec, std::uint64_t token, LoopQueue& queue,
                              Agent* agent, std::stop_token stop) {
  RunOutcome out;
  auto type = runner::parse_algo_type(spec.algo_type);
  if (!type) {
    out.error = type.error().message;
    return out;
  }
  runner::RunSpec rs;
  rs.computation_id = spec.computation_id;
  rs.type = *type;
  rs.algorithm = spec.algorithm_path;
  rs.args = spec.args;
  rs.work_dir = spec.work_dir;
  rs.datasets_dir = spec.datasets_dir;
  rs.results_dir = spec.results_dir;
  rs.requirements = spec.requirements_path.value_or("");
  rs.timeout = spec.timeout;
  rs.network = spec.network;
  // Least privilege (--algorithm-uid): the computation's directory (algorithm, results,
  // python's venv) is handed to the algorithm's user; nothing else of the agent is. The
  // datasets stay the agent's, readable through the algorithm's group and writable by nobody
  // else: the algorithm reads them and cannot change them (nor chmod them back, not being
  // their owner).
  if (runner.config().uid) {
    const uid_t uid = *runner.config().uid;
    const gid_t gid = runner.config().gid.value_or(static_cast<gid_t>(uid));
    if (!hand_over(spec.work_dir, spec.datasets_dir, uid, gid)) {
      out.error = "cannot hand the computation directory to uid " + std::to_string(uid);
      return out;
    }
  }
  // Lines go to the loop thread; the runner already bounds their length and rate.
  runner::LogSink sink = [&queue, agent, token](const runner::LogLine& line) {
    std::string stream(runner::stream_name(line.stream));
    queue.post([agent, token, stream, text = line.text, dropped = line.dropped] {
      agent->run_log(token, stream, text, dropped);
    });
  };
  auto result = runner.run(rs, sink, stop);
  if (!result) {
    out.error = result.error().to_string();
    return out;
  }
  const runner::RunOutcome& r = *result;
  out.exit_code = r.exited ? r.exit_code : -1;
  out.timed_out = r.timed_out;
  out.stopped = r.stopped;
  if (!r.success) {
    out.error = r.reason.empty() ? "run failed" : r.reason;
    return out;
  }
  auto zip = archive::write_dir_zip(spec.results_dir, spec.results_zip, results);
  if (!zip) {
    out.error = zip.error().code == "too_large" ? "results too large: " + zip.error().message +
                                                      " (--max-result-files, --max-result-bytes)"
                                                : "packaging results: " + zip.error().to_string();
    return out;
  }
  auto sha = digest_file(HashAlg::kSha3_256, spec.results_zip);
  if (!sha) {
    out.error = "hashing results: " + sha.error().to_string();
    return out;
  }
  std::error_code ec;
  out.zip_size = std::filesystem::file_size(spec.results_zip, ec);
  if (ec) {
    out.error = "results zip: " + ec.message();
    return out;
  }
  out.zip_sha3 = *sha;
  out.success = true;
  spdlog::info("run of {} finished: exit 0, results {} bytes", spec.computation_id, out.zip_size);
  return out;
}

}  // namespace cocos::agent::app
