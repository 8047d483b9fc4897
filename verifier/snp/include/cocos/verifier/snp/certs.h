// X.509 handling for the AMD chain: RAII certificates, PEM/DER loading, the embedded AMD roots
// (Milan, Genoa, Turin; VCEK and VLEK bundles), the VCEK/VLEK extensions
// (OID 1.3.6.1.4.1.3704.1.*, attestation.md §2), and the two caches a long-running verifier
// keeps across reports: parsed certificates by DER fingerprint (CertCache), and signature
// checks by (child, issuer) fingerprints plus the parsed embedded roots (ChainCache).
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cocos/common/encoding.h"
#include "cocos/common/result.h"
#include "cocos/verifier/snp/report.h"

typedef struct x509_st X509;

namespace cocos::verifier::snp {

struct X509Deleter {
  void operator()(X509* x) const;
};

// The AMD extensions of a VCEK/VLEK (absent ones are nullopt).
struct AmdExtensions {
  std::optional<long> struct_version;
  std::optional<std::string> product_name;
  std::optional<long> bl, tee, snp, ucode, fmc;
  std::optional<Bytes> hwid;
  std::optional<std::string> csp_id;
};

// One parsed certificate: the X.509 object (with its public key) and everything the checks
// read from it, decoded once when parsed. Copies share the same immutable parse, so a Cert is
// cheap to copy and to keep in a cache; the shared parse may be read from several threads.
class Cert {
 public:
  // One DER certificate. "bad_cert" on garbage.
  static Result<Cert> from_der(std::span<const std::uint8_t> der);
  X509* get() const;
  const Bytes& der() const;
  const std::string& fingerprint() const;  // SHA-256 of the DER, hex
  const std::string& common_name() const;
  bool self_issued() const;
  bool has_amd_tcb_extensions() const;
  const AmdExtensions& amd_extensions() const;
  std::string validity() const;  // "notBefore .. notAfter"
  // notBefore/notAfter in seconds since the epoch; nullopt when the time cannot be read.
  std::optional<std::int64_t> not_before() const;
  std::optional<std::int64_t> not_after() const;

 private:
  struct Data;
  explicit Cert(std::shared_ptr<const Data> d) : d_(std::move(d)) {}
  std::shared_ptr<const Data> d_;  // never null
};

// PEM (one or more certificates) or a single DER certificate. Bounded to 1 MiB.
Result<std::vector<Cert>> parse_certs(std::span<const std::uint8_t> bytes);
Result<std::vector<Cert>> load_certs_file(const std::string& path);

struct AmdBundle {
  Cert intermediate;  // ASK or ASVK
  Cert ark;
};
// Embedded roots: `vlek` selects the ASVK bundle.
Result<AmdBundle> amd_bundle(Product p, bool vlek);

// The certificate's AMD extensions (decoded when it was parsed).
const AmdExtensions& read_amd_extensions(const Cert& c);
// The TCB a VCEK/VLEK was issued for (its SPL extensions; Turin with FMC), or nullopt when one
// is missing.
std::optional<Tcb> certificate_tcb(const AmdExtensions& e, bool turin);
// The HWID extension names the report's chip: all 64 bytes of CHIP_ID, or on Turin its first 8
// with the rest of CHIP_ID zero.
bool hwid_matches(const AmdExtensions& e, const SnpReport& r, bool turin);

// Parsed certificates by the SHA-256 of their DER, for a verifier that is handed the same VCEK,
// ASK and ARK with every report: each is parsed (X.509, public key, AMD extensions) once.
// A hit requires byte-identical DER (the bytes are compared, not only their hash), so it
// returns exactly what Cert::from_der would. Failures are not cached. At most `capacity`
// certificates are kept, the least recently used is dropped first. Thread-safe.
class CertCache {
 public:
  explicit CertCache(std::size_t capacity = 64);
  ~CertCache();
  CertCache(const CertCache&) = delete;
  CertCache& operator=(const CertCache&) = delete;

  Result<Cert> from_der(std::span<const std::uint8_t> der);
  std::size_t size() const;
  std::uint64_t hits() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Remembers signature checks (child fingerprint, issuer fingerprint) -> result, so a chain
// seen before costs no RSA verification; fingerprints are SHA-256 of the whole DER, so a hit
// means the same two certificates. Also keeps the embedded AMD bundles parsed. At most
// `capacity` signature results are kept, the least recently used is dropped first. Validity
// periods are not cached here: they are checked against the caller's clock for every report.
// Thread-safe.
class ChainCache {
 public:
  explicit ChainCache(std::size_t capacity = 256);
  ~ChainCache();
  ChainCache(const ChainCache&) = delete;
  ChainCache& operator=(const ChainCache&) = delete;

  bool signed_by(const Cert& child, const Cert& issuer);
  // amd_bundle(), parsed on first use.
  Result<AmdBundle> bundle(Product p, bool vlek);
  std::size_t size() const;  // signature results held

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ECDSA P-384 / SHA-384 over the report's signed bytes, r and s little-endian.
Status verify_report_signature(const SnpReport& r, const Cert& leaf);

// Certificate validity at `now`: "" when valid, otherwise the reason.
std::string validity_problem(const Cert& c, std::time_t now);

}  // namespace cocos::verifier::snp
