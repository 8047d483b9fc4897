// state, stop and attest: one request to an agent, reply printed (evidence written to a file).
#include <openssl/rand.h>

#include <iostream>

#include "attest_verify.h"
#include "cocos/manager/agent_session.h"
#include "cocos/manager/offline_tools.h"
#include "cocos/verifier/kds/http_get.h"
#include "commands.h"

namespace cocos::manager::app {
namespace {

namespace m = cocos::messages;
using Clock = std::chrono::steady_clock;

int fail(const std::string& what, const Error& e) {
  std::cerr << "cocos-manager: " << what << ": " << e.to_string() << "\n";
  return 1;
}

// Binds, waits for the agent, then calls `request` and hands the reply to `use`.
template <class F>
int with_agent(const AgentOptions& o, const m::Body& request, const std::string& what, F use) {
  auto router = Router::bind(o.bind, RouterOptions{o.curve_key, o.curve_agent_keys});
  if (!router) return fail(what, router.error());
  std::cerr << "manager: bus bound at " << router->endpoint() << ", waiting for "
            << (o.agent.empty() ? std::string("an agent") : o.agent) << "\n";
  SessionObserver obs;
  obs.on_hello = [](const m::Hello& h, std::uint64_t) {
    std::cerr << "hello  " << h.agent_id << " version " << h.version << " state " << h.state
              << (h.simulated_snp ? "  [SIMULATED SEV-SNP]" : "") << "\n";
  };
  AgentSession session(*router, o.events_log.empty() ? default_events_dir() : o.events_log, obs);
  Deadline deadline = Clock::now() + std::chrono::seconds(o.timeout);
  auto agent = session.wait_agent(o.agent, deadline);
  if (!agent) return fail(what, agent.error());
  std::string cid = session.hello() ? session.hello()->computation_id : std::string();
  auto reply = session.call(request, cid, deadline);
  if (!reply) return fail(what, reply.error());
  int rc = use(*reply);
  // Before exiting, take in the events the agent has issued so far (e.g. the one `stop`
  // caused), so the event log is complete and the agent need not keep them.
  auto st = session.call(m::StateGet{}, cid, deadline);
  if (st) {
    std::uint64_t seq = std::get<m::State>(st->envelope.body).seq;
    auto settle = std::min(deadline, Clock::now() + std::chrono::seconds(5));
    if (!session.pump_until([&] { return session.stored_seq() >= seq; }, settle))
      std::cerr << "cocos-manager: events up to " << seq << " not all received yet\n";
  }
  return rc;
}

Result<Bytes> nonce(const std::string& hex, std::size_t max, const char* name) {
  if (hex.empty()) {
    Bytes b(max);
    if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1)
      return make_error("internal", "no randomness for the nonce");
    return b;
  }
  auto b = from_hex(hex);
  if (!b) return make_error("usage", std::string(name) + ": " + b.error().message);
  if (b->size() > max)
    return make_error("usage",
                      std::string(name) + " is longer than " + std::to_string(max) + " bytes");
  return b;
}

}  // namespace

int run_state(const AgentOptions& o) {
  return with_agent(o, m::StateGet{}, "state", [](const Incoming& in) {
    const auto& s = std::get<m::State>(in.envelope.body);
    std::cout << "agent:       " << in.agent_id << "\n"
              << "state:       " << s.state << "\n"
              << "status:      " << s.status << "\n"
              << "computation: " << (s.computation_id.empty() ? "-" : s.computation_id) << "\n"
              << "event seq:   " << s.seq << "\n"
              << "consumers pending: " << s.consumers_pending << "\n";
    for (const auto& it : s.items) {
      std::cout << "item:        " << it.item;
      if (it.item == "dataset") std::cout << " " << it.index << " (" << it.filename << ")";
      std::cout << (it.received ? " received" : " pending") << ", " << it.bytes << " bytes\n";
    }
    return 0;
  });
}

int run_stop(const StopOptions& o) {
  return with_agent(o.agent, m::ComputationStop{o.reason}, "stop", [](const Incoming& in) {
    std::cout << "agent " << in.agent_id << ": computation stopped\n";
    return 0;
  });
}

int run_attest(const AttestOptions& o) {
  auto tee = nonce(o.tee_nonce, 64, "--tee-nonce");
  if (!tee) return fail("attest", tee.error());
  auto vtpm = nonce(o.vtpm_nonce, 32, "--vtpm-nonce");
  if (!vtpm) return fail("attest", vtpm.error());
  if (o.verify && o.policy.empty()) {
    std::cerr << "cocos-manager: attest: usage: --verify needs --policy FILE\n";
    return 2;
  }
  const bool kds = o.kds || o.kds_crl || !o.kds_url.empty() || !o.kds_cache.empty();
  if (kds && !o.verify) {
    std::cerr << "cocos-manager: attest: usage: --kds, --kds-crl, --kds-url and --kds-cache "
                 "need --verify\n";
    return 2;
  }
  if (auto url = verifier::kds::base_url_option(o.kds_url); !url) {
    std::cerr << "cocos-manager: attest: usage: --kds-url: " << url.error().message << "\n";
    return 2;
  }
  if (!o.kds_cache.empty() && !(o.kds || o.kds_crl || !o.kds_url.empty())) {
    std::cerr << "cocos-manager: attest: usage: --kds-cache needs --kds or --kds-crl\n";
    return 2;
  }
  m::AttestationGet req{o.type, *tee, *vtpm, o.bind_bus_key || o.verify};
  return with_agent(o.agent, req, "attest", [&](const Incoming& in) {
    const auto& ev = std::get<m::Evidence>(in.envelope.body);
    // The file is the evidence body, the msgpack map the verifier reads.
    std::string body = m::encode_body(in.envelope.body);
    if (auto st = write_file_atomic(o.out, body, 0644); !st) return fail("attest", st.error());
    std::cout << "evidence:   " << o.out << " (" << body.size() << " bytes)\n"
              << "platform:   " << ev.platform
              << (ev.simulated ? "  [SIMULATED SEV-SNP: software PSP, not a real CVM]" : "") << "\n"
              << "binding:    " << ev.binding << "\n"
              << "tee_nonce:  " << to_hex(ev.tee_nonce) << "\n"
              << "vtpm_nonce: " << to_hex(ev.vtpm_nonce) << "\n";
    if (ev.quotes) std::cout << "quotes:     " << ev.quotes->size() << "\n";
    if (ev.bus_key) std::cout << "bus_key:    " << to_hex(*ev.bus_key) << "\n";
    if (o.verify) return verify_and_pin(o, body, *tee, *vtpm);
    return 0;
  });
}

}  // namespace cocos::manager::app
