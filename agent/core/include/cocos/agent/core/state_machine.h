// The agent's lifecycle: states, the events that move between them, and the one transition
// table that decides every move. Nothing else in the agent changes the state; a (state, event)
// pair that is not in the table is refused with a bad_state error naming both, and the machine
// stays where it was (the Go agent's loop died on such a pair and froze the state).
//
// Table (DESIGN.md §4 plus the exits we chose for stop and for a finished computation):
//   idle               start             -> receivingManifest
//   receivingManifest  manifestReceived  -> receivingAlgorithm
//   receivingAlgorithm algorithmReceived -> receivingData (datasets > 0) | running (no datasets)
//   receivingData      dataReceived      -> running
//   running            runComplete       -> resultsReady
//   resultsReady       resultsConsumed   -> complete
//   receivingAlgorithm, receivingData, running  runFailed -> failed
//   complete, failed   reset             -> receivingManifest   (a new manifest.put)
//   any but idle       stop              -> receivingManifest   (computation.stop)
//
// Pure functions; thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cocos/common/result.h"

namespace cocos::agent {

enum class State {
  kIdle,
  kReceivingManifest,
  kReceivingAlgorithm,
  kReceivingData,
  kRunning,
  kResultsReady,
  kComplete,
  kFailed,
};

enum class Event {
  kStart,
  kManifestReceived,
  kAlgorithmReceived,
  kDataReceived,
  kRunComplete,
  kResultsConsumed,
  kRunFailed,
  kReset,
  kStop,
};

// Event statuses, as the wire carries them.
enum class EventStatus { kInProgress, kStarting, kReady, kCompleted, kFailed, kStopped, kWarning };

std::string_view state_name(State s);  // "receivingManifest", ...
std::string_view event_name(Event e);  // "manifestReceived", ...
std::string_view status_name(EventStatus s);
Result<State> parse_state(std::string_view name);

// What the machine needs to know about the computation to pick a target state.
struct TransitionContext {
  std::size_t dataset_count = 0;
};

// The target state for `event` in `from`, or nullopt when the pair is not in the table.
std::optional<State> next_state(State from, Event event, const TransitionContext& ctx);

// Holds the current state and applies the table. Refusals are values, never aborts.
class StateMachine {
 public:
  explicit StateMachine(State initial = State::kIdle) : state_(initial) {}

  State state() const { return state_; }
  // Applies `event`; on success returns the new state. A pair outside the table returns
  // bad_state "cannot <event> in state <state>" and leaves the state unchanged.
  Result<State> fire(Event event, const TransitionContext& ctx = {});

 private:
  State state_;
};

}  // namespace cocos::agent
