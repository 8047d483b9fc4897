// Option table, precedence and validation for cocos-agent (see config.h).
#include "cocos/agent/core/config.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <functional>

#include "cocos/agent/core/files.h"

extern char** environ;

namespace cocos::agent {
namespace {

// One option: its long name, help text, and how to store a validated value into the config.
struct OptionDef {
  std::string name;
  std::string help;
  std::function<std::string(const AgentConfig&)> show_default;
  std::function<std::optional<std::string>(AgentConfig&, const std::string&)> set;  // error text
};

std::string env_name(const std::string& name) {
  std::string e = "COCOS_";
  for (char c : name) e += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return e;
}

template <class T>
std::optional<std::string> parse_uint(const std::string& v, T* out, std::uint64_t min,
                                      std::uint64_t max) {
  std::uint64_t x = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || p != v.data() + v.size()) return "not an unsigned integer";
  if (x < min || x > max) {
    return "must be between " + std::to_string(min) + " and " + std::to_string(max);
  }
  *out = static_cast<T>(x);
  return std::nullopt;
}

template <class T>
OptionDef uint_opt(std::string name, std::string help, T AgentConfig::*field, std::uint64_t min,
                   std::uint64_t max) {
  return {std::move(name), std::move(help),
          [field](const AgentConfig& c) { return std::to_string(c.*field); },
          [field, min, max](AgentConfig& c, const std::string& v) {
            return parse_uint(v, &(c.*field), min, max);
          }};
}

// A byte count: digits with an optional binary suffix K, M, G or T (also Ki/KiB, ...; any
// case): "4G" = 4 * 2^30.
std::optional<std::string> parse_bytes(const std::string& v, std::uint64_t* out, std::uint64_t min,
                                       std::uint64_t max) {
  std::uint64_t x = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || p == v.data()) return "not a byte count (digits, then K, M, G or T)";
  std::string unit(p, v.data() + v.size());
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.size() > 1 && (unit.substr(1) == "I" || unit.substr(1) == "IB")) unit.resize(1);
  int shift = 0;
  if (unit == "K")
    shift = 10;
  else if (unit == "M")
    shift = 20;
  else if (unit == "G")
    shift = 30;
  else if (unit == "T")
    shift = 40;
  else if (!unit.empty())
    return "unknown unit '" + std::string(p, v.data() + v.size()) + "' (K, M, G or T)";
  if (shift > 0 && x > (UINT64_MAX >> shift)) return "too large";
  x <<= shift;
  if (x < min || x > max) {
    return "must be between " + std::to_string(min) + " and " + std::to_string(max) + " bytes";
  }
  *out = x;
  return std::nullopt;
}

OptionDef bytes_opt(std::string name, std::string help, std::uint64_t AgentConfig::*field,
                    std::uint64_t min, std::uint64_t max) {
  return {std::move(name), std::move(help),
          [field](const AgentConfig& c) { return std::to_string(c.*field); },
          [field, min, max](AgentConfig& c, const std::string& v) {
            return parse_bytes(v, &(c.*field), min, max);
          }};
}

OptionDef secs_opt(std::string name, std::string help, std::chrono::seconds AgentConfig::*field,
                   std::uint64_t min, std::uint64_t max) {
  return {std::move(name), std::move(help),
          [field](const AgentConfig& c) { return std::to_string((c.*field).count()); },
          [field, min, max](AgentConfig& c, const std::string& v) -> std::optional<std::string> {
            std::uint64_t s = 0;
            if (auto e = parse_uint(v, &s, min, max)) return e;
            c.*field = std::chrono::seconds(s);
            return std::nullopt;
          }};
}

OptionDef str_opt(std::string name, std::string help, std::string AgentConfig::*field,
                  std::vector<std::string> allowed = {}) {
  return {std::move(name), std::move(help), [field](const AgentConfig& c) { return c.*field; },
          [field, allowed](AgentConfig& c, const std::string& v) -> std::optional<std::string> {
            if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
              std::string list;
              for (const auto& a : allowed) list += (list.empty() ? "" : "|") + a;
              return "must be one of " + list;
            }
            c.*field = v;
            return std::nullopt;
          }};
}

std::vector<OptionDef> option_table() {
  using C = AgentConfig;
  return {
      str_opt("agent-id", "agent id = DEALER routing id and PUB topic part (default: hostname)",
              &C::agent_id),
      str_opt("manager", "manager ROUTER endpoint to connect the DEALER to", &C::manager),
      str_opt("pub-bind", "endpoint to bind the event PUB socket on (empty: none)", &C::pub_bind),
      str_opt("pub-connect", "endpoint of a manager-side XSUB to connect the PUB socket to",
              &C::pub_connect),
      str_opt("curve-manager-key", "file with the manager's CURVE public key (enables CURVE)",
              &C::curve_manager_key),
      str_opt("curve-key",
              "prefix of this agent's CURVE key pair files (<prefix>.pub, <prefix>.key)",
              &C::curve_key),
      str_opt("work-dir", "state, event journal and computations live here", &C::work_dir),
      str_opt("log-level", "trace|debug|info|warn|error|off", &C::log_level,
              {"trace", "debug", "info", "warn", "error", "off"}),
      uint_opt("max-message-bytes", "largest accepted bus frame (ZMQ_MAXMSGSIZE)",
               &C::max_message_bytes, 4096, 1ULL << 32),
      secs_opt("heartbeat", "seconds between liveness pings to the manager", &C::heartbeat, 1,
               3600),
      uint_opt("bus-rt-priority",
               "SCHED_FIFO priority of the bus I/O thread where permitted (0: normal policy)",
               &C::bus_rt_priority, 0, 99),
      uint_opt("chunk-size", "upload chunk size offered to senders (bytes)", &C::chunk_size, 4096,
               64ULL << 20),
      uint_opt("upload-credits", "upload chunks allowed in flight", &C::upload_credits, 1, 1024),
      bytes_opt("max-upload-bytes", "largest accepted algorithm or dataset (bytes; K/M/G/T)",
                &C::max_upload_bytes, 1, UINT64_MAX),
      bytes_opt("unpack-max-bytes", "total size limit when unpacking a zipped dataset",
                &C::unpack_max_bytes, 1, UINT64_MAX),
      uint_opt("unpack-max-files", "entry count limit when unpacking a zipped dataset",
               &C::unpack_max_files, 1, UINT64_MAX),
      uint_opt("max-result-files",
               "most files and directories an algorithm's results may hold (else it fails)",
               &C::max_result_files, 1, UINT64_MAX),
      bytes_opt("max-result-bytes",
                "most bytes an algorithm's result files may hold (else it fails)",
                &C::max_result_bytes, 1, UINT64_MAX),
      secs_opt("default-timeout", "run timeout in seconds when the manifest sets none",
               &C::default_timeout, 1, 30ULL * 24 * 3600),
      str_opt("python", "python interpreter for python algorithms", &C::python),
      str_opt("pip-options", "extra pip install options (space separated), e.g. --no-index",
              &C::pip_options),
      str_opt("container-engine", "podman or docker CLI for docker algorithms",
              &C::container_engine),
      str_opt("containers-conf", "CONTAINERS_CONF file passed to the container engine",
              &C::containers_conf),
      str_opt("wasm-runtime", "WASI runtime command (space separated) for wasm algorithms",
              &C::wasm_runtime),
      str_opt("run-cgroup",
              "cgroup v2 directory under which this agent's runs get cgroups of their own: "
              "auto (the agent's own cgroup, if writable), off, or a directory",
              &C::run_cgroup),
      uint_opt("algorithm-uid",
               "run bin/python/wasm algorithms as this uid (0: as the agent; least privilege)",
               &C::algorithm_uid, 0, UINT32_MAX),
      uint_opt("algorithm-gid", "group of --algorithm-uid (0: the same number as the uid)",
               &C::algorithm_gid, 0, UINT32_MAX),
      bytes_opt("run-memory-max",
                "memory of each algorithm process (bin/python: address space; wasm: linear "
                "memory; docker: the container), e.g. 4G (0: no limit)",
                &C::run_memory_max, 0, UINT64_MAX),
      bytes_opt("run-file-size-max", "largest file an algorithm may write, e.g. 10G (0: no limit)",
                &C::run_file_size_max, 0, UINT64_MAX),
      uint_opt("run-processes-max",
               "processes of the algorithm's user (needs --algorithm-uid; docker: the "
               "container's pids limit) (0: no limit)",
               &C::run_processes_max, 0, UINT32_MAX),
      uint_opt("run-open-files-max", "open files of each algorithm process (0: no limit)",
               &C::run_open_files_max, 0, 1ULL << 30),
      uint_opt("max-log-line", "algorithm output lines are cut to this many bytes",
               &C::max_log_line, 64, 1 << 20),
      uint_opt("max-log-lines-per-sec", "algorithm output lines forwarded per second",
               &C::max_log_lines_per_sec, 1, 100000),
      str_opt("tcti",
              "vTPM TCTI, e.g. swtpm:path=/run/tpm.sock or device:/dev/tpmrm0 (empty: none)",
              &C::tcti),
      str_opt("tpm-event-log",
              "firmware TCG event log sent with vTPM evidence when the file exists: auto (the "
              "kernel's log, when --tcti is a device: TPM), a file, or empty (never)",
              &C::tpm_event_log),
      str_opt("snp-mode", "auto|configfs|sev-guest|simulated|off", &C::snp_mode,
              {"auto", "configfs", "sev-guest", "simulated", "off"}),
      str_opt("snp-sim-dir", "simulated SNP: directory for its generated ARK/ASK/VCEK",
              &C::snp_sim_dir),
      str_opt("snp-sim-product", "simulated SNP: the product it imitates (CPUID, TCB layout, HWID)",
              &C::snp_sim_product, {"milan", "genoa", "turin"}),
      str_opt("snp-sim-signer",
              "simulated SNP: the key that signs reports, vcek (a chip's) or vlek (a cloud "
              "provider's, through the ASVK)",
              &C::snp_sim_signer, {"vcek", "vlek"}),
      str_opt("igvm", "simulated SNP: IGVM file whose launch digest is MEASUREMENT", &C::igvm),
      uint_opt("vmpl", "VMPL to request SNP reports at (0..3)", &C::vmpl, 0, 3),
  };
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

Result<std::map<std::string, std::string>> read_config_file(const std::string& path) {
  auto text = read_file(path);
  if (!text) return make_error("bad_config", "--config " + path + ": " + text.error().message);
  std::map<std::string, std::string> kv;
  std::size_t lineno = 0;
  std::size_t pos = 0;
  const std::string& t = *text;
  while (pos <= t.size()) {
    std::size_t nl = t.find('\n', pos);
    if (nl == std::string::npos) nl = t.size();
    std::string line = t.substr(pos, nl - pos);
    pos = nl + 1;
    ++lineno;
    if (auto hash = line.find('#'); hash != std::string::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) {
      return make_error("bad_config",
                        path + ":" + std::to_string(lineno) + ": expected key = value");
    }
    kv[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
  }
  return kv;
}

std::string hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "agent";
  return buf;
}

}  // namespace

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string s(*e);
    auto eq = s.find('=');
    if (eq != std::string::npos) env[s.substr(0, eq)] = s.substr(eq + 1);
  }
  return env;
}

Result<ParsedConfig> parse_config(int argc, const char* const* argv,
                                  const std::map<std::string, std::string>& env) {
  const auto table = option_table();
  const AgentConfig defaults;
  CLI::App app(
      "cocos-agent: runs one confidential computation at a time inside a CVM, driven "
      "over the ZeroMQ bus.\nEvery option may also be set as environment variable "
      "COCOS_<OPTION> or in the --config file (key = value); precedence: flag > "
      "environment > file > default.",
      "cocos-agent");
  app.set_version_flag("--version", "cocos-agent 0.1.0");
  std::map<std::string, std::string> cli;
  std::map<std::string, CLI::Option*> opts;
  std::string config_path;
  app.add_option("--config", config_path, "config file (key = value lines) [env COCOS_CONFIG]");
  for (const auto& d : table) {
    std::string def = d.show_default(defaults);
    std::string help =
        d.help + " [env " + env_name(d.name) + (def.empty() ? "" : ", default " + def) + "]";
    opts[d.name] = app.add_option("--" + d.name, cli[d.name], help);
  }
  ParsedConfig out;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out.exit_now = true;
    out.output = app.help();
    return out;
  } catch (const CLI::CallForVersion&) {
    out.exit_now = true;
    out.output = "cocos-agent 0.1.0\n";
    return out;
  } catch (const CLI::ParseError& e) {
    return make_error("bad_config", e.what());
  }
  if (config_path.empty()) {
    if (auto it = env.find("COCOS_CONFIG"); it != env.end()) config_path = it->second;
  }
  std::map<std::string, std::string> file;
  if (!config_path.empty()) {
    auto kv = read_config_file(config_path);
    if (!kv) return kv.take_error();
    file = std::move(*kv);
    for (const auto& entry : file) {
      // (no structured binding: clang 14, which builds the fuzz targets, cannot capture one)
      const auto& k = entry.first;
      bool known = std::any_of(table.begin(), table.end(), [&](auto& d) { return d.name == k; });
      if (!known) return make_error("bad_config", config_path + ": unknown key '" + k + "'");
    }
  }
  out.config = defaults;
  for (const auto& d : table) {
    std::string value;
    std::string source;
    if (opts[d.name]->count() > 0) {
      value = cli[d.name];
      source = "--" + d.name;
    } else if (auto it = env.find(env_name(d.name)); it != env.end()) {
      value = it->second;
      source = env_name(d.name);
    } else if (auto f = file.find(d.name); f != file.end()) {
      value = f->second;
      source = config_path + ": " + d.name;
    } else {
      continue;
    }
    if (auto err = d.set(out.config, value)) {
      return make_error("bad_config", source + " = '" + value + "': " + *err);
    }
  }
  if (out.config.agent_id.empty()) out.config.agent_id = hostname();
  if (out.config.work_dir.empty()) return make_error("bad_config", "work-dir must not be empty");
  if (!out.config.curve_key.empty() != !out.config.curve_manager_key.empty()) {
    return make_error("bad_config", "curve-key and curve-manager-key go together");
  }
  if (out.config.snp_mode == "simulated" && out.config.snp_sim_dir.empty()) {
    return make_error("bad_config", "snp-mode simulated needs snp-sim-dir");
  }
  return out;
}

}  // namespace cocos::agent
