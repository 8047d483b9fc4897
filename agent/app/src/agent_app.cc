// cocos-agent's loop: bus wiring, request dispatch, reliable events, workers (see agent_app.h).
#include "agent_app.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "cocos/bus/curve.h"
#include "cocos/bus/io_thread.h"
#include "cocos/messages/errors.h"
#include "cocos/messages/manifest.h"
#include "conversions.h"

namespace cocos::agent::app {
namespace {

constexpr std::size_t kEventsInFlight = 32;
constexpr auto kRequestTimeout = std::chrono::seconds(10);
constexpr const char* kVersion = "0.1.0";

}  // namespace

AgentApp::AgentApp(const AgentConfig& config) : config_(config), ctx_(1) {}

AgentApp::~AgentApp() {
  // The Agent first: it stops a running algorithm through the run worker, which is still alive.
  agent_.reset();
}

Result<std::unique_ptr<AgentApp>> AgentApp::create(const AgentConfig& config, int signal_fd) {
  std::unique_ptr<AgentApp> app(new AgentApp(config));
  if (auto st = app->init(signal_fd); !st) return st.take_error();
  return app;
}

Status AgentApp::init(int signal_fd) {
  signal_fd_ = signal_fd;
  auto q = LoopQueue::create();
  if (!q) return q.take_error();
  queue_ = std::move(*q);

  // Attestation: what this platform can prove. A missing TPM/SNP is not an error (the
  // capability is simply not offered); a forced mode that is absent is.
  auto att = AttestationAdapter::create(config_);
  if (!att) return att.take_error();
  attester_ = std::move(*att);
  attest_worker_ = std::make_unique<JobThread>();
  unpack_worker_ = std::make_unique<JobThread>(16);

  run_cgroups_ = open_run_cgroups(config_);
  runner::RunnerConfig rc = runner_config(config_);
  if (run_cgroups_) rc.cgroup_parent = run_cgroups_->path();
  if (!rc.cgroup_parent.empty()) {
    spdlog::info("algorithms run in cgroups of their own under {}", rc.cgroup_parent);
  } else {
    spdlog::warn(
        "algorithms are contained by their process group only (run-cgroup={}: {}): a process "
        "that calls setsid() can outlive its run",
        config_.run_cgroup,
        config_.run_cgroup == "off" ? "off" : "no writable cgroup v2 directory");
  }
  {
    const runner::RunLimits& l = rc.limits;
    auto show = [](std::uint64_t v, const char* unit) {
      return v == 0 ? std::string("none") : std::to_string(v) + unit;
    };
    spdlog::info(
        "algorithm limits: memory {}, file size {}, open files {}, processes {} (per "
        "process); oom_score_adj {}",
        show(l.memory_bytes, " B"), show(l.file_size_bytes, " B"), show(l.open_files, ""),
        show(l.max_processes, ""),
        rc.oom_score_adj ? std::to_string(*rc.oom_score_adj) : std::string("inherited"));
  }
  if (config_.run_processes_max != 0 && config_.algorithm_uid == 0) {
    // The kernel counts RLIMIT_NPROC per user and does not apply it to root.
    spdlog::warn(
        "run-processes-max applies to docker runs only: bin/python/wasm algorithms run as root "
        "(set --algorithm-uid)");
  }
  archive::ZipOptions results;
  results.max_entries = config_.max_result_files;
  results.max_content_bytes = config_.max_result_bytes;
  runs_ = std::make_unique<RunWorker>(rc, results, *queue_);

  // Bus. The I/O thread first: libzmq starts it with the first socket.
  if (config_.bus_rt_priority != 0) {
    const auto st = bus::use_realtime_io_threads(ctx_, static_cast<int>(config_.bus_rt_priority));
    if (st) {
      spdlog::debug("bus I/O thread: SCHED_FIFO priority {}", config_.bus_rt_priority);
    } else {
      spdlog::info("bus I/O thread keeps the normal policy: {}", st.error().message);
    }
  }
  // DEALER to the manager, routing id = agent id.
  bus::LinkOptions lo;
  lo.limits.max_raw = config_.chunk_size;
  lo.max_frame_bytes = static_cast<std::int64_t>(config_.max_message_bytes);
  if (!config_.curve_key.empty()) {
    auto kp = bus::read_curve_keypair(config_.curve_key);
    if (!kp) return make_error("bad_config", "curve-key: " + kp.error().message);
    auto server = bus::read_curve_key(config_.curve_manager_key);
    if (!server) return make_error("bad_config", "curve-manager-key: " + server.error().message);
    auto raw = bus::curve_key_bytes(kp->public_z85);
    if (!raw) return raw.take_error();
    bus_key_ = *raw;
    lo.curve_client = bus::CurveClientKeys{*kp, *server};
  }
  auto link = bus::AgentLink::connect(ctx_, config_.manager, config_.agent_id, lo);
  if (!link) return make_error(link.error().code, "manager link: " + link.error().message);
  link_.emplace(std::move(*link));
  try {
    // Each (re)connection is announced on an inproc PAIR so that hello is re-sent: a restarted
    // manager learns who we are and which events we still hold.
    const std::string mon = "inproc://agent-monitor";
    if (zmq_socket_monitor(link_->channel().socket().handle(), mon.c_str(),
                           ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED) != 0) {
      return make_error("io_error", "zmq_socket_monitor failed");
    }
    monitor_.emplace(ctx_, zmq::socket_type::pair);
    monitor_->connect(mon);
  } catch (const zmq::error_t& e) {
    return make_error("io_error", std::string("bus monitor: ") + e.what());
  }
  bus::LinkOptions po;
  if (lo.curve_client) po.curve_server = lo.curve_client->own;  // PUB is a CURVE server
  if (!config_.pub_bind.empty()) {
    auto p = bus::EventPublisher::bind(ctx_, config_.pub_bind, config_.agent_id, po);
    if (!p) return make_error(p.error().code, "pub-bind: " + p.error().message);
    pub_.emplace(std::move(*p));
    spdlog::info("events published on {}", pub_->endpoint());
  } else if (!config_.pub_connect.empty()) {
    bus::LinkOptions cpo;
    cpo.curve_client = lo.curve_client;
    auto p = bus::EventPublisher::connect(ctx_, config_.pub_connect, config_.agent_id, cpo);
    if (!p) return make_error(p.error().code, "pub-connect: " + p.error().message);
    pub_.emplace(std::move(*p));
  }

  AgentOptions ao;
  ao.work_dir = config_.work_dir;
  ao.chunk_size = config_.chunk_size;
  ao.upload_credits = config_.upload_credits;
  ao.max_upload_bytes = config_.max_upload_bytes;
  ao.result_chunk_size = config_.chunk_size;
  ao.default_timeout = config_.default_timeout;
  ao.unpack_zip = make_unpacker(config_, *unpack_worker_, *queue_);
  auto agent = Agent::open(std::move(ao), *this, *runs_);
  if (!agent) return make_error(agent.error().code, "work dir: " + agent.error().message);
  agent_ = std::move(*agent);
  runs_->set_agent(agent_.get());
  agent_->resume_interrupted_step();
  return ok_status();
}

std::string AgentApp::startup_line() const {
  std::string caps;
  for (const auto& c : attester_->capabilities()) caps += (caps.empty() ? "" : ",") + c;
  if (caps.empty()) caps = "nothing";
  if (attester_->simulated()) caps += " (SNP SIMULATED)";
  return fmt::format(
      "cocos-agent {} id={} manager={} pub={} work={} state={} computation={} attests={}{}",
      kVersion, config_.agent_id, config_.manager,
      config_.pub_bind.empty() ? (config_.pub_connect.empty() ? "-" : config_.pub_connect)
                               : config_.pub_bind,
      config_.work_dir, state_name(agent_->state()),
      agent_->computation_id().empty() ? "-" : agent_->computation_id(), caps,
      bus_key_.empty() ? "" : " curve=on");
}

int AgentApp::run() {
  spdlog::info("{}", startup_line());
  send_hello();
  next_tick_ = bus::Clock::now() + config_.heartbeat;
  last_ack_progress_ = bus::Clock::now();
  for (;;) {
    zmq::pollitem_t items[] = {
        {link_->channel().socket().handle(), 0, ZMQ_POLLIN, 0},
        {monitor_->handle(), 0, ZMQ_POLLIN, 0},
        {nullptr, queue_->fd(), ZMQ_POLLIN, 0},
        {nullptr, signal_fd_, ZMQ_POLLIN, 0},
    };
    auto now = bus::Clock::now();
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_tick_ - now);
    if (auto t = link_->channel().poll_timeout(now); t && *t < wait) wait = *t;
    if (wait.count() < 0) wait = std::chrono::milliseconds(0);
    try {
      zmq::poll(items, 4, wait);
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      spdlog::error("poll: {}", e.what());
      return 1;
    }
    if (items[3].revents & ZMQ_POLLIN) {
      signalfd_siginfo si{};
      [[maybe_unused]] ssize_t n = ::read(signal_fd_, &si, sizeof si);
      spdlog::info("signal {}: shutting down (state {} is on disk)", si.ssi_signo,
                   state_name(agent_->state()));
      return 0;
    }
    if (items[1].revents & ZMQ_POLLIN) on_monitor_event();
    if (items[2].revents & ZMQ_POLLIN) queue_->drain();
    if (items[0].revents & ZMQ_POLLIN) {
      auto n = link_->dispatch([this](bus::Incoming&& in) { on_message(std::move(in)); });
      if (!n) spdlog::warn("bus: {}", n.error().to_string());
    }
    link_->channel().expire();
    if (bus::Clock::now() >= next_tick_) {
      tick();
      next_tick_ = bus::Clock::now() + config_.heartbeat;
    }
  }
}

void AgentApp::on_monitor_event() {
  for (;;) {
    zmq::message_t ev;
    zmq::message_t addr;
    try {
      if (!monitor_->recv(ev, zmq::recv_flags::dontwait)) return;
      if (ev.more()) (void)monitor_->recv(addr, zmq::recv_flags::dontwait);
    } catch (const zmq::error_t&) {
      return;
    }
    if (ev.size() < 2) continue;
    std::uint16_t id = 0;
    std::memcpy(&id, ev.data(), sizeof id);
    if (id == ZMQ_EVENT_CONNECTED) {
      spdlog::info("connected to manager {}", config_.manager);
      connected_ = false;
      send_hello();
    } else if (id == ZMQ_EVENT_DISCONNECTED) {
      spdlog::warn("disconnected from manager {}", config_.manager);
      connected_ = false;
    }
  }
}

void AgentApp::send_hello() {
  if (hello_pending_) return;
  messages::Hello h;
  h.agent_id = config_.agent_id;
  h.version = kVersion;
  h.capabilities = attester_->capabilities();
  h.simulated_snp = attester_->simulated();
  h.state = std::string(state_name(agent_->state()));
  h.computation_id = agent_->computation_id();
  h.last_seq = agent_->journal().last_seq();
  h.bus_key = bus_key_;
  hello_pending_ = true;
  auto sent = link_->request(
      messages::make_header(messages::MessageType::kHello, 0, agent_->computation_id()), h,
      kRequestTimeout, [this](Result<bus::Incoming> r) {
        hello_pending_ = false;
        if (!r) {
          spdlog::debug("hello: {}", r.error().to_string());
          return;
        }
        const auto* ok = r->body<messages::HelloOk>();
        if (!ok) {
          const auto* err = r->body<messages::ErrorBody>();
          spdlog::warn("hello refused: {}", err ? err->code + ": " + err->message : "?");
          return;
        }
        connected_ = true;
        agent_->manager_acked(ok->acked_seq);
        // Everything after what the manager holds goes (again) on this connection, as far as
        // the journal still has it (a manager that lost its store gets the retained history).
        sent_upto_ = std::min(ok->acked_seq, agent_->journal().last_seq());
        events_in_flight_ = 0;
        last_ack_progress_ = bus::Clock::now();
        spdlog::info("manager holds events up to {}; {} to send", ok->acked_seq,
                     agent_->journal().last_seq() - sent_upto_);
        pump_events();
      });
  if (!sent) {
    hello_pending_ = false;
    spdlog::warn("hello: {}", sent.error().to_string());
  }
}

bool AgentApp::session_lost(const Result<bus::Incoming>& reply) {
  // PROTOCOL.md §10: a timed-out request, or a manager without a session for us ("hello first",
  // after its restart), means: say hello again; hello.ok then drives the event replay.
  bool lost = !reply;
  if (reply) {
    const auto* err = reply->body<messages::ErrorBody>();
    lost = err != nullptr && err->code == "bad_state";
  }
  if (lost && connected_) {
    spdlog::warn("manager session lost ({}); saying hello again",
                 reply ? "bad_state" : reply.error().to_string());
    connected_ = false;
    send_hello();
  }
  return lost;
}

void AgentApp::pump_events() {
  if (!connected_) return;
  while (events_in_flight_ < kEventsInFlight && sent_upto_ < agent_->journal().last_seq()) {
    auto next = agent_->journal().since(sent_upto_, 1, nullptr);
    if (next.empty()) break;
    const EventRecord r = next.front();
    auto sent =
        link_->request(messages::make_header(messages::MessageType::kEvent, 0, r.computation_id),
                       to_event_body(r), kRequestTimeout, [this](Result<bus::Incoming> reply) {
                         if (events_in_flight_ > 0) --events_in_flight_;
                         if (reply) {
                           if (const auto* ack = reply->body<messages::EventAck>()) {
                             agent_->events_acked(ack->seq);
                             last_ack_progress_ = bus::Clock::now();
                           }
                         }
                         pump_events();
                       });
    if (!sent) {
      spdlog::warn("event {}: {}", r.seq, sent.error().to_string());
      break;
    }
    sent_upto_ = r.seq;
    ++events_in_flight_;
  }
}

void AgentApp::tick() {
  if (!connected_) {
    send_hello();
    return;
  }
  // Events sent but not acknowledged for a while (lost with a dropped connection): send again.
  if (agent_->journal().acked_seq() < sent_upto_ && events_in_flight_ == 0 &&
      bus::Clock::now() - last_ack_progress_ > 2 * config_.heartbeat) {
    sent_upto_ = agent_->journal().acked_seq();
    last_ack_progress_ = bus::Clock::now();
  }
  pump_events();
  if (ping_pending_) return;
  ping_pending_ = true;
  auto sent = link_->request(
      messages::make_header(messages::MessageType::kPing, 0, agent_->computation_id()),
      messages::Ping{}, 3 * config_.heartbeat, [this](Result<bus::Incoming> r) {
        ping_pending_ = false;
        (void)session_lost(r);
      });
  if (!sent) ping_pending_ = false;
}

// --- Outbox --------------------------------------------------------------------------------

void AgentApp::publish(const messages::Body& body) {
  if (!pub_) return;
  messages::Envelope env{
      messages::make_header(messages::type_of(body), 0, agent_ ? agent_->computation_id() : ""),
      body};
  // PUB never blocks: a slow subscriber loses messages (the reliable path is the DEALER).
  if (auto st = pub_->publish(env); !st) spdlog::warn("pub: {}", st.error().to_string());
}

void AgentApp::send_notice(messages::Body body, zmq::message_t* raw) {
  messages::Envelope env{messages::make_header(messages::type_of(body), link_->channel().next_id(),
                                               agent_ ? agent_->computation_id() : ""),
                         std::move(body)};
  if (auto st = link_->send(env, raw); !st) {
    spdlog::warn("send {}: {}", messages::wire_name(env.header.type), st.error().to_string());
  }
}

void AgentApp::event(const EventRecord& record) {
  spdlog::info("event #{} {} {} {}", record.seq, record.state, record.status,
               nlohmann::json(record.details)
                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  publish(to_event_body(record));
  // Startup events are journaled before the link exists; hello.ok triggers their delivery.
  if (link_) pump_events();
}

void AgentApp::log(std::string_view computation_id, std::string_view stream, std::string_view line,
                   std::uint64_t dropped) {
  messages::Log l;
  l.computation_id = std::string(computation_id);
  l.stream = std::string(stream);
  l.line = std::string(line);
  l.dropped = dropped;
  spdlog::debug("[{}] {}", stream, line);
  publish(l);
  // Logs are notices: while the manager is away they would only fill the queue, so the PUB copy
  // is all they get.
  if (connected_) send_notice(std::move(l));
}

void AgentApp::upload_credit(std::uint64_t upload_id, std::uint64_t acked, std::uint32_t credits) {
  messages::UploadCredit c;
  c.upload_id = upload_id;
  c.acked = acked;
  c.credits = credits;
  send_notice(std::move(c));
}

Result<std::size_t> AgentApp::result_chunk(std::uint64_t stream_id, std::uint64_t offset,
                                           std::size_t size, const ChunkFill& fill) {
  // The core reads the file straight into the frame that is sent.
  zmq::message_t raw(size);
  auto n = fill(std::span<std::uint8_t>(static_cast<std::uint8_t*>(raw.data()), size));
  if (!n) return n.take_error();
  if (*n != size) return make_error("internal", "result chunk: read fewer bytes than asked");
  messages::ResultChunk c;
  c.stream_id = stream_id;
  c.offset = offset;
  send_notice(std::move(c), &raw);
  return *n;
}

void AgentApp::result_end(std::uint64_t stream_id, std::uint64_t size, const Bytes& sha3) {
  messages::ResultEnd e;
  e.stream_id = stream_id;
  e.size = size;
  e.sha3_256 = sha3;
  send_notice(std::move(e));
}

}  // namespace cocos::agent::app
