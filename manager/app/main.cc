// cocos-manager: the reference manager (run, serve, state, stop, attest, watch) and the operator's
// offline tools (keys, checksum, sign). This file only declares the command line; each
// subcommand lives in its own cmd_*.cc.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cocos/common/malloc_tuning.h"
#include "commands.h"

namespace app = cocos::manager::app;

int main(int argc, char** argv) {
  cocos::keep_bulk_buffers_in_heap();
  CLI::App cli{"cocos-manager: reference manager and operator tools for cocos-cpp agents"};
  cli.require_subcommand(1);
  int rc = 0;

  app::KeysOptions keys;
  auto* k =
      cli.add_subcommand("keys", "generate a key pair (PREFIX.pem private, PREFIX.pub.pem public)");
  k->add_option("--type,-t", keys.type, "rsa | ecdsa | ed25519")
      ->check(CLI::IsMember({"rsa", "ecdsa", "ed25519"}))
      ->capture_default_str();
  k->add_option("--out,-o", keys.out, "path prefix of the two key files")->required();
  k->callback([&] { rc = app::run_keys(keys); });

  app::ChecksumOptions sum;
  auto* c = cli.add_subcommand(
      "checksum", "SHA3-256 (hex) of a file, a directory (deterministic zip) or a manifest");
  c->add_option("path", sum.path, "FILE or DIR")->required();
  c->add_flag("--manifest,-m", sum.manifest,
              "PATH is a manifest JSON: hash its canonical form (PCR16 value)");
  c->add_flag("--base64,-b", sum.base64, "print base64 instead of hex");
  c->callback([&] { rc = app::run_checksum(sum); });

  app::SignOptions sign;
  auto* s = cli.add_subcommand("sign", "sign an upload offline (provider side)");
  s->add_option("--key,-k", sign.key, "provider's private key (PEM)")->required();
  s->add_option("--computation,-c", sign.computation, "computation id (manifest \"id\")")
      ->required();
  s->add_option("--item,-i", sign.item, "algorithm | requirements | dataset")
      ->required()
      ->check(CLI::IsMember({"algorithm", "requirements", "dataset"}));
  s->add_option("--index", sign.index, "dataset index in the manifest (0-based)");
  s->add_option("--filename", sign.filename,
                "dataset filename in the manifest (default: FILE's name)");
  s->add_option("file", sign.file, "FILE (or DIR, signed as its deterministic zip)")->required();
  s->add_option("--out,-o", sign.out, "signature file to write (base64)")->required();
  s->callback([&] { rc = app::run_sign(sign); });

  app::RunOptions run;
  auto* r = cli.add_subcommand("run", "run one computation on an agent, end to end");
  r->add_option("--bind", run.bind, "ROUTER endpoint agents connect to (tcp://127.0.0.1:7001)")
      ->required();
  r->add_option("--manifest", run.manifest, "manifest JSON")->required()->check(CLI::ExistingFile);
  r->add_option("--algorithm", run.algorithm, "algorithm file")
      ->required()
      ->check(CLI::ExistingFile);
  r->add_option("--algorithm-sig", run.algorithm_sig, "algorithm provider's signature file")
      ->required();
  r->add_option("--requirements", run.requirements, "python requirements file")
      ->check(CLI::ExistingFile);
  r->add_option("--requirements-sig", run.requirements_sig, "signature of the requirements file");
  r->add_option("--dataset", run.datasets,
                "FILE:SIG (FILE may be a directory: uploaded as its zip); repeat")
      ->take_all();
  r->add_option("--consumer-key", run.consumer_key, "result consumer's private key")->required();
  r->add_option("--results", run.results, "where to store the results zip")->required();
  r->add_option("--agent", run.agent, "agent id to wait for (default: the first agent)");
  r->add_option("--timeout", run.timeout, "seconds for the whole run")->capture_default_str();
  r->add_option("--curve-key", run.curve_key,
                "prefix of the manager's CURVE key pair (PREFIX.pub/.key, see cocos-curve-keygen)");
  r->add_option("--curve-agent-key", run.curve_agent_keys,
                "public key file of an agent to admit (repeat)")
      ->take_all();
  r->add_option("--events-log", run.events_log,
                "event log directory (default: $COCOS_MANAGER_EVENTS or "
                "~/.local/state/cocos-manager/events)");
  r->add_option("--http", run.http,
                "serve the dashboard, JSON API and metrics at ADDR:PORT (PORT alone: loopback; "
                "port 0: any free port)");
  r->add_flag("--http-hold", run.http_hold,
              "after the run, keep the dashboard up until Enter (or end of input)");
  r->callback([&] { rc = app::run_run(run); });

  app::ServeOptions serve;
  auto* sv = cli.add_subcommand(
      "serve", "hold any number of agents: store their events, serve the dashboard; until SIGTERM");
  sv->add_option("--bind", serve.bind, "ROUTER endpoint agents connect to (tcp://127.0.0.1:7001)")
      ->required();
  sv->add_option("--events-log", serve.events_log,
                 "event log directory (default: $COCOS_MANAGER_EVENTS or "
                 "~/.local/state/cocos-manager/events)");
  sv->add_option("--curve-key", serve.curve_key, "prefix of the manager's CURVE key pair");
  sv->add_option("--curve-agent-key", serve.curve_agent_keys,
                 "public key file of an agent to admit (repeat)")
      ->take_all();
  sv->add_option("--http", serve.http,
                 "serve the dashboard, JSON API and metrics at ADDR:PORT (PORT alone: loopback; "
                 "port 0: any free port)");
  sv->callback([&] { rc = app::run_serve(serve); });

  app::WatchOptions watch;
  auto* w = cli.add_subcommand("watch", "print an agent's published events and logs");
  w->add_option("--connect", watch.connect, "the agent's PUB endpoint")->required();
  w->add_option("--agent", watch.agent, "only this agent");
  w->add_flag("--json", watch.json, "JSON lines");
  w->add_option("--count", watch.count, "exit after N messages (default: run until killed)");
  w->add_option("--curve-server-key", watch.curve_server_key,
                "the agent's CURVE public key file (needed when the agent runs with CURVE)");
  w->add_option("--curve-key", watch.curve_key,
                "this monitor's CURVE key pair prefix (default: a fresh pair for this run)");
  w->add_option("--spin-us", watch.spin_us,
                "after each message, poll this long without sleeping before blocking (lower "
                "latency through a burst of events; 0: always block)")
      ->capture_default_str()
      ->check(CLI::Range(0u, 1000000u));
  w->add_option("--rt-priority", watch.rt_priority,
                "SCHED_FIFO priority of the bus I/O thread where permitted (0: normal policy)")
      ->capture_default_str()
      ->check(CLI::Range(0u, 99u));
  w->callback([&] { rc = app::run_watch(watch); });

  auto agent_opts = [](CLI::App* sc, app::AgentOptions& o) {
    sc->add_option("--bind", o.bind, "ROUTER endpoint agents connect to")->required();
    sc->add_option("--agent", o.agent, "agent id to wait for (default: the first agent)");
    sc->add_option("--timeout", o.timeout, "seconds to wait")->capture_default_str();
    sc->add_option("--events-log", o.events_log, "event log directory");
    sc->add_option("--curve-key", o.curve_key, "prefix of the manager's CURVE key pair");
    sc->add_option("--curve-agent-key", o.curve_agent_keys,
                   "public key file of an agent to admit (repeat)")
        ->take_all();
  };
  app::AgentOptions state;
  auto* st = cli.add_subcommand("state", "print an agent's state");
  agent_opts(st, state);
  st->callback([&] { rc = app::run_state(state); });

  app::StopOptions stop;
  auto* sp = cli.add_subcommand("stop", "stop the agent's computation");
  agent_opts(sp, stop.agent);
  sp->add_option("--reason", stop.reason, "reason recorded in the stop event")
      ->capture_default_str();
  sp->callback([&] { rc = app::run_stop(stop); });

  app::AttestOptions attest;
  auto* at =
      cli.add_subcommand("attest", "fetch attestation evidence (for cocos-verifier evidence FILE)");
  agent_opts(at, attest.agent);
  at->add_option("--type", attest.type, "snp | vtpm | snp-vtpm")
      ->check(CLI::IsMember({"snp", "vtpm", "snp-vtpm"}))
      ->capture_default_str();
  at->add_option("--out", attest.out, "evidence file to write (msgpack evidence body)")->required();
  at->add_option("--tee-nonce", attest.tee_nonce, "hex, <= 64 bytes (default: random)");
  at->add_option("--vtpm-nonce", attest.vtpm_nonce, "hex, <= 32 bytes (default: random)");
  at->add_flag("--bind-bus-key", attest.bind_bus_key,
               "bind the agent's CURVE key into the evidence");
  at->add_flag("--verify", attest.verify,
               "verify the evidence (implies --bind-bus-key) and only then pin the agent's key");
  at->add_option("--policy", attest.policy, "verifier policy file (with --verify)");
  at->add_option("--trust-root", attest.trust_roots,
                 "extra trusted root certificate (PEM), e.g. the simulated SNP's ARK; repeat")
      ->take_all();
  at->add_option("--crl", attest.crls,
                 "AMD CRL (DER or PEM) the chain must not be revoked in (with --verify); repeat")
      ->take_all();
  at->add_flag("--kds", attest.kds,
               "with --verify: fetch the VCEK from AMD's KDS when the evidence has none");
  at->add_flag("--kds-crl", attest.kds_crl,
               "with --verify: fetch the ARK's CRL from AMD's KDS and check the chain against it");
  at->add_option("--kds-url", attest.kds_url,
                 "KDS base URL, e.g. a mirror (default https://kdsintf.amd.com; implies --kds)");
  at->add_option("--kds-cache", attest.kds_cache,
                 "keep fetched VCEKs (for good) and CRLs (until nextUpdate) in this folder");
  at->add_flag("--require-event-log", attest.require_event_log,
               "with --verify: fail evidence that carries no firmware event log");
  at->add_option("--expect-agent-key", attest.expect_agent_key,
                 "the agent's CURVE public key file the attested key must equal (default: the "
                 "single --curve-agent-key)");
  at->add_option("--pin", attest.pin, "write the verified agent key here (Z85, a .pub file)");
  at->callback([&] { rc = app::run_attest(attest); });

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with code 0; every real usage error exits 2.
    int code = cli.exit(e);
    return code == 0 ? 0 : 2;
  }
  return rc;
}
