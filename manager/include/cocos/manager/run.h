// The `run` workflow: drive one computation on one agent from manifest to stored results.
//
//   bind -> wait for the agent -> manifest.put (unless the agent already holds this computation)
//   -> upload requirements, algorithm, datasets (skipping items the agent already received)
//   -> follow events until resultsReady (or failed) -> fetch the results as the consumer
//   -> result.ack -> report the final state.
//
// A manager restarted mid-computation runs the same command again: the agent's hello/state tell
// it what is done, the event log replays what it missed, and it picks up where things stand.
#pragma once

#include <chrono>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "cocos/common/result.h"
#include "cocos/manager/agent_session.h"
#include "cocos/manager/router.h"

namespace cocos::manager {

struct DatasetArg {
  std::string path;       // file, or directory (uploaded as its deterministic zip)
  std::string signature;  // signature file
};

struct RunConfig {
  std::string bind;
  std::string manifest;
  std::string algorithm;
  std::string algorithm_sig;
  std::string requirements;
  std::string requirements_sig;
  std::vector<DatasetArg> datasets;
  std::string consumer_key;
  std::string results;
  std::string agent;  // empty: the first agent that connects
  std::chrono::seconds timeout{600};
  std::string events_dir;
  bool live_progress = false;
  RouterOptions router;  // CURVE
  // Extra observer (the HTTP face's model), called after the run's own printing; may be empty.
  SessionObserver monitor;
  // When set, the session stays open after the run (agents' pings and events still answered)
  // until it returns true; it is asked with the run's outcome, between messages and at least
  // every 200 ms (`run --http-hold` keeps the dashboard live this way until Enter).
  std::function<bool(const Status& outcome)> hold;
};

// Returns ok when the computation completed and the results are stored (and verified) at
// config.results. Errors carry the reason: the agent's error code for rejected uploads
// (hash_mismatch, bad_signature, not_consumer, ...), "computation_failed" with the agent's
// details, "timeout". Progress and events go to `out`.
Status run_computation(const RunConfig& config, std::ostream& out);

}  // namespace cocos::manager
