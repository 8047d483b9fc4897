// The cocos-agent program: owns the zmq context, the DEALER link to the manager (bus::Channel),
// the PUB socket for events and logs, the Agent core, the run and attestation workers, and the
// single-threaded loop that polls them all:
//   * the DEALER: requests from the manager go to the Agent; replies to our hello/event/ping;
//   * a socket monitor on the DEALER: each (re)connection re-sends hello, whose hello.ok tells
//     which events the manager already holds, so the rest are re-sent;
//   * the LoopQueue eventfd: run logs/outcomes and attestation results from the workers;
//   * a signalfd for SIGTERM/SIGINT: graceful exit (the run is killed; state stays on disk).
// It implements the core's Outbox: events go to PUB (best effort) and, reliably, as `event`
// requests acknowledged cumulatively by `event.ack`.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <zmq.hpp>

#include "attestation_adapter.h"
#include "cocos/agent/core/agent.h"
#include "cocos/agent/core/config.h"
#include "cocos/bus/agent_link.h"
#include "cocos/bus/pubsub.h"
#include "cocos/messages/codec.h"
#include "job_thread.h"
#include "loop_queue.h"
#include "run_worker.h"

namespace cocos::agent::app {

class AgentApp : public Outbox {
 public:
  // Builds everything; errors name what failed (config, socket, work dir, attestation).
  static Result<std::unique_ptr<AgentApp>> create(const AgentConfig& config, int signal_fd);
  ~AgentApp() override;

  // Runs until SIGTERM/SIGINT arrives on the signal fd. Returns the process exit code.
  int run();

  // Outbox
  void event(const EventRecord& record) override;
  void log(std::string_view computation_id, std::string_view stream, std::string_view line,
           std::uint64_t dropped) override;
  void upload_credit(std::uint64_t upload_id, std::uint64_t acked, std::uint32_t credits) override;
  Result<std::size_t> result_chunk(std::uint64_t stream_id, std::uint64_t offset, std::size_t size,
                                   const ChunkFill& fill) override;
  void result_end(std::uint64_t stream_id, std::uint64_t size, const Bytes& sha3) override;

 private:
  explicit AgentApp(const AgentConfig& config);
  Status init(int signal_fd);
  void on_message(bus::Incoming&& in);
  void handle_request(bus::Incoming& in);
  void reply_error(const bus::Incoming& in, const Error& e);
  void send_notice(messages::Body body, zmq::message_t* raw = nullptr);
  void publish(const messages::Body& body);
  void send_hello();
  void pump_events();
  // True (and a new hello is under way) when `reply` shows the manager lost our session.
  bool session_lost(const Result<bus::Incoming>& reply);
  void tick();
  void on_monitor_event();
  void start_attestation(const bus::Incoming& in, const messages::AttestationGet& req);
  std::string startup_line() const;

  AgentConfig config_;
  zmq::context_t ctx_;
  std::unique_ptr<LoopQueue> queue_;
  std::unique_ptr<AttestationAdapter> attester_;
  // Parent of the runs' cgroups; declared before runs_ so that it goes after the runs.
  std::optional<runner::AgentRunCgroups> run_cgroups_;
  std::unique_ptr<RunWorker> runs_;
  std::unique_ptr<JobThread> attest_worker_;
  // Unpacks zipped datasets off the loop thread. Dropped after the Agent (~AgentApp resets it
  // first); its last outcome, posted to a queue nobody drains any more, removes its own files.
  std::unique_ptr<JobThread> unpack_worker_;
  std::optional<bus::AgentLink> link_;
  std::optional<bus::EventPublisher> pub_;
  std::optional<zmq::socket_t> monitor_;
  std::unique_ptr<Agent> agent_;
  Bytes bus_key_;
  int signal_fd_ = -1;

  // Connection and reliable event delivery.
  bool connected_ = false;  // hello.ok received on the current connection
  bool hello_pending_ = false;
  bool ping_pending_ = false;
  std::uint64_t sent_upto_ = 0;  // highest event seq sent on this connection
  std::size_t events_in_flight_ = 0;
  bus::Clock::time_point next_tick_;
  bus::Clock::time_point last_ack_progress_;
};

}  // namespace cocos::agent::app
