// The transition table (see state_machine.h for the table in prose).
#include "cocos/agent/core/state_machine.h"

#include <array>

namespace cocos::agent {
namespace {

constexpr std::array<std::string_view, 8> kStateNames = {
    "idle",    "receivingManifest", "receivingAlgorithm", "receivingData",
    "running", "resultsReady",      "complete",           "failed"};

constexpr std::array<std::string_view, 9> kEventNames = {
    "start",       "manifestReceived", "algorithmReceived", "dataReceived",
    "runComplete", "resultsConsumed",  "runFailed",         "reset",
    "stop"};

constexpr std::array<std::string_view, 7> kStatusNames = {
    "inProgress", "starting", "ready", "completed", "failed", "stopped", "warning"};

}  // namespace

std::string_view state_name(State s) {
  return kStateNames[static_cast<std::size_t>(s)];
}
std::string_view event_name(Event e) {
  return kEventNames[static_cast<std::size_t>(e)];
}
std::string_view status_name(EventStatus s) {
  return kStatusNames[static_cast<std::size_t>(s)];
}

Result<State> parse_state(std::string_view name) {
  for (std::size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == name) return static_cast<State>(i);
  }
  return make_error("bad_state", "unknown state name '" + std::string(name) + "'");
}

std::optional<State> next_state(State from, Event event, const TransitionContext& ctx) {
  using S = State;
  using E = Event;
  switch (event) {
    case E::kStart:
      if (from == S::kIdle) return S::kReceivingManifest;
      break;
    case E::kManifestReceived:
      if (from == S::kReceivingManifest) return S::kReceivingAlgorithm;
      break;
    case E::kAlgorithmReceived:
      // A manifest without datasets has nothing to wait for: straight to running.
      if (from == S::kReceivingAlgorithm) {
        return ctx.dataset_count > 0 ? S::kReceivingData : S::kRunning;
      }
      break;
    case E::kDataReceived:
      if (from == S::kReceivingData) return S::kRunning;
      break;
    case E::kRunComplete:
      if (from == S::kRunning) return S::kResultsReady;
      break;
    case E::kResultsConsumed:
      if (from == S::kResultsReady) return S::kComplete;
      break;
    case E::kRunFailed:
      if (from == S::kReceivingAlgorithm || from == S::kReceivingData || from == S::kRunning) {
        return S::kFailed;
      }
      break;
    case E::kReset:
      if (from == S::kComplete || from == S::kFailed) return S::kReceivingManifest;
      break;
    case E::kStop:
      // Stop is the way out of every state; from idle there is nothing to stop yet.
      if (from != S::kIdle) return S::kReceivingManifest;
      break;
  }
  return std::nullopt;
}

Result<State> StateMachine::fire(Event event, const TransitionContext& ctx) {
  auto next = next_state(state_, event, ctx);
  if (!next) {
    return make_error("bad_state", "cannot " + std::string(event_name(event)) + " in state " +
                                       std::string(state_name(state_)));
  }
  state_ = *next;
  return state_;
}

}  // namespace cocos::agent
