// cocos-agent configuration: every option can come from a command-line flag, an environment
// variable (COCOS_<NAME>, upper case, '-' -> '_') or a config file, with the precedence
//   flag > environment > config file > built-in default.
// The config file (--config / COCOS_CONFIG) is key=value lines using the long flag names
// without dashes ("manager = tcp://10.0.0.1:7001"); '#' starts a comment; unknown keys are
// errors so that a typo does not silently fall back to a default.
// Bad values produce a "bad_config" Error naming the option, the value and where it came from.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cocos/common/result.h"

namespace cocos::agent {

struct AgentConfig {
  // identity and bus
  std::string agent_id;
  std::string manager = "tcp://127.0.0.1:7001";
  std::string pub_bind;           // bind the PUB socket here ("" = do not bind)
  std::string pub_connect;        // or connect it to a manager-side XSUB ("" = do not connect)
  std::string curve_manager_key;  // file: the manager's CURVE public key (z85 or 32 raw bytes)
  std::string curve_key;          // prefix of this agent's CURVE key pair (<p>.pub, <p>.key)
  std::string work_dir = "/var/lib/cocos/agent";
  std::string log_level = "info";
  std::uint64_t max_message_bytes = 16ULL << 20;
  std::chrono::seconds heartbeat{5};
  // SCHED_FIFO priority of the zmq I/O thread when the process may use it (0: normal policy).
  // Off by default: it cuts event latency while an algorithm holds every CPU, but costs
  // small-message throughput and idle latency (tests/bench/README.md).
  std::uint32_t bus_rt_priority = 0;
  // uploads and results
  std::uint32_t chunk_size = 1 << 20;
  std::uint32_t upload_credits = 8;
  std::uint64_t max_upload_bytes = 16ULL << 30;
  std::uint64_t unpack_max_bytes = 16ULL << 30;
  std::uint64_t unpack_max_files = 100000;
  // The results an algorithm leaves: files and directories, and the bytes in them.
  std::uint64_t max_result_files = 100000;
  std::uint64_t max_result_bytes = 16ULL << 30;
  // runners
  std::chrono::seconds default_timeout{3600};
  std::string python = "python3";
  std::string pip_options;
  std::string container_engine = "podman";
  std::string containers_conf;
  std::string wasm_runtime;
  // cgroup v2 directory under which each bin/python/wasm run gets a cgroup of its own, so a
  // process that leaves the process group (setsid) is still killed: "auto" (the agent's own
  // cgroup when it is writable), "off", or a directory.
  std::string run_cgroup = "auto";
  // What an algorithm may use (0: no limit); see runner::RunLimits for how each type applies
  // them. Every algorithm process also gets oom_score_adj 1000 (the OOM killer's first pick).
  std::uint64_t run_memory_max = 0;
  std::uint64_t run_file_size_max = 0;
  std::uint64_t run_processes_max = 0;
  std::uint64_t run_open_files_max = 0;
  // Least privilege: run bin/python/wasm algorithms as this user/group (0 = the agent's own).
  // The computation's directory is handed to that user for the run; the agent's own files
  // (state.json, the journal, keys) stay out of its reach.
  std::uint32_t algorithm_uid = 0;
  std::uint32_t algorithm_gid = 0;
  std::size_t max_log_line = 4096;
  std::uint32_t max_log_lines_per_sec = 200;
  // attestation
  std::string tcti;  // "" = no vTPM
  // The firmware event log sent with vTPM evidence: "auto" = the kernel's copy
  // (/sys/kernel/security/tpm0/binary_bios_measurements) when `tcti` is the kernel's TPM device
  // ("device:..."), none otherwise (the kernel's log says nothing about a swtpm); a path; or
  // "" = never.
  std::string tpm_event_log = "auto";
  std::string snp_mode = "auto";  // auto | configfs | sev-guest | simulated | off
  std::string snp_sim_dir;
  std::string snp_sim_product = "milan";  // milan | genoa | turin
  std::string snp_sim_signer = "vcek";    // vcek | vlek (through the ASVK, as cloud hosts sign)
  std::string igvm;
  std::uint32_t vmpl = 2;
};

// Result of parsing: a config to run with, or a request to print help / version and exit 0.
struct ParsedConfig {
  AgentConfig config;
  bool exit_now = false;  // --help / --version was handled
  std::string output;     // what to print when exit_now
};

// Parses argv with the environment `env` (pass the process environment in main; tests pass
// their own map). Never exits the process and never throws.
Result<ParsedConfig> parse_config(int argc, const char* const* argv,
                                  const std::map<std::string, std::string>& env);

// The process environment as a map (for main).
std::map<std::string, std::string> process_environment();

}  // namespace cocos::agent
