// Every (state, event) pair of the transition table: the valid ones move, all others are refused
// with bad_state and leave the state unchanged.
#include "cocos/agent/core/state_machine.h"

#include <gtest/gtest.h>

#include <map>
#include <utility>

namespace cocos::agent {
namespace {

constexpr State kAllStates[] = {
    State::kIdle,    State::kReceivingManifest, State::kReceivingAlgorithm, State::kReceivingData,
    State::kRunning, State::kResultsReady,      State::kComplete,           State::kFailed};
constexpr Event kAllEvents[] = {
    Event::kStart,       Event::kManifestReceived, Event::kAlgorithmReceived, Event::kDataReceived,
    Event::kRunComplete, Event::kResultsConsumed,  Event::kRunFailed,         Event::kReset,
    Event::kStop};

// The expected table with datasets > 0, written out independently of the implementation.
std::map<std::pair<State, Event>, State> expected_with_datasets() {
  using S = State;
  using E = Event;
  std::map<std::pair<S, E>, S> t = {
      {{S::kIdle, E::kStart}, S::kReceivingManifest},
      {{S::kReceivingManifest, E::kManifestReceived}, S::kReceivingAlgorithm},
      {{S::kReceivingAlgorithm, E::kAlgorithmReceived}, S::kReceivingData},
      {{S::kReceivingData, E::kDataReceived}, S::kRunning},
      {{S::kRunning, E::kRunComplete}, S::kResultsReady},
      {{S::kResultsReady, E::kResultsConsumed}, S::kComplete},
      {{S::kReceivingAlgorithm, E::kRunFailed}, S::kFailed},
      {{S::kReceivingData, E::kRunFailed}, S::kFailed},
      {{S::kRunning, E::kRunFailed}, S::kFailed},
      {{S::kComplete, E::kReset}, S::kReceivingManifest},
      {{S::kFailed, E::kReset}, S::kReceivingManifest},
  };
  for (State s : kAllStates) {
    if (s != S::kIdle) t[{s, E::kStop}] = S::kReceivingManifest;
  }
  return t;
}

TEST(StateMachine, EveryPairWithDatasets) {
  const auto expected = expected_with_datasets();
  int valid = 0;
  for (State s : kAllStates) {
    for (Event e : kAllEvents) {
      StateMachine sm(s);
      auto r = sm.fire(e, TransitionContext{2});
      auto it = expected.find({s, e});
      if (it != expected.end()) {
        ASSERT_TRUE(r.ok()) << state_name(s) << " + " << event_name(e);
        EXPECT_EQ(*r, it->second) << state_name(s) << " + " << event_name(e);
        EXPECT_EQ(sm.state(), it->second);
        ++valid;
      } else {
        ASSERT_FALSE(r.ok()) << state_name(s) << " + " << event_name(e) << " should be refused";
        EXPECT_EQ(r.error().code, "bad_state");
        EXPECT_NE(r.error().message.find(std::string(state_name(s))), std::string::npos);
        EXPECT_EQ(sm.state(), s) << "a refused event must not move the machine";
      }
    }
  }
  EXPECT_EQ(valid, 18);
}

TEST(StateMachine, NoDatasetsGoesStraightToRunning) {
  StateMachine sm(State::kReceivingAlgorithm);
  auto r = sm.fire(Event::kAlgorithmReceived, TransitionContext{0});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, State::kRunning);
}

TEST(StateMachine, RefusalKeepsMachineUsable) {
  StateMachine sm(State::kIdle);
  EXPECT_FALSE(sm.fire(Event::kRunComplete).ok());
  EXPECT_FALSE(sm.fire(Event::kStop).ok());
  ASSERT_TRUE(sm.fire(Event::kStart).ok());
  EXPECT_EQ(sm.state(), State::kReceivingManifest);
}

TEST(StateMachine, NamesRoundTrip) {
  for (State s : kAllStates) {
    auto p = parse_state(state_name(s));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(*p, s);
  }
  EXPECT_FALSE(parse_state("Running").ok());
  EXPECT_EQ(status_name(EventStatus::kInProgress), "inProgress");
  EXPECT_EQ(state_name(State::kResultsReady), "resultsReady");
}

}  // namespace
}  // namespace cocos::agent
