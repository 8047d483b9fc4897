// Whole-evidence verification: the attestation.get reply body of the agent (PLAN.md "Evidence
// body"). Runs, in order: evidence shape and nonces, the binding (PLAN.md "Binding rules",
// bus_key variants included), every vTPM quote (each signature-checked before its PCRs are
// used), expected PCR values, the event log's replay against the verified quotes, then the SNP
// checks (authenticity, MEASUREMENT against an IGVM
// digest when given, policy rules). EvidenceInput is plain data so any decoder can fill it.
#pragma once

#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cocos/igvm/launch_digest.h"
#include "cocos/verifier/policy/policy.h"
#include "cocos/verifier/snp/certs.h"
#include "cocos/verifier/snp/crl.h"
#include "cocos/verifier/snp/verify.h"
#include "cocos/verifier/verdict.h"
#include "cocos/verifier/vtpm/quote.h"

namespace cocos::verifier::evidence {

inline constexpr std::size_t kTeeNonceSize = 64;
inline constexpr std::size_t kVtpmNonceSize = 32;
inline constexpr std::size_t kBusKeySize = 32;

struct EvidenceInput {
  std::string platform;  // "snp" | "vtpm" | "snp-vtpm"
  bool simulated = false;
  Bytes tee_nonce;                     // 64 bytes, zero-padded
  Bytes vtpm_nonce;                    // 32 bytes, zero-padded
  std::optional<Bytes> snp_report;     // 1184 bytes (snp, snp-vtpm)
  std::map<std::string, Bytes> certs;  // "vcek"|"vlek", "ask"|"asvk", "ark" -> DER
  std::optional<Bytes> ak_public;      // TPMT_PUBLIC (vtpm, snp-vtpm)
  std::vector<vtpm::Quote> quotes;     // (vtpm, snp-vtpm)
  std::optional<Bytes> bus_key;        // 32 bytes when bind_bus_key
  std::string binding;                 // name of the rule the agent used
  std::optional<Bytes> event_log;      // TCG firmware event log (vtpm, snp-vtpm), when the
                                       // agent's machine has one
};

struct EvidenceOptions {
  const policy::Policy* policy = nullptr;
  std::optional<igvm::Digest48> expected_measurement;  // from --igvm
  std::optional<Bytes> tee_nonce;   // expected; shorter values are zero-padded to 64
  std::optional<Bytes> vtpm_nonce;  // expected; zero-padded to 32
  std::optional<snp::Product> product;
  // Without it a missing event log is a skipped check; with it, a failure.
  bool require_event_log = false;
  std::vector<snp::Cert> extra_roots;  // --trust-root
  std::vector<snp::Crl> crls;          // --crl
  // Optional (verifier/kds): fetch a missing VCEK, and the CRLs (snp/verify.h).
  snp::VcekFetcher fetch_vcek;
  snp::CrlFetcher fetch_crls;
  std::time_t now = 0;
  // Optional caches a long-running verifier keeps across evidence (certs.h): parsed
  // certificates by DER, signature checks by fingerprints. Without them nothing is reused.
  snp::ChainCache* cache = nullptr;
  snp::CertCache* cert_cache = nullptr;
};

// The binding rule name PLAN.md prescribes for a platform, with or without a bus key.
std::string expected_binding(const std::string& platform, bool bus_key);
// REPORT_DATA the agent must have requested, per the binding rules (64 bytes).
Bytes expected_report_data(const EvidenceInput& ev);
// Quote qualifying data (extraData) per the binding rules (32 bytes).
Bytes expected_qualifying_data(const EvidenceInput& ev);

Verdict verify_evidence(const EvidenceInput& ev, const EvidenceOptions& opt);

// Msgpack decoding of an evidence file (evidence_file.cc): bounded sizes and counts,
// "bad_evidence" naming the key on any problem.
Result<EvidenceInput> decode_evidence(std::span<const std::uint8_t> msgpack);
Result<EvidenceInput> load_evidence_file(const std::string& path);
inline constexpr std::size_t kMaxEvidenceBytes = 16u << 20;

}  // namespace cocos::verifier::evidence
