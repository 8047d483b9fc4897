// The SEV-SNP launch digest of a direct-boot OVMF guest, computed like virtee/sev-snp-measure
// (mode snp, VMM QEMU): OVMF pages, OVMF SEV metadata sections (zero, secrets, CPUID, SVSM CAA,
// kernel hashes), then one VMSA per vCPU (BSP at the reset vector, APs at the SEV-ES reset
// block EIP). Option names follow sev-snp-measure.
#pragma once

#include <optional>
#include <string>

#include "cocos/common/result.h"
#include "cocos/igvm/launch_digest.h"

namespace cocos::igvm {

struct OvmfOptions {
  std::string ovmf_path;
  std::uint32_t vcpus = 1;
  std::uint32_t vcpu_sig = 0;
  std::uint64_t guest_features = 0x1;
  std::optional<std::string> kernel;  // with a kernel, initrd/append default to empty
  std::optional<std::string> initrd;
  std::optional<std::string> append;
  std::optional<Digest48> ovmf_hash;  // precomputed OVMF page chain (--ovmf-hash)
  PageObserver observer;
};

// CPUID(1).EAX for a QEMU vCPU model name (sev-snp-measure vcpu_types), "bad_vcpu_type".
Result<std::uint32_t> vcpu_sig_for_type(const std::string& name);
// CPUID(1).EAX from family/model/stepping (extended fields encoded as the CPU does).
std::uint32_t vcpu_sig_from_fms(std::uint32_t family, std::uint32_t model, std::uint32_t stepping);

// Errors: "io_error", "bad_ovmf" (footer table / metadata), "ovmf_no_kernel_hashes".
Result<Digest48> ovmf_launch_digest(const OvmfOptions& options);

// The 4096-byte QEMU VMSA of sev-snp-measure for one vCPU.
void build_qemu_vmsa(std::uint8_t* page, std::uint32_t eip, std::uint64_t sev_features,
                     std::uint32_t vcpu_sig);

}  // namespace cocos::igvm
