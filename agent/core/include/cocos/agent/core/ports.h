// The agent core's two doors to the outside world, implemented by the program (agent/app):
//   Outbox   what the core sends: lifecycle events, algorithm log lines, upload credits and the
//            result stream. The app turns them into bus messages.
//   RunPort  starts an algorithm run on a worker thread, packages results/ into the results zip,
//            and later reports back ON THE LOOP THREAD via Agent::run_log / Agent::run_finished,
//            quoting the token it was given, so a late report from a stopped run is recognised.
//
// The core never touches a socket or a thread; both interfaces are called on the loop thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cocos/agent/core/event_journal.h"
#include "cocos/common/encoding.h"
#include "cocos/common/result.h"

namespace cocos::agent {

class Outbox {
 public:
  virtual ~Outbox() = default;
  // A new event was journaled: publish it (PUB) and deliver it reliably to the manager.
  virtual void event(const EventRecord& record) = 0;
  // One line of algorithm output (stream "stdout" | "stderr" | "agent"); `dropped` counts lines
  // lost to the rate/size bounds since the previous line.
  virtual void log(std::string_view computation_id, std::string_view stream, std::string_view line,
                   std::uint64_t dropped) = 0;
  virtual void upload_credit(std::uint64_t upload_id, std::uint64_t acked,
                             std::uint32_t credits) = 0;
  // Sends one result chunk of at most `size` bytes at `offset`. The outbox provides the buffer
  // (the outgoing message itself) and `fill` reads the bytes into it, so a chunk goes from the
  // file to the socket without an extra copy. `fill` returns how many bytes it read, and so does
  // result_chunk once they are sent; on an error of `fill` nothing is sent and it is returned.
  using ChunkFill = std::function<Result<std::size_t>(std::span<std::uint8_t> buffer)>;
  virtual Result<std::size_t> result_chunk(std::uint64_t stream_id, std::uint64_t offset,
                                           std::size_t size, const ChunkFill& fill) = 0;
  virtual void result_end(std::uint64_t stream_id, std::uint64_t size, const Bytes& sha3) = 0;
};

struct RunSpec {
  std::string computation_id;
  std::string algo_type;  // bin | python | docker | wasm
  std::string algorithm_path;
  std::optional<std::string> requirements_path;
  std::vector<std::string> args;
  std::string work_dir;      // the computation directory (cwd of the run)
  std::string datasets_dir;  // DATASETS_DIR
  std::string results_dir;   // RESULTS_DIR
  std::string results_zip;   // where to write the deterministic zip of results_dir
  std::chrono::seconds timeout{0};
  bool network = false;
};

struct RunOutcome {
  bool success = false;  // exited 0 and the results zip was written
  int exit_code = -1;    // -1 when it never ran or was killed by a signal
  bool timed_out = false;
  bool stopped = false;  // killed by computation.stop
  std::string error;     // readable reason when !success
  std::uint64_t zip_size = 0;
  Bytes zip_sha3;
};

class RunPort {
 public:
  virtual ~RunPort() = default;
  // Starts the run asynchronously. An immediate failure (cannot spawn a worker) is an Error and
  // no report follows; otherwise exactly one run_finished(token, ...) follows.
  virtual Status start(const RunSpec& spec, std::uint64_t token) = 0;
  // Kills the run with `token` if it is still going (its report then says stopped).
  virtual void stop(std::uint64_t token) = 0;
};

}  // namespace cocos::agent
