// Bus test helpers: temp dirs, a bounded pump that drives several channels on one thread until a
// condition holds, and canned replies.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "cocos/bus/agent_link.h"
#include "cocos/bus/manager_endpoint.h"

namespace cocos::bus::testing {

using namespace std::chrono_literals;
using messages::Body;
using messages::make_header;
using messages::MessageType;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cocos-bus-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Polls each channel in turn (the same thread owns all of them) until done() or a generous bound
// (a safety net against hangs, not a performance assertion). Returns whether done() held.
inline bool pump(std::vector<std::pair<Channel*, MessageHandler>> chans,
                 const std::function<bool()>& done, std::chrono::seconds bound = 20s) {
  const auto end = Clock::now() + bound;
  bool finished = false;  // done() may have side effects: evaluate it once per round
  while (!(finished = done()) && Clock::now() < end) {
    std::vector<zmq::pollitem_t> items;
    for (auto& [c, h] : chans) items.push_back({c->socket().handle(), 0, ZMQ_POLLIN, 0});
    (void)zmq::poll(items, std::chrono::milliseconds(10));
    for (auto& [c, h] : chans) {
      auto r = c->dispatch(h);
      EXPECT_TRUE(r.ok()) << r.error().to_string();
      c->expire();
    }
  }
  return finished;
}

// An agent-side handler answering ping with pong and everything else with ok.
inline MessageHandler answer_pings(Channel& c) {
  return [&c](Incoming&& in) {
    if (messages::info(in.type()).cls != messages::MessageClass::kRequest) return;
    if (in.type() == MessageType::kPing) {
      EXPECT_TRUE(c.reply(in, messages::Pong{}).ok());
    } else if (in.type() == MessageType::kHello) {
      EXPECT_TRUE(c.reply(in, messages::HelloOk{in.body<messages::Hello>()->last_seq}).ok());
    } else {
      EXPECT_TRUE(c.reply(in, messages::Ok{}).ok());
    }
  };
}

}  // namespace cocos::bus::testing
