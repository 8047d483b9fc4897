// SessionObserver building blocks shared by the manager's workflows: the lines a person reads
// (hello, event and log lines on a stream) and the chaining of two observers, so that a workflow
// can print, track its own state and feed the HTTP face from the same session.
#pragma once

#include <ostream>

#include "cocos/manager/agent_session.h"

namespace cocos::manager {

// Prints "hello ..." (labelling a simulated SEV-SNP), event lines and log lines to `out`,
// flushed per line. `out` must outlive the observer.
SessionObserver printing_observer(std::ostream& out);

// Every hook set in either: `first`'s callback, then `then`'s.
SessionObserver chain_observers(SessionObserver first, SessionObserver then);

}  // namespace cocos::manager
