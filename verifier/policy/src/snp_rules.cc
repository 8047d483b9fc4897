// SNP policy rules, following go-sev-guest validate.go semantics (attestation.md §3).
#include <algorithm>
#include <cstdio>

#include "cocos/verifier/policy/rules.h"

namespace cocos::verifier::policy {

namespace {

using snp::decompose_tcb;
using snp::tcb_string;

std::string hex64(std::uint64_t x) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(x));
  return b;
}

std::string ver(std::uint8_t maj, std::uint8_t min, std::uint8_t build) {
  return std::to_string(maj) + "." + std::to_string(min) + " build " + std::to_string(build);
}

template <std::size_t N>
void verbatim(Verdict& v, const char* code, const char* field, const std::optional<Bytes>& want,
              const std::array<std::uint8_t, N>& got) {
  if (!want) return;
  const bool ok = want->size() == N && std::equal(want->begin(), want->end(), got.begin());
  v.expect(ok, code, std::string(field) + " equals the policy value", field, to_hex(*want),
           to_hex(got));
}

void tcb_rules(const snp::SnpReport& r, const SnpRules& p, bool turin, Verdict& v) {
  const auto cur = decompose_tcb(r.current_tcb, turin);
  const auto com = decompose_tcb(r.committed_tcb, turin);
  if (p.permit_provisional_firmware) {
    v.expect(snp::tcb_le(com, cur), "policy.provisional.tcb",
             "COMMITTED_TCB <= CURRENT_TCB (provisional firmware permitted)", "COMMITTED_TCB",
             "<= " + tcb_string(r.current_tcb, turin), tcb_string(r.committed_tcb, turin));
    const int cur_v = r.current_major << 16 | r.current_minor << 8 | r.current_build;
    const int com_v = r.committed_major << 16 | r.committed_minor << 8 | r.committed_build;
    v.expect(com_v <= cur_v, "policy.provisional.firmware",
             "committed firmware <= current firmware (provisional firmware permitted)",
             "COMMITTED_MAJOR/MINOR/BUILD",
             "<= " + ver(r.current_major, r.current_minor, r.current_build),
             ver(r.committed_major, r.committed_minor, r.committed_build));
  } else {
    v.expect(snp::tcb_eq(com, cur), "policy.provisional.tcb",
             "COMMITTED_TCB equals CURRENT_TCB (no provisional firmware)", "COMMITTED_TCB",
             tcb_string(r.current_tcb, turin), tcb_string(r.committed_tcb, turin),
             "the platform runs provisional firmware; set permitProvisionalFirmware to accept");
    const bool same = r.committed_major == r.current_major &&
                      r.committed_minor == r.current_minor && r.committed_build == r.current_build;
    v.expect(same, "policy.provisional.firmware",
             "committed firmware equals current firmware (no provisional firmware)",
             "COMMITTED_MAJOR/MINOR/BUILD", ver(r.current_major, r.current_minor, r.current_build),
             ver(r.committed_major, r.committed_minor, r.committed_build),
             "the platform runs provisional firmware; set permitProvisionalFirmware to accept");
  }
  if (p.minimum_launch_tcb) {
    v.expect(snp::tcb_le(decompose_tcb(*p.minimum_launch_tcb, turin),
                         decompose_tcb(r.launch_tcb, turin)),
             "policy.minimum_launch_tcb", "LAUNCH_TCB >= minimum (every component)", "LAUNCH_TCB",
             ">= " + tcb_string(*p.minimum_launch_tcb, turin), tcb_string(r.launch_tcb, turin));
  }
  if (p.minimum_tcb) {
    v.expect(
        snp::tcb_le(decompose_tcb(*p.minimum_tcb, turin), decompose_tcb(r.reported_tcb, turin)),
        "policy.minimum_tcb", "REPORTED_TCB >= minimum (every component)", "REPORTED_TCB",
        ">= " + tcb_string(*p.minimum_tcb, turin), tcb_string(r.reported_tcb, turin));
  }
  if (p.minimum_build) {
    v.expect(r.current_build >= *p.minimum_build, "policy.minimum_build",
             "CURRENT_BUILD >= minimum", "CURRENT_BUILD", ">= " + std::to_string(*p.minimum_build),
             std::to_string(r.current_build));
  }
  if (p.minimum_version) {
    const int have = r.current_major << 8 | r.current_minor;
    v.expect(have >= *p.minimum_version, "policy.minimum_version",
             "CURRENT_MAJOR.CURRENT_MINOR >= minimum", "CURRENT_MAJOR/CURRENT_MINOR",
             ">= " + std::to_string(*p.minimum_version >> 8) + "." +
                 std::to_string(*p.minimum_version & 0xFF),
             std::to_string(r.current_major) + "." + std::to_string(r.current_minor));
  }
}

void guest_policy_rules(const snp::SnpReport& r, std::uint64_t want, Verdict& v) {
  const std::uint64_t got = r.policy;
  const int want_abi = static_cast<int>((want >> 8) & 0xFF) << 8 | static_cast<int>(want & 0xFF);
  const int got_abi = static_cast<int>((got >> 8) & 0xFF) << 8 | static_cast<int>(got & 0xFF);
  v.expect(got_abi >= want_abi, "policy.guest.abi", "guest policy ABI version >= required",
           "POLICY.ABI_MAJOR/ABI_MINOR",
           ">= " + std::to_string(want_abi >> 8) + "." + std::to_string(want_abi & 0xFF),
           std::to_string(got_abi >> 8) + "." + std::to_string(got_abi & 0xFF));
  v.expect(got & kPolicyReserved17, "policy.guest.reserved17", "guest policy bit 17 is set",
           "POLICY bit 17", "1", "0", "the SNP ABI requires bit 17 to be one");
  struct Allowed {
    std::uint64_t bit;
    const char* code;
    const char* name;
  };
  for (const Allowed& a : {Allowed{kPolicyMigrateMa, "policy.guest.migrate_ma", "MIGRATE_MA"},
                           Allowed{kPolicyDebug, "policy.guest.debug", "DEBUG"},
                           Allowed{kPolicySmt, "policy.guest.smt", "SMT"},
                           Allowed{kPolicyCxlAllow, "policy.guest.cxl_allow", "CXL_ALLOW"}}) {
    const bool ok = !(got & a.bit) || (want & a.bit);
    v.expect(ok, a.code, std::string(a.name) + " only if the policy allows it",
             std::string("POLICY.") + a.name, (want & a.bit) ? "allowed" : "0 (not allowed)",
             (got & a.bit) ? "1" : "0",
             std::string("the guest was launched with ") + a.name + " enabled");
  }
  for (const Allowed& a :
       {Allowed{kPolicySingleSocket, "policy.guest.single_socket", "SINGLE_SOCKET"},
        Allowed{kPolicyMemAes256Xts, "policy.guest.mem_aes_256_xts", "MEM_AES_256_XTS"},
        Allowed{kPolicyRaplDis, "policy.guest.rapl_dis", "RAPL_DIS"},
        Allowed{kPolicyCiphertextHiding, "policy.guest.ciphertext_hiding_dram",
                "CIPHERTEXT_HIDING_DRAM"},
        Allowed{kPolicyPageSwapDisable, "policy.guest.page_swap_disable", "PAGE_SWAP_DISABLE"}}) {
    if (!(want & a.bit)) continue;
    v.expect(got & a.bit, a.code, std::string(a.name) + " is required by the policy",
             std::string("POLICY.") + a.name, "1", (got & a.bit) ? "1" : "0");
  }
}

void platform_rules(const snp::SnpReport& r, std::uint64_t want, Verdict& v) {
  const std::uint64_t got = r.platform_info;
  struct Bit {
    std::uint64_t bit;
    const char* code;
    const char* name;
    bool forbidden_unless_allowed;
  };
  const Bit bits[] = {
      {1, "policy.platform.smt_en", "SMT_EN", true},
      {2, "policy.platform.tsme_en", "TSME_EN", true},
      {4, "policy.platform.ecc_en", "ECC_EN", false},
      {8, "policy.platform.rapl_dis", "RAPL_DIS", false},
      {16, "policy.platform.ciphertext_hiding_dram_en", "CIPHERTEXT_HIDING_DRAM_EN", false},
      {32, "policy.platform.alias_check_complete", "ALIAS_CHECK_COMPLETE", false},
      {128, "policy.platform.tio_en", "TIO_EN", true}};
  for (const Bit& b : bits) {
    if (b.forbidden_unless_allowed) {
      v.expect(!(got & b.bit) || (want & b.bit), b.code, std::string(b.name) + " only if allowed",
               std::string("PLATFORM_INFO.") + b.name, (want & b.bit) ? "allowed" : "0",
               (got & b.bit) ? "1" : "0");
    } else if (want & b.bit) {
      v.expect(got & b.bit, b.code, std::string(b.name) + " is required",
               std::string("PLATFORM_INFO.") + b.name, "1", (got & b.bit) ? "1" : "0");
    }
  }
  v.expect((got & ~0xBFull) == 0, "policy.platform.unknown_bits", "no unknown PLATFORM_INFO bits",
           "PLATFORM_INFO", "bits 6 and 8..63 clear", hex64(got));
}

bool in_list(const std::vector<Bytes>& list, const std::array<std::uint8_t, 48>& d) {
  return std::any_of(list.begin(), list.end(), [&](const Bytes& b) {
    return std::equal(b.begin(), b.end(), d.begin(), d.end());
  });
}

void key_rules(const snp::SnpReport& r, const SnpRules& p, Verdict& v) {
  if (!p.require_id_block && !p.require_author_key) return;
  if (p.require_author_key) {
    v.expect(r.author_key_en(), "policy.author_key.enabled", "an author key signed the ID key",
             "AUTHOR_KEY_EN", "1", r.author_key_en() ? "1" : "0");
  }
  // With AUTHOR_KEY_EN the author key is what the policy trusts; otherwise the ID key.
  if (r.author_key_en() && !p.trusted_author_key_hashes.empty()) {
    v.expect(in_list(p.trusted_author_key_hashes, r.author_key_digest), "policy.author_key.trusted",
             "AUTHOR_KEY_DIGEST is a trusted author key", "AUTHOR_KEY_DIGEST",
             "one of " + std::to_string(p.trusted_author_key_hashes.size()) + " trusted digests",
             to_hex(r.author_key_digest));
  } else {
    v.expect(in_list(p.trusted_id_key_hashes, r.id_key_digest), "policy.id_key.trusted",
             "ID_KEY_DIGEST is a trusted ID key", "ID_KEY_DIGEST",
             "one of " + std::to_string(p.trusted_id_key_hashes.size()) + " trusted digests",
             to_hex(r.id_key_digest), "add the SHA-384 of the 0x404-byte AMD-format key");
  }
}

}  // namespace

void apply_snp_rules(const snp::SnpReport& r, const SnpRules& p, bool turin, bool skip_report_data,
                     Verdict& v) {
  if (p.minimum_report_version) {
    v.expect(r.version >= *p.minimum_report_version, "policy.report_version",
             "report VERSION >= minimum", "VERSION",
             ">= " + std::to_string(*p.minimum_report_version), std::to_string(r.version));
  }
  tcb_rules(r, p, turin, v);
  if (p.minimum_guest_svn) {
    v.expect(r.guest_svn >= *p.minimum_guest_svn, "policy.minimum_guest_svn",
             "GUEST_SVN >= minimum", "GUEST_SVN", ">= " + std::to_string(*p.minimum_guest_svn),
             std::to_string(r.guest_svn));
  }
  if (p.guest_policy) guest_policy_rules(r, *p.guest_policy, v);
  if (p.platform_info) platform_rules(r, *p.platform_info, v);
  if (!skip_report_data)
    verbatim(v, "policy.report_data", "REPORT_DATA", p.report_data, r.report_data);
  verbatim(v, "policy.measurement", "MEASUREMENT", p.measurement, r.measurement);
  verbatim(v, "policy.host_data", "HOST_DATA", p.host_data, r.host_data);
  verbatim(v, "policy.family_id", "FAMILY_ID", p.family_id, r.family_id);
  verbatim(v, "policy.image_id", "IMAGE_ID", p.image_id, r.image_id);
  verbatim(v, "policy.report_id", "REPORT_ID", p.report_id, r.report_id);
  verbatim(v, "policy.report_id_ma", "REPORT_ID_MA", p.report_id_ma, r.report_id_ma);
  verbatim(v, "policy.chip_id", "CHIP_ID", p.chip_id, r.chip_id);
  if (p.vmpl) {
    v.expect(r.vmpl == *p.vmpl, "policy.vmpl", "VMPL equals the policy value", "VMPL",
             std::to_string(*p.vmpl), std::to_string(r.vmpl));
  }
  key_rules(r, p, v);
  for (const auto& [want, got, has, code, field] :
       {std::tuple{p.required_launch_mit_vector, r.launch_mit_vector, r.has_mit_vectors,
                   "policy.mit_vector.launch", "LAUNCH_MIT_VECTOR"},
        std::tuple{p.required_current_mit_vector, r.current_mit_vector, r.has_mit_vectors,
                   "policy.mit_vector.current", "CURRENT_MIT_VECTOR"}}) {
    if (!want) continue;
    const bool ok = has && (got & *want) == *want;
    v.expect(ok, code, std::string(field) + " has every required mitigation bit", field,
             "all of " + hex64(*want), has ? hex64(got) : "absent (report version < 5)");
  }
}

}  // namespace cocos::verifier::policy
