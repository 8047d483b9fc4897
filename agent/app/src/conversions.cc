// Config and vocabulary translations (see conversions.h).
#include "conversions.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <sstream>

#include "cocos/archive/zip_extract.h"
#ifdef COCOS_AGENT_HAVE_IGVM
#include "cocos/igvm/measure.h"
#endif

namespace cocos::agent::app {

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

Result<attestation::AttesterConfig> attester_config(const AgentConfig& c) {
  attestation::AttesterConfig a;
  if (c.snp_mode == "auto") {
    a.snp = attestation::SnpMode::kAuto;
  } else if (c.snp_mode == "configfs") {
    a.snp = attestation::SnpMode::kConfigfsTsm;
  } else if (c.snp_mode == "sev-guest") {
    a.snp = attestation::SnpMode::kSevGuest;
  } else if (c.snp_mode == "simulated") {
    a.snp = attestation::SnpMode::kSimulated;
  } else {
    a.snp = attestation::SnpMode::kDisabled;
  }
  a.tsm.vmpl = c.vmpl;
  a.sev_guest.vmpl = c.vmpl;
  a.vtpm = !c.tcti.empty();
  if (a.vtpm) a.tcti = c.tcti;
  if (a.snp == attestation::SnpMode::kSimulated) {
    attestation::SimulatedSnpConfig sim;
    sim.dir = c.snp_sim_dir;
    sim.vmpl = c.vmpl;
    if (!c.igvm.empty()) {
#ifdef COCOS_AGENT_HAVE_IGVM
      auto d = igvm::snp_launch_digest_from_file(c.igvm);
      if (!d) return make_error("bad_config", "igvm " + c.igvm + ": " + d.error().message);
      if (d->size() != sim.measurement.size()) {
        return make_error("bad_config", "igvm: launch digest is not 48 bytes");
      }
      std::copy(d->begin(), d->end(), sim.measurement.begin());
#else
      return make_error("bad_config", "this build cannot measure IGVM files (no cocos_igvm)");
#endif
    } else {
      spdlog::warn("SIMULATED SNP without --igvm: MEASUREMENT is all zeros");
    }
    a.simulated = sim;
  }
  return a;
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
  return r;
}

std::function<Status(const std::string&, const std::string&)> make_unpacker(const AgentConfig& c) {
  archive::ExtractLimits limits;
  limits.max_entries = c.unpack_max_files;
  limits.max_total_bytes = c.unpack_max_bytes;
  limits.max_entry_bytes = std::min(limits.max_entry_bytes, c.unpack_max_bytes);
  return [limits](const std::string& zip, const std::string& dest) -> Status {
    auto r = archive::extract_zip(zip, dest, limits);
    if (!r) return r.take_error();
    return ok_status();
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
