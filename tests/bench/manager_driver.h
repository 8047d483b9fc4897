// The manager's side of the protocol, just enough to drive the real cocos-agent through a
// computation and time it: bind the ROUTER, answer hello/event/ping, put a manifest, upload an
// item from a file with credits, fetch the result as a consumer with credits. Single thread.
// (The manager helper's library was not in main when this was written; this follows
// messages/PROTOCOL.md directly.)
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "cocos/bus/manager_endpoint.h"
#include "cocos/common/keys.h"

namespace cocos::bench {

struct ResultFetch {
  double seconds = 0;  // result.get sent .. result.end received with size and hash checked
  std::uint64_t size = 0;
};

class ManagerDriver {
 public:
  static Result<std::unique_ptr<ManagerDriver>> bind();
  const std::string& endpoint() const { return ep_->endpoint(); }

  // Serves until an agent says hello; returns when it arrived.
  Result<bus::Clock::time_point> wait_hello(std::chrono::milliseconds timeout);
  // Keeps answering the agent for `d`.
  Status serve_for(std::chrono::milliseconds d);
  // Serves until an event with `state` arrives ("failed" ends the wait with an Error).
  Status wait_state(const std::string& state, std::chrono::milliseconds timeout);
  // A request to the agent; an `error` reply becomes an Error with the agent's code.
  Result<bus::Incoming> call(const std::string& cid, messages::Body body,
                             std::chrono::milliseconds timeout);
  // upload.begin .. upload.end for the file at `path`; returns the seconds it took.
  Result<double> upload(const std::string& cid, const messages::UploadBegin& begin,
                        const std::string& path);
  // result.challenge, result.get (signed with `consumer`), the stream into `out_path`, the
  // size/SHA3-256 check and result.ack.
  Result<ResultFetch> fetch_result(const std::string& cid, const PrivateKey& consumer,
                                   const std::string& out_path);

 private:
  ManagerDriver() = default;
  void serve(bus::Incoming&& in);
  Status poll(std::chrono::milliseconds max_wait);

  zmq::context_t ctx_{1};
  std::unique_ptr<bus::ManagerEndpoint> ep_;
  std::string agent_;  // routing id of the agent that said hello
  bool hello_ = false;
  std::string last_state_, last_reason_;
  std::uint64_t acked_seq_ = 0;
  // Gets stream notices (upload.credit, result.chunk, result.end) while a transfer runs.
  std::function<void(bus::Incoming&)> stream_;
};

}  // namespace cocos::bench
