// What the agent writes to <work>/state.json after every change, so that a SIGKILL and restart
// resumes the same computation: the state, the manifest, which items arrived (and under which
// name), which consumers were served, the result's size and hash, and why a run failed.
// Staged partial uploads live in the computation's staging/ directory, and unacknowledged events
// in the journal; neither is in this file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cocos/agent/core/computation_spec.h"
#include "cocos/agent/core/state_machine.h"

namespace cocos::agent {

struct ItemProgress {
  bool received = false;
  std::uint64_t bytes = 0;
  std::string stored_name;  // datasets: the name under datasets/ (or "" when unpacked)
};

struct ResultInfo {
  std::uint64_t size = 0;
  Bytes sha3;
};

struct PersistedState {
  State state = State::kIdle;
  std::string status = "ready";  // status of the last event, for state.get
  std::optional<ComputationSpec> spec;
  ItemProgress algorithm;
  ItemProgress requirements;
  std::vector<ItemProgress> datasets;
  std::vector<bool> consumers_served;
  std::optional<ResultInfo> result;
  std::string failure;
  std::uint64_t run_token = 0;

  std::string to_json() const;
  static Result<PersistedState> from_json(const std::string& text);
};

// Loads <path>; a missing file is a fresh agent (state idle), a damaged one an "io_error".
Result<PersistedState> load_state(const std::string& path);
Status save_state(const std::string& path, const PersistedState& s);

}  // namespace cocos::agent
