// cocos-agent attestation wiring, with a real swtpm and the simulated SNP: hello advertises the
// capabilities, attestation.get is answered from the worker thread (also in the middle of a
// run), an accepted manifest extends PCR16, and the event log file travels with vTPM evidence.
#include <gtest/gtest.h>

#include <fstream>

#include "../attestation/swtpm_fixture.h"
#include "bus_harness.h"
#include "cocos/messages/manifest.h"

namespace cocos::agent::testing {
namespace {

TEST(AgentAttestation, SnpVtpmEvidenceAndPcr16) {
  TempDir dir;
  auto tpm = cocos::testing::Swtpm::start(dir.path() + "/tpm");
  ASSERT_TRUE(tpm.ok()) << tpm.error().to_string();
  FakeManager mgr;
  ASSERT_TRUE(mgr.ok());
  AgentProcess agent;
  const std::string log = dir.path() + "/agent.log";
  // The agent sends the event log file as it is (the verifier replays it; tests/attestation).
  const std::string event_log = dir.path() + "/event_log.bin";
  const std::string event_log_bytes = "not checked by the agent";
  std::ofstream(event_log) << event_log_bytes;
  ASSERT_TRUE(
      agent.start({"--agent-id", mgr.agent_id, "--manager", mgr.endpoint(), "--work-dir",
                   dir.path() + "/work", "--heartbeat", "1", "--tcti", (*tpm)->tcti(), "--snp-mode",
                   "simulated", "--snp-sim-dir", dir.path() + "/sim", "--tpm-event-log", event_log},
                  log));
  ASSERT_TRUE(mgr.wait_for([&] { return !mgr.hellos.empty(); })) << read_text(log);
  const auto& caps = mgr.hellos.back().capabilities;
  EXPECT_NE(std::find(caps.begin(), caps.end(), "snp-vtpm"), caps.end());
  EXPECT_TRUE(mgr.hellos.back().simulated_snp);

  messages::AttestationGet get;
  get.type = "snp-vtpm";
  get.tee_nonce = Bytes(64, 0x11);
  get.vtpm_nonce = Bytes(32, 0x22);
  auto r = mgr.call(get);
  ASSERT_EQ(FakeManager::error_code(r), "") << read_text(log);
  const auto* ev = r->body<messages::Evidence>();
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(ev->platform, "snp-vtpm");
  EXPECT_TRUE(ev->simulated);
  ASSERT_TRUE(ev->snp_report.has_value());
  EXPECT_EQ(ev->snp_report->size(), 1184u);
  ASSERT_TRUE(ev->quotes.has_value());
  EXPECT_FALSE(ev->quotes->empty());
  EXPECT_EQ(ev->binding, "sha3-512(tee_nonce|ak_public)");
  ASSERT_TRUE(ev->event_log.has_value());
  EXPECT_EQ(std::string(ev->event_log->begin(), ev->event_log->end()), event_log_bytes);

  // PCR16 before and after a manifest is accepted. The extension runs on the same worker as
  // attestation requests, so the next evidence already shows it.
  auto pcr16 = [&]() -> Bytes {
    messages::AttestationGet v;
    v.type = "vtpm";
    v.vtpm_nonce = Bytes(32, 0x33);
    auto e = mgr.call(v);
    if (FakeManager::error_code(e) != "") return {};
    for (const auto& q : *e->body<messages::Evidence>()->quotes) {
      if (q.hash_alg == "sha256" && q.pcrs.count(16)) return q.pcrs.at(16);
    }
    return {};
  };
  const Bytes before = pcr16();
  ASSERT_EQ(before.size(), 32u);
  Party p = Party::make();
  std::string key_json;
  for (char c : p.pem) key_json += c == '\n' ? std::string("\\n") : std::string(1, c);
  auto m = messages::parse_manifest_json(
      "{\"id\":\"pcr\",\"algorithm\":{\"hash\":\"" + std::string(64, 'a') +
      "\",\"algo_type\":\"bin\",\"userKey\":\"" + key_json +
      "\"},\"result_consumers\":[{\"userKey\":\"" + key_json + "\"}]}");
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  messages::ManifestPut put;
  put.manifest = *m;
  ASSERT_EQ(FakeManager::error_code(mgr.call(put, "pcr")), "");
  const Bytes after = pcr16();
  ASSERT_EQ(after.size(), 32u);
  EXPECT_NE(after, before) << "PCR16 was not extended with the manifest";

  // Oversize nonce: a clear error, and the agent keeps serving.
  get.tee_nonce = Bytes(65, 1);
  EXPECT_EQ(FakeManager::error_code(mgr.call(get)), "bad_nonce");
  EXPECT_EQ(FakeManager::error_code(mgr.call(messages::Ping{})), "");
  agent.kill(SIGKILL);
}

}  // namespace
}  // namespace cocos::agent::testing
