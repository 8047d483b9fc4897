// The subcommands of cocos-manager: one options struct and one handler per subcommand. Each
// handler returns the process exit code (0 success, 1 failure; usage errors are CLI11's, 2) and
// prints its own error message.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cocos/manager/agent_session.h"
#include "cocos/manager/http/monitor.h"

namespace cocos::manager::app {

struct KeysOptions {
  std::string type = "ed25519";
  std::string out;
};
int run_keys(const KeysOptions& o);

struct ChecksumOptions {
  std::string path;
  bool manifest = false;  // hash the manifest's canonical JSON (what the agent measures)
  bool base64 = false;
};
int run_checksum(const ChecksumOptions& o);

struct SignOptions {
  std::string key;
  std::string computation;
  std::string item;
  std::uint32_t index = 0;
  std::string filename;
  std::string file;
  std::string out;
};
int run_sign(const SignOptions& o);

}  // namespace cocos::manager::app

namespace cocos::manager::app {

struct RunOptions {
  std::string bind;
  std::string manifest;
  std::string algorithm;
  std::string algorithm_sig;
  std::string requirements;
  std::string requirements_sig;
  std::vector<std::string> datasets;  // FILE:SIG
  std::string consumer_key;
  std::string results;
  std::string agent;
  unsigned timeout = 600;
  std::string events_log;
  std::string curve_key;
  std::vector<std::string> curve_agent_keys;
  std::string http;        // ADDR:PORT of the HTTP face (dashboard, API, metrics); "" = off
  bool http_hold = false;  // after the run, keep serving HTTP until Enter (or end of input)
};
int run_run(const RunOptions& o);
// --http: when `address` is set, starts the HTTP face into `monitor`, hands its observer to
// `observer` and prints its URL; false (with the reason on stderr) when it cannot start.
bool start_dashboard(const std::string& address, std::unique_ptr<http::Monitor>& monitor,
                     SessionObserver& observer);

struct ServeOptions {
  std::string bind;
  std::string events_log;
  std::string curve_key;
  std::vector<std::string> curve_agent_keys;
  std::string http;  // ADDR:PORT of the HTTP face; "" = off
};
int run_serve(const ServeOptions& o);

struct WatchOptions {
  std::string connect;
  std::string agent;
  bool json = false;
  std::uint64_t count = 0;
  std::string curve_server_key;
  std::string curve_key;
  unsigned spin_us = 1000;
  unsigned rt_priority = 0;
};
int run_watch(const WatchOptions& o);

// state, stop and attest: bind, wait for the agent's hello, one request, print the reply.
struct AgentOptions {
  std::string bind;
  std::string curve_key;                      // manager's CURVE key pair prefix
  std::vector<std::string> curve_agent_keys;  // admitted agents' public key files
  std::string agent;
  unsigned timeout = 60;
  std::string events_log;
};
int run_state(const AgentOptions& o);

struct StopOptions {
  AgentOptions agent;
  std::string reason = "stopped by operator";
};
int run_stop(const StopOptions& o);

struct AttestOptions {
  AgentOptions agent;
  std::string type = "snp-vtpm";
  std::string out;
  std::string tee_nonce;   // hex, <= 64 bytes
  std::string vtpm_nonce;  // hex, <= 32 bytes
  bool bind_bus_key = false;
  // --verify: verify the evidence (implies bind_bus_key) and only then pin the agent's key.
  bool verify = false;
  std::string policy;                    // verifier policy file (required with --verify)
  std::vector<std::string> trust_roots;  // extra roots (the simulated SNP's ARK)
  std::vector<std::string> crls;         // AMD CRL files (revocation, offline)
  bool kds = false;                      // fetch a missing VCEK from AMD's KDS
  bool kds_crl = false;                  // fetch the ARK's CRL from AMD's KDS
  std::string kds_url;                   // KDS base URL (a mirror); implies kds
  std::string kds_cache;                 // cache folder for fetched VCEKs and CRLs
  bool require_event_log = false;        // a vTPM evidence without firmware event log fails
  std::string expect_agent_key;          // Z85 .pub file the attested key must equal
  std::string pin;                       // where to write the verified key (Z85)
};
int run_attest(const AttestOptions& o);

// Default event log directory: $COCOS_MANAGER_EVENTS, else $XDG_STATE_HOME/cocos-manager/events,
// else ~/.local/state/cocos-manager/events.
std::string default_events_dir();

}  // namespace cocos::manager::app
