// AttestationAdapter over cocos_attestation's Attester (see attestation_adapter.h).
#include "attestation_adapter.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#ifdef COCOS_AGENT_HAVE_ATTESTATION
#include "cocos/attestation/attester.h"
#endif
#ifdef COCOS_AGENT_HAVE_IGVM
#include "cocos/igvm/measure.h"
#endif

namespace cocos::agent::app {

#ifdef COCOS_AGENT_HAVE_ATTESTATION

namespace {

Result<attestation::AttesterConfig> attester_config(const AgentConfig& c) {
  attestation::AttesterConfig a;
  if (c.snp_mode == "auto") {
    a.snp = attestation::SnpMode::kAuto;
  } else if (c.snp_mode == "configfs") {
    a.snp = attestation::SnpMode::kConfigfsTsm;
  } else if (c.snp_mode == "sev-guest") {
    a.snp = attestation::SnpMode::kSevGuest;
  } else if (c.snp_mode == "simulated") {
    a.snp = attestation::SnpMode::kSimulated;
  } else {
    a.snp = attestation::SnpMode::kDisabled;
  }
  a.tsm.vmpl = c.vmpl;
  a.sev_guest.vmpl = c.vmpl;
  a.vtpm = !c.tcti.empty();
  if (a.vtpm) a.tcti = c.tcti;
  if (c.tpm_event_log == "auto") {
    // The kernel's log describes the kernel's TPM only.
    a.event_log = c.tcti.starts_with("device:") ? attestation::kKernelEventLog : "";
  } else {
    a.event_log = c.tpm_event_log;
  }
  if (a.snp == attestation::SnpMode::kSimulated) {
    attestation::SimulatedSnpConfig sim;
    sim.dir = c.snp_sim_dir;
    sim.product = c.snp_sim_product == "turin"   ? "Turin"
                  : c.snp_sim_product == "genoa" ? "Genoa"
                                                 : "Milan";
    sim.vlek = c.snp_sim_signer == "vlek";
    sim.vmpl = c.vmpl;
    if (!c.igvm.empty()) {
#ifdef COCOS_AGENT_HAVE_IGVM
      auto d = igvm::snp_launch_digest_from_file(c.igvm);
      if (!d) return make_error("bad_config", "igvm " + c.igvm + ": " + d.error().message);
      if (d->size() != sim.measurement.size()) {
        return make_error("bad_config", "igvm: launch digest is not 48 bytes");
      }
      std::copy(d->begin(), d->end(), sim.measurement.begin());
#else
      return make_error("bad_config", "this build cannot measure IGVM files (no cocos_igvm)");
#endif
    } else {
      spdlog::warn("SIMULATED SNP without --igvm: MEASUREMENT is all zeros");
    }
    a.simulated = sim;
  }
  return a;
}

}  // namespace

struct AttestationAdapter::Impl {
  std::unique_ptr<attestation::Attester> attester;
};

Result<std::unique_ptr<AttestationAdapter>> AttestationAdapter::create(const AgentConfig& config) {
  auto cfg = attester_config(config);
  if (!cfg) return cfg.take_error();
  auto att = attestation::Attester::create(std::move(*cfg));
  if (!att) return make_error(att.error().code, "attestation: " + att.error().message);
  auto impl = std::make_unique<Impl>();
  impl->attester = std::move(*att);
  return std::unique_ptr<AttestationAdapter>(new AttestationAdapter(std::move(impl)));
}

std::vector<std::string> AttestationAdapter::capabilities() const {
  return impl_->attester->capabilities();
}
bool AttestationAdapter::simulated() const {
  return impl_->attester->simulated();
}
bool AttestationAdapter::has_vtpm() const {
  auto caps = capabilities();
  return std::find(caps.begin(), caps.end(), "vtpm") != caps.end();
}
Status AttestationAdapter::extend_manifest_measurement(std::span<const std::uint8_t> m) {
  return impl_->attester->extend_manifest_measurement(m);
}

Result<messages::Evidence> AttestationAdapter::attest(const messages::AttestationGet& req,
                                                      const Bytes& bus_key) {
  auto platform = attestation::parse_platform(req.type);
  if (!platform) return platform.take_error();
  attestation::AttestationRequest ar;
  ar.type = *platform;
  ar.tee_nonce = req.tee_nonce;
  ar.vtpm_nonce = req.vtpm_nonce;
  ar.bind_bus_key = req.bind_bus_key;
  ar.bus_key = bus_key;
  auto ev = impl_->attester->attest(ar);
  if (!ev) return ev.take_error();
  messages::Evidence e;
  e.platform = ev->platform;
  e.simulated = ev->simulated;
  e.tee_nonce = ev->tee_nonce;
  e.vtpm_nonce = ev->vtpm_nonce;
  e.snp_report = ev->snp_report;
  e.certs = ev->certs;
  e.ak_public = ev->ak_public;
  if (ev->quotes) {
    std::vector<messages::Quote> qs;
    for (const auto& q : *ev->quotes) {
      qs.push_back(messages::Quote{q.hash_alg, q.attest, q.signature, q.pcrs});
    }
    e.quotes = std::move(qs);
  }
  e.bus_key = ev->bus_key;
  e.binding = ev->binding;
  e.event_log = ev->event_log;
  return e;
}

#else  // built without the attestation library

struct AttestationAdapter::Impl {};

Result<std::unique_ptr<AttestationAdapter>> AttestationAdapter::create(const AgentConfig& config) {
  if (config.snp_mode != "auto" && config.snp_mode != "off") {
    return make_error("bad_config",
                      "this build has no attestation library (snp-mode " + config.snp_mode + ")");
  }
  return std::unique_ptr<AttestationAdapter>(new AttestationAdapter(std::make_unique<Impl>()));
}
std::vector<std::string> AttestationAdapter::capabilities() const {
  return {};
}
bool AttestationAdapter::simulated() const {
  return false;
}
bool AttestationAdapter::has_vtpm() const {
  return false;
}
Status AttestationAdapter::extend_manifest_measurement(std::span<const std::uint8_t>) {
  return make_error("attestation_unavailable", "built without the attestation library");
}
Result<messages::Evidence> AttestationAdapter::attest(const messages::AttestationGet&,
                                                      const Bytes&) {
  return make_error("attestation_unavailable", "built without the attestation library");
}

#endif

AttestationAdapter::AttestationAdapter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AttestationAdapter::~AttestationAdapter() = default;

}  // namespace cocos::agent::app
