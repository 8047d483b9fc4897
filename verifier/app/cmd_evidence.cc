// `evidence`: the agent's attestation.get reply body, read from a msgpack file.
#include <ostream>

#include "cocos/igvm/measure.h"
#include "cocos/verifier/evidence/evidence.h"
#include "common_verify.h"

namespace cocos::verifier::app {

int cmd_evidence(const EvidenceArgs& a, const Io& io) {
  auto setup = load_common(a.c);
  if (!setup) return unusable(io, setup.error());
  if (!setup->policy) return unusable(io, make_error("usage", "evidence needs --policy FILE"));
  auto ev = evidence::load_evidence_file(a.file);
  if (!ev) return unusable(io, ev.error());
  evidence::EvidenceOptions o;
  o.policy = &*setup->policy;
  o.product = setup->product;
  o.extra_roots = setup->extra_roots;
  o.crls = setup->crls;
  o.now = a.c.now();
  o.fetch_vcek = setup->vcek_fetcher();
  o.fetch_crls = setup->crl_fetcher();
  o.require_event_log = a.require_event_log;
  if (!a.tee_nonce.empty()) {
    auto n = from_hex(a.tee_nonce);
    if (!n || n->size() > evidence::kTeeNonceSize) {
      return unusable(io, make_error("usage", "--tee-nonce: want at most 64 bytes of hex"));
    }
    o.tee_nonce = *n;
  }
  if (!a.vtpm_nonce.empty()) {
    auto n = from_hex(a.vtpm_nonce);
    if (!n || n->size() > evidence::kVtpmNonceSize) {
      return unusable(io, make_error("usage", "--vtpm-nonce: want at most 32 bytes of hex"));
    }
    o.vtpm_nonce = *n;
  }
  if (!a.igvm.empty()) {
    igvm::MeasureOptions mo;
    mo.native_zero = a.native_zero;
    auto d = igvm::snp_launch_digest_from_file(a.igvm, mo);
    if (!d) return unusable(io, d.error());
    igvm::Digest48 want;
    std::copy(d->begin(), d->end(), want.begin());
    o.expected_measurement = want;
  }
  const Verdict v = evidence::verify_evidence(*ev, o);
  return print_verdict(v, a.c, io);
}

}  // namespace cocos::verifier::app
