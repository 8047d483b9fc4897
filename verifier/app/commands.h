// The cocos-verifier commands. Each returns the process exit code: 0 valid, 1 invalid,
// 2 usage error or unusable input (with a one-line reason on stderr).
#pragma once

#include <ctime>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "cocos/common/result.h"

namespace cocos::verifier::app {

inline constexpr int kExitValid = 0;
inline constexpr int kExitInvalid = 1;
inline constexpr int kExitUnusable = 2;

struct Io {
  std::ostream& out;
  std::ostream& err;
};

// Prints "cocos-verifier: <code>: <message>" on one line and returns 2.
int unusable(const Io& io, const Error& e);

struct MeasureArgs {
  std::string igvm, ovmf;
  bool native_zero = false, check_kvm = false, ignore_id_block = false;
  bool verbose = false, json = false;
  std::uint32_t vcpus = 1;
  std::string vcpu_type, vcpu_sig, guest_features = "0x1", ovmf_hash, mode = "snp";
  std::optional<std::uint32_t> family, model, stepping;
  std::optional<std::string> kernel, initrd, append;
};
int cmd_measure(const MeasureArgs& a, const Io& io);

// AMD KDS (verifier/kds): fetch a missing VCEK (--kds) and the ARK's CRL (--kds-crl).
struct KdsArgs {
  bool vcek = false;
  bool crl = false;
  std::string url;    // base URL; implies --kds
  std::string cache;  // cache directory
  std::string ca;     // CA bundle for the KDS mirror's TLS
  double timeout = 20;
};

struct CommonVerify {
  std::string policy;
  std::vector<std::string> trust_roots;
  std::vector<std::string> crls;
  std::string product;
  bool json = false;
  std::optional<long long> time;  // UNIX seconds; default now
  KdsArgs kds;                    // snp and evidence only
  std::time_t now() const;
};

struct SnpArgs {
  CommonVerify c;
  std::string report, vcek, certs_dir, igvm;
  bool native_zero = false;
};
int cmd_snp(const SnpArgs& a, const Io& io);

struct VtpmArgs {
  CommonVerify c;
  std::string ak, quote, sig, pcrs, nonce;
  std::string event_log;  // optional
};
int cmd_vtpm(const VtpmArgs& a, const Io& io);

struct EvidenceArgs {
  CommonVerify c;
  std::string file, igvm, tee_nonce, vtpm_nonce;
  bool native_zero = false;
  bool require_event_log = false;
};
int cmd_evidence(const EvidenceArgs& a, const Io& io);

struct ShowArgs {
  std::string file;
  bool json = false;
};
int cmd_show(const ShowArgs& a, const Io& io);

int run(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace cocos::verifier::app
