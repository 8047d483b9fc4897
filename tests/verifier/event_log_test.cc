// TCG event log vector (GCE, with the nonce-9009 quotes): parsing, replay against the verified
// quotes of all three banks, a cross-check with tpm2-tools' own replay, and hostile input
// (truncations, bad sizes, undeclared algorithms, oversize logs) rejected with "bad_event_log".
#include "cocos/verifier/vtpm/event_log.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "cocos/common/hash.h"
#include "test_util.h"

namespace cocos::test {
namespace {

using namespace cocos::verifier;
using namespace cocos::verifier::vtpm;

const char* kBanks[] = {"sha1", "sha256", "sha384"};
const Bytes kNonce = {0x90, 0x09};

Quote load_quote(const std::string& bank) {
  return load_vector_quote(bank);
}

Bytes log_bytes() {
  return read_data("vtpm/event_log.bin");
}

// Little-endian u32 at `off`.
std::uint32_t le32(const Bytes& b, std::size_t off) {
  return static_cast<std::uint32_t>(b[off] | b[off + 1] << 8 | b[off + 2] << 16 | b[off + 3] << 24);
}

TEST(EventLog, ParsesTheVector) {
  auto log = parse_event_log(log_bytes());
  ASSERT_TRUE(log) << log.error().to_string();
  EXPECT_TRUE(log->crypto_agile);
  ASSERT_EQ(log->algorithms.size(), 3u);
  EXPECT_EQ(log->algorithms[0], (std::pair<std::uint16_t, std::uint16_t>{kAlgSha1, 20}));
  EXPECT_EQ(log->algorithms[1], (std::pair<std::uint16_t, std::uint16_t>{kAlgSha256, 32}));
  EXPECT_EQ(log->algorithms[2], (std::pair<std::uint16_t, std::uint16_t>{kAlgSha384, 48}));
  EXPECT_EQ(log->events.size(), 44u);  // expectations.json: header + 44 events
  for (const auto& e : log->events) EXPECT_EQ(e.digests.size(), 3u) << e.offset;
  EXPECT_EQ(event_type_name(log->events.back().type), "EV_EFI_ACTION");
  EXPECT_EQ(std::string(log->events.back().data.begin(), log->events.back().data.end()),
            "Exit Boot Services Returned with Success");
}

TEST(EventLog, ReplayEqualsTheQuotedPcrsInEveryBank) {
  auto log = parse_event_log(log_bytes()).value();
  const ReplayedPcrs r = replay_event_log(log);
  ASSERT_EQ(r.size(), 3u);
  for (const char* bank : kBanks) {
    const Quote q = load_quote(bank);
    ASSERT_EQ(r.at(bank).size(), 10u) << bank;  // PCRs 0..9; 10 (IMA) is not in this log
    for (const auto& [pcr, value] : r.at(bank)) {
      EXPECT_LE(pcr, 9u);
      EXPECT_EQ(to_hex(value), to_hex(q.pcrs.at(pcr))) << bank << " PCR " << pcr;
    }
  }
}

TEST(EventLog, CheckPassesAgainstVerifiedQuotes) {
  auto log = parse_event_log(log_bytes()).value();
  std::vector<Quote> quotes;
  for (const char* bank : kBanks) quotes.push_back(load_quote(bank));
  Verdict v;
  std::vector<const Quote*> verified;
  for (const auto& q : quotes) {
    ASSERT_TRUE(verify_quote(parse_tpmt_public(read_data("vtpm/ak_pub.tpmt_public.bin")).value(), q,
                             kNonce, "q." + q.bank, v));
    verified.push_back(&q);
  }
  check_event_log(log, verified, "vtpm.event_log", v);
  EXPECT_TRUE(v.valid()) << render_text(v);
  for (const char* bank : kBanks) {
    EXPECT_TRUE(passed(v, std::string("vtpm.event_log.") + bank)) << render_text(v);
  }
}

TEST(EventLog, AQuotedPcrThatDiffersFromTheReplayFails) {
  auto log = parse_event_log(log_bytes()).value();
  Quote q = load_quote("sha256");
  q.pcrs[7][0] ^= 1;
  Verdict v;
  check_event_log(log, {&q}, "vtpm.event_log", v);
  ASSERT_TRUE(failed(v, "vtpm.event_log.sha256")) << render_text(v);
  EXPECT_NE(find_check(v, "vtpm.event_log.sha256")->actual.find("PCRs {7} differ"),
            std::string::npos);
}

TEST(EventLog, AnAlteredEventDigestFails) {
  Bytes b = log_bytes();
  auto log = parse_event_log(b).value();
  // Flip the first byte of the SHA-256 digest of the first PCR-4 event: the header-listed order
  // is sha1, sha256, sha384, each preceded by its u16 algorithm id.
  const LogEvent* e = nullptr;
  for (const auto& ev : log.events) {
    if (ev.pcr == 4 && ev.type != kEvNoAction) {
      e = &ev;
      break;
    }
  }
  ASSERT_NE(e, nullptr);
  const std::size_t sha256_at = e->offset + 12 + (2 + 20) + 2;
  b[sha256_at] ^= 0x80;
  auto altered = parse_event_log(b).value();
  const Quote q256 = load_quote("sha256"), q1 = load_quote("sha1");
  Verdict v;
  check_event_log(altered, {&q1, &q256}, "vtpm.event_log", v);
  EXPECT_TRUE(passed(v, "vtpm.event_log.sha1"));  // that bank's digest is untouched
  ASSERT_TRUE(failed(v, "vtpm.event_log.sha256")) << render_text(v);
  EXPECT_NE(find_check(v, "vtpm.event_log.sha256")->actual.find("PCRs {4} differ"),
            std::string::npos);
}

TEST(EventLog, AnEventRemovedFromTheLogFails) {
  Bytes b = log_bytes();
  auto log = parse_event_log(b).value();
  const LogEvent& e = log.events[5];
  ASSERT_NE(e.type, kEvNoAction);
  const std::size_t next = log.events[6].offset;
  b.erase(b.begin() + static_cast<long>(e.offset), b.begin() + static_cast<long>(next));
  auto shorter = parse_event_log(b).value();
  EXPECT_EQ(shorter.events.size(), 43u);
  const Quote q = load_quote("sha384");
  Verdict v;
  check_event_log(shorter, {&q}, "vtpm.event_log", v);
  EXPECT_TRUE(failed(v, "vtpm.event_log.sha384")) << render_text(v);
}

TEST(EventLog, ALogWithoutAnyQuotedBankFails) {
  auto log = parse_event_log(log_bytes()).value();
  Quote q = load_quote("sha256");
  q.bank = "sha512";  // as if the TPM had only that bank
  Verdict v;
  check_event_log(log, {&q}, "vtpm.event_log", v);
  EXPECT_TRUE(failed(v, "vtpm.event_log")) << render_text(v);
}

TEST(EventLog, ReplayAgreesWithTpm2Tools) {
  // tpm2_eventlog (tpm2-tools) prints its own replay as "pcrs:" / "  <bank>:" / "    <i> : 0x..".
  const std::string cmd = "tpm2_eventlog " + data_path("vtpm/event_log.bin") + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  ASSERT_TRUE(p);
  std::string out;
  std::array<char, 4096> buf;
  while (std::size_t n = fread(buf.data(), 1, buf.size(), p.get())) out.append(buf.data(), n);
  const auto pcrs_at = out.find("\npcrs:\n");
  ASSERT_NE(pcrs_at, std::string::npos) << out.substr(0, 500);
  std::map<std::string, std::map<std::uint32_t, std::string>> theirs;
  std::string bank;
  std::istringstream in(out.substr(pcrs_at + 7));
  std::string line;
  const std::regex bank_re(R"(^  (sha\d+):\s*$)"),
      pcr_re(R"(^\s+(\d+)\s*:\s*0x([0-9a-fA-F]+)\s*$)");
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, bank_re)) {
      bank = m[1];
    } else if (std::regex_match(line, m, pcr_re) && !bank.empty()) {
      std::string hex = m[2];
      for (auto& c : hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      theirs[bank][static_cast<std::uint32_t>(std::stoul(m[1]))] = hex;
    }
  }
  const ReplayedPcrs ours = replay_event_log(parse_event_log(log_bytes()).value());
  ASSERT_EQ(theirs.size(), ours.size());
  for (const auto& [b, values] : ours) {
    ASSERT_EQ(theirs[b].size(), values.size()) << b;
    for (const auto& [i, v] : values) EXPECT_EQ(theirs[b][i], to_hex(v)) << b << " PCR " << i;
  }
}

TEST(EventLog, StartupLocalitySetsPcr0sResetValue) {
  // A minimal agile log: Spec ID (SHA-256 only), StartupLocality 3, one PCR-0 event.
  Bytes b;
  auto u32 = [&](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  auto u16 = [&](std::uint16_t v) {
    b.push_back(static_cast<std::uint8_t>(v));
    b.push_back(static_cast<std::uint8_t>(v >> 8));
  };
  auto str = [&](const char* s) { b.insert(b.end(), s, s + std::strlen(s) + 1); };
  u32(0);
  u32(kEvNoAction);
  b.insert(b.end(), 20, 0);
  u32(16 + 4 + 4 + 4 + 4 + 1);
  str("Spec ID Event03");
  u32(0);
  b.insert(b.end(), {0, 2, 0, 2});
  u32(1);
  u16(kAlgSha256);
  u16(32);
  b.push_back(0);
  // StartupLocality
  u32(0);
  u32(kEvNoAction);
  u32(1);
  u16(kAlgSha256);
  b.insert(b.end(), 32, 0);
  u32(17);
  str("StartupLocality");
  b.push_back(3);
  // EV_S_CRTM_VERSION on PCR 0 with digest 32 x 0x11
  u32(0);
  u32(0x8);
  u32(1);
  u16(kAlgSha256);
  const Bytes d(32, 0x11);
  b.insert(b.end(), d.begin(), d.end());
  u32(2);
  b.insert(b.end(), {0, 0});

  auto log = parse_event_log(b);
  ASSERT_TRUE(log) << log.error().to_string();
  EXPECT_EQ(log->startup_locality, 3);
  Bytes reset(32, 0);
  reset.back() = 3;
  reset.insert(reset.end(), d.begin(), d.end());
  EXPECT_EQ(replay_event_log(*log).at("sha256").at(0), digest(HashAlg::kSha256, reset));
  // The header's algorithm id (record 32 bytes, then signature, class, versions, count) made
  // sha384: its declared size 32 is then wrong.
  Bytes bad = b;
  bad[32 + 16 + 4 + 4 + 4] = 0x0C;
  EXPECT_FALSE(parse_event_log(bad));
  // The event's digest of an algorithm the header does not declare.
  Bytes undeclared = b;
  undeclared[b.size() - 2 - 4 - 32 - 2] = 0x0D;  // the PCR-0 event's sha256 id -> sha512
  auto u = parse_event_log(undeclared);
  ASSERT_FALSE(u);
  EXPECT_NE(u.error().message.find("does not declare"), std::string::npos) << u.error().message;
}

TEST(EventLog, HostileInputIsRejectedWithAReason) {
  const Bytes good = log_bytes();
  // Every truncation either parses (cut exactly between records) or fails cleanly.
  int rejected = 0;
  for (std::size_t n = 1; n < good.size(); n += 7) {
    auto r = parse_event_log(std::span(good.data(), n));
    if (!r) {
      EXPECT_EQ(r.error().code, "bad_event_log");
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 3000);
  EXPECT_FALSE(parse_event_log(Bytes{}));
  // An event claiming 4 GiB of data.
  auto log = parse_event_log(good).value();
  Bytes huge = good;
  const LogEvent& e = log.events[0];
  const std::size_t size_at = e.offset + 12 + 3 * 2 + 20 + 32 + 48;
  ASSERT_EQ(le32(huge, size_at), e.data.size());
  huge[size_at + 3] = 0xff;
  auto r = parse_event_log(huge);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("event data"), std::string::npos) << r.error().message;
  // More digests than the header declares.
  Bytes many = good;
  many[e.offset + 8] = 9;
  EXPECT_FALSE(parse_event_log(many));
  // Larger than the bound.
  Bytes big(kMaxEventLogBytes + 1, 0);
  r = parse_event_log(big);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("max"), std::string::npos);
  // PCR index out of range on an extending event.
  Bytes pcr = good;
  pcr[e.offset] = 24;
  EXPECT_FALSE(parse_event_log(pcr));
}

// The GCE log's SecureBoot event (PCR 7, EV_EFI_VARIABLE_DRIVER_CONFIG, data ends in 01).
const LogEvent& secure_boot_event(const EventLog& log) {
  for (const auto& e : log.events) {
    if (e.pcr == 7 && e.type == kEvEfiVariableDriverConfig && e.data.size() == 32 + 20 + 1) {
      return e;
    }
  }
  throw std::runtime_error("no SecureBoot event");
}

TEST(EventLog, SecureBootIsReadFromTheMeasuredVariable) {
  const auto log = parse_event_log(log_bytes()).value();
  for (std::uint16_t bank : {kAlgSha1, kAlgSha256, kAlgSha384}) {
    auto sb = secure_boot_enabled(log, bank);
    ASSERT_TRUE(sb) << sb.error().to_string();
    ASSERT_TRUE(sb->has_value());
    EXPECT_TRUE(**sb);
  }
  // Against the verified quotes: PCR 7 confirmed, enabled.
  const Quote q = load_quote("sha256");
  Verdict v;
  check_secure_boot(log, {&q}, "vtpm.event_log", v);
  EXPECT_TRUE(passed(v, "vtpm.event_log.secure_boot")) << render_text(v);
  // A quote whose PCR 7 differs confirms nothing.
  Quote other = q;
  other.pcrs[7][0] ^= 1;
  Verdict unconfirmed;
  check_secure_boot(log, {&other}, "vtpm.event_log", unconfirmed);
  EXPECT_TRUE(failed(unconfirmed, "vtpm.event_log.secure_boot"));
}

TEST(EventLog, AnAlteredSecureBootValueIsCaughtByItsDigest) {
  Bytes b = log_bytes();
  const auto log = parse_event_log(b).value();
  const LogEvent& e = secure_boot_event(log);
  // The value is the last data byte; the data ends where the record ends.
  const std::size_t value_at = e.offset + 12 + 3 * 2 + 20 + 32 + 48 + 4 + e.data.size() - 1;
  ASSERT_EQ(b[value_at], 0x01);
  b[value_at] = 0x00;  // "disabled", with the digests left as they were
  const auto altered = parse_event_log(b).value();
  auto sb = secure_boot_enabled(altered, kAlgSha256);
  ASSERT_FALSE(sb);
  EXPECT_NE(sb.error().message.find("not what its digest measured"), std::string::npos);
  // The replay itself still matches (data is not part of it): only the digest check catches it.
  const Quote q = load_quote("sha256");
  Verdict v;
  check_event_log(altered, {&q}, "vtpm.event_log", v);
  EXPECT_TRUE(v.valid());
  check_secure_boot(altered, {&q}, "vtpm.event_log", v);
  EXPECT_TRUE(failed(v, "vtpm.event_log.secure_boot"));
}

TEST(EventLog, LegacySha1LogReplays) {
  // The same events as a SHA-1-only TCG_PCR_EVENT log: replay equals the quoted SHA-1 PCRs.
  auto agile = parse_event_log(log_bytes()).value();
  Bytes b;
  auto u32 = [&](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  for (const auto& e : agile.events) {
    if (e.type == kEvNoAction) continue;
    u32(e.pcr);
    u32(e.type);
    b.insert(b.end(), e.digests[0].digest.begin(), e.digests[0].digest.end());
    u32(static_cast<std::uint32_t>(e.data.size()));
    b.insert(b.end(), e.data.begin(), e.data.end());
  }
  auto legacy = parse_event_log(b);
  ASSERT_TRUE(legacy) << legacy.error().to_string();
  EXPECT_FALSE(legacy->crypto_agile);
  const Quote q = load_quote("sha1");
  Verdict v;
  check_event_log(*legacy, {&q}, "vtpm.event_log", v);
  EXPECT_TRUE(passed(v, "vtpm.event_log.sha1")) << render_text(v);
}

}  // namespace
}  // namespace cocos::test
