// TCG PC Client firmware event log (the kernel's binary_bios_measurements): bounded parsing,
// replay into PCR values, and the check of a replay against verified quotes.
//
// Formats (TCG PC Client Platform Firmware Profile, §10; all integers little-endian, unlike the
// TPM structures of tpm_structs.h):
//   * crypto-agile: a first TCG_PCR_EVENT (SHA-1 format) of type EV_NO_ACTION whose data is the
//     "Spec ID Event03" structure listing the algorithms and their digest sizes, then
//     TCG_PCR_EVENT2 records {pcr u32, type u32, count u32, count x {alg u16, digest},
//     size u32, data};
//   * legacy SHA-1 only: TCG_PCR_EVENT records {pcr u32, type u32, sha1[20], size u32, data}.
//
// Replay (go-tpm-tools server/eventlog.go, TCG semantics): every PCR starts at its reset value
// (zeros; all 0xff for 17..22; PCR 0 ends in the locality of a "StartupLocality" event), and each
// event other than EV_NO_ACTION extends its PCR in every bank it carries: new = H(old || digest).
// Only PCRs that at least one event extends are replayed: a log says nothing about the others
// (IMA's PCR 10, the agent's PCR 16), so they are neither passed nor failed.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "cocos/common/encoding.h"
#include "cocos/common/result.h"
#include "cocos/verifier/verdict.h"
#include "cocos/verifier/vtpm/quote.h"

namespace cocos::verifier::vtpm {

// Bounds: a firmware log is tens of KiB; these keep hostile input cheap to reject.
inline constexpr std::size_t kMaxEventLogBytes = 1u << 20;  // fits one msgpack bin of a body
inline constexpr std::size_t kMaxEventLogEvents = 16384;
inline constexpr std::size_t kMaxLogAlgorithms = 8;

inline constexpr std::uint32_t kEvNoAction = 0x00000003;
inline constexpr std::uint32_t kEvEfiVariableDriverConfig = 0x80000001;

struct EventDigest {
  std::uint16_t alg = 0;  // TPM algorithm id (kAlgSha256, ...)
  Bytes digest;
};

struct LogEvent {
  std::size_t offset = 0;  // of the record in the log, for messages
  std::uint32_t pcr = 0;
  std::uint32_t type = 0;
  std::vector<EventDigest> digests;
  Bytes data;
};

struct EventLog {
  bool crypto_agile = false;
  // Algorithms the header declares, with digest sizes (legacy logs: SHA-1, 20).
  std::vector<std::pair<std::uint16_t, std::uint16_t>> algorithms;
  std::uint8_t startup_locality = 0;
  std::vector<LogEvent> events;  // the header event not included
};

// "bad_event_log" naming the offset on any problem: a size field beyond the end, an
// algorithm the header did not declare, a digest of the wrong size, too many events.
Result<EventLog> parse_event_log(std::span<const std::uint8_t> bytes);

// bank name ("sha1", "sha256", ...) -> PCR index -> replayed value. Banks whose hash this
// verifier cannot compute (SM3, say) are left out.
using ReplayedPcrs = std::map<std::string, std::map<std::uint32_t, Bytes>>;
ReplayedPcrs replay_event_log(const EventLog& log);

// The UEFI SecureBoot variable as the firmware measured it into PCR 7: the
// EV_EFI_VARIABLE_DRIVER_CONFIG event of EFI_GLOBAL_VARIABLE "SecureBoot" (TCG PFP §10.4.4).
// Its content counts only because the event's digest in `bank` is the hash of its whole data
// (UEFI_VARIABLE_DATA), which is checked here; the digest itself is what the replay ties to
// the quoted PCR 7. nullopt: the log has no such event. "bad_event_log": the digest does not
// cover the data, the data is malformed, or the variable is measured twice.
Result<std::optional<bool>> secure_boot_enabled(const EventLog& log, std::uint16_t bank);

// Check "<prefix>.secure_boot": Secure Boot was enabled, read from a bank whose replayed PCR 7
// equals the PCR 7 of a verified quote.
void check_secure_boot(const EventLog& log, const std::vector<const Quote*>& verified,
                       const std::string& prefix, Verdict& v);

// "EV_POST_CODE", "EV_EFI_VARIABLE_DRIVER_CONFIG", ... or "0x...." when not a known type.
std::string event_type_name(std::uint32_t type);

// For every verified quote whose bank the log carries: check "<prefix>.<bank>" passes when
// each replayed PCR equals the quoted value. Fails when a replayed PCR differs or is not in the
// quote, and when the log carries none of the verified banks. Quotes that failed verification
// must not be passed in (their PCR values are not vouched for).
void check_event_log(const EventLog& log, const std::vector<const Quote*>& verified,
                     const std::string& prefix, Verdict& v);

}  // namespace cocos::verifier::vtpm
