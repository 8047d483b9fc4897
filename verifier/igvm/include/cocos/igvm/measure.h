// SEV-SNP launch digest of an IGVM file (attestation.md §5.2), as QEMU/KVM measure it:
// directives whose compatibility mask matches the SEV-SNP platform, in file order;
// zero pages as NORMAL pages of zeros (QEMU; `native_zero` switches to page type ZERO like
// `igvmmeasure --native-zero`); PARAMETER_INSERT as UNMEASURED pages over the whole area (QEMU
// and microsoft/igvm; igvmmeasure measures only the first page); SHARED pages as ordinary pages
// (QEMU); each SNP VP_CONTEXT as one VMSA page at its gpa.
// Single pass over the file data, no allocation per page. Pages are measured in bounded
// batches: their CONTENTS digests are computed on several threads (PageHasher), then chained in
// file order, so the result is the same as measuring one page after the other.
#pragma once

#include <optional>
#include <string>

#include "cocos/igvm/igvm_file.h"
#include "cocos/igvm/launch_digest.h"

namespace cocos::igvm {

struct MeasureOptions {
  bool native_zero = false;
  // Enforce what KVM can launch: one VMSA, at 0xFFFFFFFFF000, as the last page directive.
  bool check_kvm = false;
  // Do not fail when an SNP ID block's ld differs from the computed digest.
  bool ignore_id_block_ld = false;
  PageObserver observer;  // called for every measured page (may be empty)
  // Threads hashing page contents; 0 = the machine's hardware threads (PageHasher's cap).
  unsigned threads = 0;
};

struct SnpMeasurement {
  Digest48 digest{};
  std::uint32_t platform_mask = 0;
  std::optional<std::uint64_t> guest_policy;  // GUEST_POLICY for the SNP platform
  std::optional<IdBlock> id_block;            // SNP_ID_BLOCK for the SNP platform
  std::uint64_t pages = 0;
  std::uint32_t vmsas = 0;
};

// Errors: "bad_igvm" (structure), "igvm_no_snp" (no SEV-SNP platform), "igvm_kvm" (check_kvm),
// "igvm_id_block" (ID block ld differs from the digest).
Result<SnpMeasurement> measure_snp(const IgvmFile& file, const MeasureOptions& options);

// Parse + measure in memory; returns the 48-byte digest.
Result<Bytes> snp_launch_digest(std::span<const std::uint8_t> file,
                                const MeasureOptions& options = {});
// Maps the file read-only (bounded by kMaxIgvmFileBytes: "too_large"; "io_error" when
// unreadable) and measures it without copying it; a file that is not a regular file (a pipe)
// is read into memory instead. The file must not be truncated while it is being measured.
Result<Bytes> snp_launch_digest_from_file(const std::string& path,
                                          const MeasureOptions& options = {});
Result<Bytes> read_file_bounded(const std::string& path, std::size_t max_bytes);

// SHA-384 of the 0x404-byte AMD-format public key (ID_KEY_DIGEST / AUTHOR_KEY_DIGEST).
Bytes amd_key_digest(std::span<const std::uint8_t> amd_key);

}  // namespace cocos::igvm
