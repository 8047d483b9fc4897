// TCG event log parsing (little-endian, bounded) and replay (event_log.h).
#include "cocos/verifier/vtpm/event_log.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <set>

namespace cocos::verifier::vtpm {

namespace {

constexpr std::size_t kSha1Size = 20;
constexpr char kSpecIdSignature[] = "Spec ID Event03";           // 15 chars + NUL = 16 bytes
constexpr char kStartupLocalitySignature[] = "StartupLocality";  // 15 chars + NUL = 16 bytes

// Little-endian cursor; every read checks the remaining length.
class LeReader {
 public:
  explicit LeReader(std::span<const std::uint8_t> b) : b_(b) {}
  std::size_t pos() const { return pos_; }
  bool at_end() const { return pos_ == b_.size(); }
  std::size_t left() const { return b_.size() - pos_; }
  Result<std::uint32_t> u32(const char* what) {
    if (left() < 4) return short_read(what, 4);
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = v << 8 | b_[pos_ + static_cast<std::size_t>(i)];
    pos_ += 4;
    return v;
  }
  Result<std::uint16_t> u16(const char* what) {
    if (left() < 2) return short_read(what, 2);
    const auto v = static_cast<std::uint16_t>(b_[pos_] | b_[pos_ + 1] << 8);
    pos_ += 2;
    return v;
  }
  Result<std::uint8_t> u8(const char* what) {
    if (left() < 1) return short_read(what, 1);
    return b_[pos_++];
  }
  Result<Bytes> bytes(std::size_t n, const char* what) {
    if (left() < n) return short_read(what, n);
    Bytes out(b_.begin() + static_cast<long>(pos_), b_.begin() + static_cast<long>(pos_ + n));
    pos_ += n;
    return out;
  }

 private:
  Error short_read(const char* what, std::size_t n) const {
    return make_error("bad_event_log", std::string(what) + " at offset " + std::to_string(pos_) +
                                           ": needs " + std::to_string(n) + " bytes, " +
                                           std::to_string(left()) + " left");
  }
  std::span<const std::uint8_t> b_;
  std::size_t pos_ = 0;
};

Error bad(std::size_t offset, const std::string& m) {
  return make_error("bad_event_log", "event at offset " + std::to_string(offset) + ": " + m);
}

bool starts_with_signature(const Bytes& data, const char* sig) {
  const std::size_t n = std::strlen(sig) + 1;  // the NUL is part of the signature
  return data.size() >= n && std::memcmp(data.data(), sig, n) == 0;
}

// pcrIndex and eventType, the start of both record formats.
Result<LogEvent> read_event_head(LeReader& rd) {
  LogEvent e;
  e.offset = rd.pos();
  auto pcr = rd.u32("pcrIndex");
  if (!pcr) return pcr.take_error();
  auto type = rd.u32("eventType");
  if (!type) return type.take_error();
  e.pcr = *pcr;
  e.type = *type;
  return e;
}

// The event data: u32 size, then the bytes.
Status read_event_data(LeReader& rd, LogEvent& e) {
  auto size = rd.u32("eventSize");
  if (!size) return size.take_error();
  auto data = rd.bytes(*size, "event data");
  if (!data) return data.take_error();
  e.data = std::move(*data);
  return ok_status();
}

// A TCG_PCR_EVENT (SHA-1 format) record.
Result<LogEvent> read_sha1_event(LeReader& rd) {
  auto e = read_event_head(rd);
  if (!e) return e;
  auto digest = rd.bytes(kSha1Size, "SHA-1 digest");
  if (!digest) return digest.take_error();
  e->digests.push_back({kAlgSha1, std::move(*digest)});
  if (auto st = read_event_data(rd, *e); !st) return st.take_error();
  return e;
}

// A TCG_PCR_EVENT2 record; digest sizes come from the header's algorithm list.
Result<LogEvent> read_agile_event(LeReader& rd, const EventLog& log) {
  auto head = read_event_head(rd);
  if (!head) return head;
  LogEvent& e = *head;
  auto count = rd.u32("digest count");
  if (!count) return count.take_error();
  if (*count > log.algorithms.size()) {
    return bad(e.offset, std::to_string(*count) + " digests, the header declares " +
                             std::to_string(log.algorithms.size()) + " algorithms");
  }
  for (std::uint32_t i = 0; i < *count; ++i) {
    auto alg = rd.u16("hashAlg");
    if (!alg) return alg.take_error();
    const auto it = std::find_if(log.algorithms.begin(), log.algorithms.end(),
                                 [&](const auto& a) { return a.first == *alg; });
    if (it == log.algorithms.end()) {
      return bad(e.offset,
                 "digest of algorithm " + alg_name(*alg) + " the header does not declare");
    }
    for (const auto& d : e.digests) {
      if (d.alg == *alg) return bad(e.offset, "two digests of " + alg_name(*alg));
    }
    auto digest = rd.bytes(it->second, "digest");
    if (!digest) return digest.take_error();
    e.digests.push_back({*alg, std::move(*digest)});
  }
  if (auto st = read_event_data(rd, e); !st) return st.take_error();
  return head;
}

// The Spec ID Event03 structure: algorithms and digest sizes.
Status read_spec_id(const LogEvent& header, EventLog& log) {
  LeReader rd(header.data);
  (void)rd.bytes(16, "signature");
  auto platform_class = rd.u32("platformClass");
  if (!platform_class) return platform_class.take_error();
  for (const char* f : {"specVersionMinor", "specVersionMajor", "specErrata", "uintnSize"}) {
    if (auto b = rd.u8(f); !b) return b.take_error();
  }
  auto n = rd.u32("numberOfAlgorithms");
  if (!n) return n.take_error();
  if (*n == 0 || *n > kMaxLogAlgorithms) {
    return bad(header.offset, "Spec ID event declares " + std::to_string(*n) + " algorithms (1.." +
                                  std::to_string(kMaxLogAlgorithms) + ")");
  }
  for (std::uint32_t i = 0; i < *n; ++i) {
    auto alg = rd.u16("algorithmId");
    if (!alg) return alg.take_error();
    auto size = rd.u16("digestSize");
    if (!size) return size.take_error();
    const std::size_t known = hash_size(*alg);
    if ((known != 0 && *size != known) || *size == 0 || *size > 64) {
      return bad(header.offset,
                 "Spec ID event: " + alg_name(*alg) + " with digest size " + std::to_string(*size));
    }
    for (const auto& a : log.algorithms) {
      if (a.first == *alg)
        return bad(header.offset, "Spec ID event lists " + alg_name(*alg) + " twice");
    }
    log.algorithms.emplace_back(*alg, *size);
  }
  auto vendor_size = rd.u8("vendorInfoSize");
  if (!vendor_size) return vendor_size.take_error();
  if (auto v = rd.bytes(*vendor_size, "vendorInfo"); !v) return v.take_error();
  return ok_status();
}

const EVP_MD* md_for(std::uint16_t alg) {
  switch (alg) {
    case kAlgSha1:
      return EVP_sha1();
    case kAlgSha256:
      return EVP_sha256();
    case kAlgSha384:
      return EVP_sha384();
    case kAlgSha512:
      return EVP_sha512();
  }
  return nullptr;
}

// new = H(old || digest), the TPM2_PCR_Extend computation.
Bytes extend(const EVP_MD* md, const Bytes& old, const Bytes& digest) {
  Bytes in(old);
  in.insert(in.end(), digest.begin(), digest.end());
  Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned int n = 0;
  EVP_Digest(in.data(), in.size(), out.data(), &n, md, nullptr);
  return out;
}

Bytes reset_value(std::uint32_t pcr, std::size_t size, std::uint8_t locality) {
  Bytes v(size, (pcr >= 17 && pcr <= 22) ? 0xff : 0x00);
  if (pcr == 0) v.back() = locality;
  return v;
}

std::string pcr_list(const std::set<std::uint32_t>& s) {
  std::string out;
  for (auto i : s) out += (out.empty() ? "" : ",") + std::to_string(i);
  return "{" + out + "}";
}

}  // namespace

Result<EventLog> parse_event_log(std::span<const std::uint8_t> bytes) {
  if (bytes.size() > kMaxEventLogBytes) {
    return make_error("bad_event_log", "event log of " + std::to_string(bytes.size()) +
                                           " bytes, max " + std::to_string(kMaxEventLogBytes));
  }
  if (bytes.empty()) return make_error("bad_event_log", "the event log is empty");
  LeReader rd(bytes);
  EventLog log;
  // The first record is always in the SHA-1 format; its data says whether the rest is agile.
  auto first = read_sha1_event(rd);
  if (!first) return first.take_error();
  if (first->type == kEvNoAction && starts_with_signature(first->data, kSpecIdSignature)) {
    log.crypto_agile = true;
    if (first->pcr != 0) return bad(first->offset, "Spec ID event is not on PCR 0");
    if (auto s = read_spec_id(*first, log); !s) return s.take_error();
  } else {
    log.algorithms.emplace_back(kAlgSha1, static_cast<std::uint16_t>(kSha1Size));
    log.events.push_back(std::move(*first));
  }
  while (!rd.at_end()) {
    if (log.events.size() >= kMaxEventLogEvents) {
      return make_error("bad_event_log",
                        "more than " + std::to_string(kMaxEventLogEvents) + " events");
    }
    auto e = log.crypto_agile ? read_agile_event(rd, log) : read_sha1_event(rd);
    if (!e) return e.take_error();
    if (e->pcr > 23 && e->type != kEvNoAction) {
      return bad(e->offset, "PCR index " + std::to_string(e->pcr) + " (0..23)");
    }
    if (e->type == kEvNoAction && e->pcr == 0 &&
        starts_with_signature(e->data, kStartupLocalitySignature)) {
      if (e->data.size() != 17) return bad(e->offset, "StartupLocality event of the wrong size");
      log.startup_locality = e->data[16];
    }
    log.events.push_back(std::move(*e));
  }
  return log;
}

ReplayedPcrs replay_event_log(const EventLog& log) {
  ReplayedPcrs out;
  for (const auto& [alg, size] : log.algorithms) {
    const EVP_MD* md = md_for(alg);
    if (md == nullptr) continue;
    auto& bank = out[alg_name(alg)];
    for (const auto& e : log.events) {
      if (e.type == kEvNoAction) continue;  // not extended (TCG PFP §10.4.5)
      for (const auto& d : e.digests) {
        if (d.alg != alg) continue;
        auto [it, fresh] = bank.try_emplace(e.pcr, Bytes{});
        if (fresh) it->second = reset_value(e.pcr, size, log.startup_locality);
        it->second = extend(md, it->second, d.digest);
      }
    }
  }
  return out;
}

void check_event_log(const EventLog& log, const std::vector<const Quote*>& verified,
                     const std::string& prefix, Verdict& v) {
  const ReplayedPcrs replayed = replay_event_log(log);
  int compared = 0;
  for (const Quote* q : verified) {
    const auto bank = replayed.find(q->bank);
    if (bank == replayed.end()) continue;
    ++compared;
    std::set<std::uint32_t> matched, differ;
    std::string first_diff;
    for (const auto& [pcr, value] : bank->second) {
      const auto it = q->pcrs.find(pcr);
      if (it != q->pcrs.end() && it->second == value) {
        matched.insert(pcr);
        continue;
      }
      differ.insert(pcr);
      if (first_diff.empty()) {
        first_diff = "PCR " + std::to_string(pcr) + ": log replays to " + to_hex(value) +
                     ", quote has " + (it == q->pcrs.end() ? "no value" : to_hex(it->second));
      }
    }
    v.expect(differ.empty(), prefix + "." + q->bank,
             "the event log replays to the quoted PCRs (" + q->bank + ")", "event log",
             "PCRs " + pcr_list(matched.empty() ? differ : matched) + " as quoted",
             differ.empty() ? "PCRs " + pcr_list(matched) + " match"
                            : "PCRs " + pcr_list(differ) + " differ; " + first_diff,
             "the log was altered or does not belong to this boot, or something was measured "
             "without being logged");
  }
  if (compared == 0 && !verified.empty()) {
    std::string banks;
    for (const auto& [name, _] : replayed) banks += (banks.empty() ? "" : ",") + name;
    v.fail(prefix, "the event log carries a quoted bank", "event log", "a verified quote's bank",
           "log banks {" + banks + "}", "the log cannot be checked against any verified quote");
  }
}

namespace {

// EFI_GLOBAL_VARIABLE 8be4df61-93ca-11d2-aa0d-00e098032b8c as stored (EFI_GUID: the first three
// fields little-endian).
constexpr std::uint8_t kEfiGlobalVariable[16] = {0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
                                                 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c};

std::uint64_t le64(const Bytes& b, std::size_t off) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | b[off + static_cast<std::size_t>(i)];
  return v;
}

// UEFI_VARIABLE_DATA: GUID, u64 name length (UTF-16 units), u64 data length, name, data.
// True with `value` when this is EFI_GLOBAL_VARIABLE `name` (ASCII) and the sizes add up.
bool uefi_variable(const Bytes& d, std::string_view name, Bytes& value) {
  if (d.size() < 32 || std::memcmp(d.data(), kEfiGlobalVariable, 16) != 0) return false;
  const std::uint64_t name_len = le64(d, 16), data_len = le64(d, 24);
  if (name_len != name.size() || data_len > d.size() || 32 + 2 * name_len + data_len != d.size()) {
    return false;
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (d[32 + 2 * i] != static_cast<std::uint8_t>(name[i]) || d[33 + 2 * i] != 0) return false;
  }
  value.assign(d.begin() + static_cast<long>(32 + 2 * name_len), d.end());
  return true;
}

}  // namespace

Result<std::optional<bool>> secure_boot_enabled(const EventLog& log, std::uint16_t bank) {
  const EVP_MD* md = md_for(bank);
  if (md == nullptr) return make_error("bad_event_log", "cannot hash bank " + alg_name(bank));
  std::optional<bool> out;
  for (const auto& e : log.events) {
    Bytes value;
    if (e.pcr != 7 || e.type != kEvEfiVariableDriverConfig ||
        !uefi_variable(e.data, "SecureBoot", value)) {
      continue;
    }
    if (out) return bad(e.offset, "the SecureBoot variable is measured twice");
    const auto d = std::find_if(e.digests.begin(), e.digests.end(),
                                [&](const EventDigest& x) { return x.alg == bank; });
    if (d == e.digests.end())
      return bad(e.offset, "the SecureBoot event has no " + alg_name(bank) + " digest");
    Bytes h(static_cast<std::size_t>(EVP_MD_get_size(md)));
    unsigned int n = 0;
    EVP_Digest(e.data.data(), e.data.size(), h.data(), &n, md, nullptr);
    if (h != d->digest) {
      return bad(e.offset, "the SecureBoot event's data is not what its digest measured");
    }
    if (value.size() != 1) return bad(e.offset, "the SecureBoot variable is not one byte");
    out = value[0] == 1;
  }
  return out;
}

void check_secure_boot(const EventLog& log, const std::vector<const Quote*>& verified,
                       const std::string& prefix, Verdict& v) {
  const std::string code = prefix + ".secure_boot", title = "Secure Boot was enabled";
  const ReplayedPcrs replayed = replay_event_log(log);
  for (const Quote* q : verified) {
    const auto bank = replayed.find(q->bank);
    const auto alg = bank_alg(q->bank);
    if (bank == replayed.end() || !alg || !bank->second.count(7) || !q->pcrs.count(7) ||
        bank->second.at(7) != q->pcrs.at(7)) {
      continue;
    }
    auto sb = secure_boot_enabled(log, *alg);
    if (!sb) {
      v.fail(code, title, "SecureBoot (PCR 7)", "enabled (01)", sb.error().message);
    } else if (!*sb) {
      v.fail(code, title, "SecureBoot (PCR 7)", "enabled (01)", "not measured",
             "the firmware logged no SecureBoot variable");
    } else {
      v.expect(**sb, code, title, "SecureBoot (PCR 7)", "enabled (01)",
               **sb ? "enabled (" + q->bank + " bank)" : "disabled");
    }
    return;
  }
  v.fail(code, title, "SecureBoot (PCR 7)", "a log whose PCR 7 a verified quote confirms", "none",
         "without a confirmed PCR 7 the logged variable proves nothing");
}

std::string event_type_name(std::uint32_t type) {
  static constexpr std::pair<std::uint32_t, const char*> kNames[] = {
      {0x00000000, "EV_PREBOOT_CERT"},
      {0x00000001, "EV_POST_CODE"},
      {0x00000002, "EV_UNUSED"},
      {0x00000003, "EV_NO_ACTION"},
      {0x00000004, "EV_SEPARATOR"},
      {0x00000005, "EV_ACTION"},
      {0x00000006, "EV_EVENT_TAG"},
      {0x00000007, "EV_S_CRTM_CONTENTS"},
      {0x00000008, "EV_S_CRTM_VERSION"},
      {0x00000009, "EV_CPU_MICROCODE"},
      {0x0000000A, "EV_PLATFORM_CONFIG_FLAGS"},
      {0x0000000B, "EV_TABLE_OF_DEVICES"},
      {0x0000000C, "EV_COMPACT_HASH"},
      {0x0000000D, "EV_IPL"},
      {0x0000000E, "EV_IPL_PARTITION_DATA"},
      {0x0000000F, "EV_NONHOST_CODE"},
      {0x00000010, "EV_NONHOST_CONFIG"},
      {0x00000011, "EV_NONHOST_INFO"},
      {0x00000012, "EV_OMIT_BOOT_DEVICE_EVENTS"},
      {0x80000001, "EV_EFI_VARIABLE_DRIVER_CONFIG"},
      {0x80000002, "EV_EFI_VARIABLE_BOOT"},
      {0x80000003, "EV_EFI_BOOT_SERVICES_APPLICATION"},
      {0x80000004, "EV_EFI_BOOT_SERVICES_DRIVER"},
      {0x80000005, "EV_EFI_RUNTIME_SERVICES_DRIVER"},
      {0x80000006, "EV_EFI_GPT_EVENT"},
      {0x80000007, "EV_EFI_ACTION"},
      {0x80000008, "EV_EFI_PLATFORM_FIRMWARE_BLOB"},
      {0x80000009, "EV_EFI_HANDOFF_TABLES"},
      {0x8000000A, "EV_EFI_PLATFORM_FIRMWARE_BLOB2"},
      {0x8000000B, "EV_EFI_HANDOFF_TABLES2"},
      {0x8000000C, "EV_EFI_VARIABLE_BOOT2"},
      {0x80000010, "EV_EFI_HCRTM_EVENT"},
      {0x800000E0, "EV_EFI_VARIABLE_AUTHORITY"},
      {0x800000E1, "EV_EFI_SPDM_FIRMWARE_BLOB"},
      {0x800000E2, "EV_EFI_SPDM_FIRMWARE_CONFIG"},
  };
  for (const auto& [t, name] : kNames) {
    if (t == type) return name;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", type);
  return buf;
}

}  // namespace cocos::verifier::vtpm
