// JSON policy loader (nlohmann). Exceptions stay in this file. Both forms land in one Policy.
// cocos form: protojson of go-sev-guest check.Policy: camelCase or snake_case keys, 64-bit
// integers as strings or numbers, bytes as standard (or URL-safe) base64.
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "cocos/common/hash.h"
#include "cocos/verifier/policy/policy.h"

namespace cocos::verifier::policy {

namespace {

using json = nlohmann::json;
constexpr std::size_t kMaxPolicyBytes = 1 << 20;

struct Bad {
  std::string msg;
};

[[noreturn]] void fail(const std::string& m) {
  throw Bad{m};
}

std::uint64_t as_u64(const json& v, const std::string& key) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer() && v.get<std::int64_t>() >= 0) return v.get<std::uint64_t>();
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s.empty() || s.size() > 20) fail(key + ": not an unsigned integer: '" + s + "'");
    std::size_t used = 0;
    std::uint64_t out = 0;
    try {
      out = std::stoull(s, &used, 0);
    } catch (...) {
      fail(key + ": not an unsigned integer: '" + s + "'");
    }
    if (used != s.size() || s[0] == '-') fail(key + ": not an unsigned integer: '" + s + "'");
    return out;
  }
  fail(key + ": expected an unsigned integer");
}

std::uint32_t as_u32(const json& v, const std::string& key) {
  const std::uint64_t x = as_u64(v, key);
  if (x > 0xFFFFFFFFu) fail(key + ": value too large");
  return static_cast<std::uint32_t>(x);
}

bool as_bool(const json& v, const std::string& key) {
  if (!v.is_boolean()) fail(key + ": expected true or false");
  return v.get<bool>();
}

Bytes as_b64(const json& v, const std::string& key, std::size_t want) {
  if (!v.is_string()) fail(key + ": expected base64 text");
  auto b = from_base64(v.get<std::string>());
  if (!b) fail(key + ": " + b.error().message);
  if (want != 0 && b->size() != want) {
    fail(key + ": decodes to " + std::to_string(b->size()) + " bytes, want " +
         std::to_string(want));
  }
  return *b;
}

Bytes as_hexbytes(const json& v, const std::string& key, std::size_t want) {
  if (!v.is_string()) fail(key + ": expected hex text");
  std::string s = v.get<std::string>();
  if (s.rfind("0x", 0) == 0) s = s.substr(2);
  auto b = from_hex(s);
  if (!b) fail(key + ": " + b.error().message);
  if (want != 0 && b->size() != want) {
    fail(key + ": " + std::to_string(b->size()) + " bytes, want " + std::to_string(want));
  }
  return *b;
}

std::uint16_t as_version(const json& v, const std::string& key) {
  if (!v.is_string()) fail(key + ": expected \"major.minor\"");
  const std::string s = v.get<std::string>();
  const auto dot = s.find('.');
  if (dot == std::string::npos) fail(key + ": expected \"major.minor\", got '" + s + "'");
  const std::uint32_t maj = as_u32(json(s.substr(0, dot)), key);
  const std::uint32_t min = as_u32(json(s.substr(dot + 1)), key);
  if (maj > 255 || min > 255) fail(key + ": major and minor must be 0..255");
  return static_cast<std::uint16_t>(maj << 8 | min);
}

// Accepts camelCase and snake_case keys (protojson does).
std::string snake(const std::string& k) {
  std::string out;
  for (char c : k) {
    if (c >= 'A' && c <= 'Z') {
      out.push_back('_');
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void parse_pcr_values(const json& j, const std::string& where, bool hex_keys_only, PcrValues& out) {
  if (!j.is_object()) fail(where + ": expected an object of banks");
  for (auto& [bank, m] : j.items()) {
    static const std::map<std::string, std::size_t> kSizes = {
        {"sha1", 20}, {"sha256", 32}, {"sha384", 48}, {"sha512", 64}};
    auto sz = kSizes.find(bank);
    if (sz == kSizes.end())
      fail(where + "." + bank + ": unknown bank (sha1, sha256, sha384, sha512)");
    if (m.is_null()) continue;  // cocos: a null bank means no check
    if (!m.is_object()) fail(where + "." + bank + ": expected an object index -> hex");
    auto& bank_map = out[bank];
    for (auto& [idx, val] : m.items()) {
      const std::string key = where + "." + bank + "." + idx;
      const std::uint32_t i = as_u32(json(idx), key);
      if (i > 23) fail(key + ": PCR index must be 0..23");
      bank_map[i] = as_hexbytes(val, key, sz->second);
    }
  }
  (void)hex_keys_only;
}

void parse_cocos_check_policy(const json& p, Policy& out) {
  if (!p.is_object()) fail("policy: expected an object (go-sev-guest check.Policy)");
  SnpRules& r = out.snp;
  for (auto& [raw_key, v] : p.items()) {
    const std::string k = snake(raw_key);
    const std::string key = "policy." + raw_key;
    if (v.is_null()) continue;
    if (k == "minimum_guest_svn")
      r.minimum_guest_svn = as_u32(v, key);
    else if (k == "policy")
      r.guest_policy = as_u64(v, key);
    else if (k == "family_id")
      r.family_id = as_b64(v, key, 16);
    else if (k == "image_id")
      r.image_id = as_b64(v, key, 16);
    else if (k == "vmpl")
      r.vmpl = as_u32(v, key);
    else if (k == "minimum_tcb")
      r.minimum_tcb = as_u64(v, key);
    else if (k == "minimum_launch_tcb")
      r.minimum_launch_tcb = as_u64(v, key);
    else if (k == "platform_info")
      r.platform_info = as_u64(v, key);
    else if (k == "require_author_key")
      r.require_author_key = as_bool(v, key);
    else if (k == "report_data") {
      r.report_data = as_b64(v, key, 64);
    } else if (k == "measurement")
      r.measurement = as_b64(v, key, 48);
    else if (k == "host_data")
      r.host_data = as_b64(v, key, 32);
    else if (k == "report_id")
      r.report_id = as_b64(v, key, 32);
    else if (k == "report_id_ma")
      r.report_id_ma = as_b64(v, key, 32);
    else if (k == "chip_id")
      r.chip_id = as_b64(v, key, 64);
    else if (k == "minimum_build")
      r.minimum_build = as_u32(v, key);
    else if (k == "minimum_version")
      r.minimum_version = as_version(v, key);
    else if (k == "permit_provisional_firmware")
      r.permit_provisional_firmware = as_bool(v, key);
    else if (k == "require_id_block")
      r.require_id_block = as_bool(v, key);
    else if (k == "trusted_author_key_hashes" || k == "trusted_id_key_hashes" ||
             k == "trusted_author_keys" || k == "trusted_id_keys") {
      if (!v.is_array()) fail(key + ": expected a list");
      const bool keys = k.find("hashes") == std::string::npos;
      auto& dst = k.find("author") != std::string::npos ? r.trusted_author_key_hashes
                                                        : r.trusted_id_key_hashes;
      for (const auto& e : v) {
        Bytes b = as_b64(e, key, keys ? 0x404 : 48);
        // A full key is trusted through its SHA-384, which is what the report carries.
        dst.push_back(keys ? digest(HashAlg::kSha384, b) : b);
      }
    } else if (k == "product") {
      if (!v.is_object()) fail(key + ": expected {\"name\": \"SEV_PRODUCT_...\"}");
      if (v.contains("name")) {
        if (!v["name"].is_string()) fail(key + ".name: expected a string");
        auto prod = snp::parse_product(v["name"].get<std::string>());
        if (!prod) fail(key + ".name: " + prod.error().message);
        out.product = *prod;
      }
    } else if (k == "cert_table_options") {
      out.warnings.push_back("policy.certTableOptions is not evaluated");
    } else {
      fail(key + ": unknown check.Policy field");
    }
  }
  if (r.report_data) {
    out.warnings.push_back(
        "policy.reportData is replaced by the evidence binding at verification time (as cocos)");
  }
  out.report_data_from_binding = true;
}

void parse_root_of_trust(const json& j, Policy& out) {
  if (!j.is_object()) fail("rootOfTrust: expected an object");
  for (auto& [raw_key, v] : j.items()) {
    const std::string k = snake(raw_key);
    const std::string key = "rootOfTrust." + raw_key;
    if (k == "product" || k == "product_line") {
      if (!v.is_string()) fail(key + ": expected a string");
      if (v.get<std::string>().empty()) continue;
      auto prod = snp::parse_product(v.get<std::string>());
      if (!prod) fail(key + ": " + prod.error().message);
      if (out.product && *out.product != *prod) fail(key + ": contradicts the policy's product");
      out.product = *prod;
    } else if (k == "check_crl") {
      if (as_bool(v, key)) {
        out.warnings.push_back(
            "rootOfTrust.checkCrl: this verifier works offline and does not fetch the AMD "
            "CRL; pass it with --crl FILE (else revocation is not checked)");
      }
    } else if (k == "disallow_network") {
      as_bool(v, key);
    } else if (k == "cabundle_paths" || k == "cabundles") {
      out.warnings.push_back(key + " ignored: use --trust-root for extra roots");
    } else {
      fail(key + ": unknown rootOfTrust field");
    }
  }
}

std::uint64_t tcb_from_json(const json& v, const std::string& key, bool turin) {
  if (!v.is_object()) return as_u64(v, key);
  snp::Tcb t;
  t.turin = turin;
  for (auto& [k, x] : v.items()) {
    const std::uint32_t n = as_u32(x, key + "." + k);
    if (n > 255) fail(key + "." + k + ": must be 0..255");
    const auto b = static_cast<std::uint8_t>(n);
    if (k == "bl")
      t.bl = b;
    else if (k == "tee")
      t.tee = b;
    else if (k == "snp")
      t.snp = b;
    else if (k == "ucode" || k == "microcode")
      t.ucode = b;
    else if (k == "fmc")
      t.fmc = b;
    else
      fail(key + "." + k + ": unknown TCB component (bl, tee, snp, ucode, fmc)");
  }
  if (t.fmc != 0 && !turin) fail(key + ".fmc: only Turin has an FMC component");
  return snp::compose_tcb(t);
}

std::uint64_t bits_from_json(const json& v, const std::string& key,
                             const std::map<std::string, std::uint64_t>& names) {
  if (!v.is_object()) return as_u64(v, key);
  std::uint64_t out = 0;
  for (auto& [k, x] : v.items()) {
    if (k == "abi_major" || k == "abi_minor") {
      const std::uint32_t n = as_u32(x, key + "." + k);
      if (n > 255) fail(key + "." + k + ": must be 0..255");
      out |= static_cast<std::uint64_t>(n) << (k == "abi_major" ? 8 : 0);
      continue;
    }
    auto it = names.find(k);
    if (it == names.end()) fail(key + "." + k + ": unknown flag");
    if (as_bool(x, key + "." + k)) out |= it->second;
  }
  return out;
}

void parse_own_form(const json& j, Policy& out) {
  for (auto& [k, v] : j.items()) {
    if (k == "format") {
      if (v != "cocos-verifier/policy/v1") fail("format: want \"cocos-verifier/policy/v1\"");
    } else if (k == "product") {
      if (!v.is_string()) fail("product: expected a string");
      auto prod = snp::parse_product(v.get<std::string>());
      if (!prod) fail("product: " + prod.error().message);
      out.product = *prod;
    } else if (k == "pcrs") {
      parse_pcr_values(v, "pcrs", false, out.pcrs);
    } else if (k == "event_log") {
      if (!v.is_object()) fail("event_log: expected an object");
      for (auto& [ek, ev] : v.items()) {
        if (ek == "secure_boot") {
          out.require_secure_boot = as_bool(ev, "event_log.secure_boot");
        } else {
          fail("event_log." + ek + ": unknown key (secure_boot)");
        }
      }
    } else if (k != "snp" && k != "comment" && k != "_comment") {
      fail(k + ": unknown top-level key (format, product, snp, pcrs, event_log, comment)");
    }
  }
  if (!j.contains("snp")) return;
  const json& s = j["snp"];
  if (!s.is_object()) fail("snp: expected an object");
  const bool turin = out.product == snp::Product::kTurin;
  SnpRules& r = out.snp;
  static const std::map<std::string, std::uint64_t> kPolicyBits = {
      {"smt", kPolicySmt},
      {"migrate_ma", kPolicyMigrateMa},
      {"debug", kPolicyDebug},
      {"single_socket", kPolicySingleSocket},
      {"cxl_allow", kPolicyCxlAllow},
      {"mem_aes_256_xts", kPolicyMemAes256Xts},
      {"rapl_dis", kPolicyRaplDis},
      {"ciphertext_hiding_dram", kPolicyCiphertextHiding},
      {"page_swap_disable", kPolicyPageSwapDisable}};
  static const std::map<std::string, std::uint64_t> kPlatformBits = {
      {"smt_en", 1},
      {"tsme_en", 2},
      {"ecc_en", 4},
      {"rapl_dis", 8},
      {"ciphertext_hiding_dram_en", 16},
      {"alias_check_complete", 32},
      {"tio_en", 128}};
  for (auto& [k, v] : s.items()) {
    const std::string key = "snp." + k;
    if (k == "measurement")
      r.measurement = as_hexbytes(v, key, 48);
    else if (k == "report_data")
      r.report_data = as_hexbytes(v, key, 64);
    else if (k == "host_data")
      r.host_data = as_hexbytes(v, key, 32);
    else if (k == "family_id")
      r.family_id = as_hexbytes(v, key, 16);
    else if (k == "image_id")
      r.image_id = as_hexbytes(v, key, 16);
    else if (k == "report_id")
      r.report_id = as_hexbytes(v, key, 32);
    else if (k == "report_id_ma")
      r.report_id_ma = as_hexbytes(v, key, 32);
    else if (k == "chip_id")
      r.chip_id = as_hexbytes(v, key, 64);
    else if (k == "vmpl")
      r.vmpl = as_u32(v, key);
    else if (k == "minimum_guest_svn")
      r.minimum_guest_svn = as_u32(v, key);
    else if (k == "minimum_tcb")
      r.minimum_tcb = tcb_from_json(v, key, turin);
    else if (k == "minimum_launch_tcb")
      r.minimum_launch_tcb = tcb_from_json(v, key, turin);
    else if (k == "minimum_build")
      r.minimum_build = as_u32(v, key);
    else if (k == "minimum_version")
      r.minimum_version = as_version(v, key);
    else if (k == "permit_provisional_firmware")
      r.permit_provisional_firmware = as_bool(v, key);
    else if (k == "guest_policy")
      r.guest_policy = bits_from_json(v, key, kPolicyBits) | kPolicyReserved17;
    else if (k == "platform_info")
      r.platform_info = bits_from_json(v, key, kPlatformBits);
    else if (k == "require_id_block")
      r.require_id_block = as_bool(v, key);
    else if (k == "require_author_key")
      r.require_author_key = as_bool(v, key);
    else if (k == "trusted_id_key_hashes" || k == "trusted_author_key_hashes") {
      if (!v.is_array()) fail(key + ": expected a list of hex SHA-384 digests");
      auto& dst =
          k == "trusted_id_key_hashes" ? r.trusted_id_key_hashes : r.trusted_author_key_hashes;
      for (const auto& e : v) dst.push_back(as_hexbytes(e, key, 48));
    } else if (k == "required_launch_mit_vector")
      r.required_launch_mit_vector = as_u64(v, key);
    else if (k == "required_current_mit_vector")
      r.required_current_mit_vector = as_u64(v, key);
    else if (k == "minimum_report_version")
      r.minimum_report_version = as_u32(v, key);
    else if (k == "comment")
      continue;
    else
      fail(key + ": unknown rule");
  }
  if (r.vmpl && *r.vmpl > 3) fail("snp.vmpl: must be 0..3");
}

}  // namespace

Result<Policy> parse_policy(std::string_view text) {
  if (text.size() > kMaxPolicyBytes) return make_error("bad_policy", "policy larger than 1 MiB");
  try {
    const json j = json::parse(text.begin(), text.end(), nullptr, true, /*ignore_comments=*/true);
    if (!j.is_object()) return make_error("bad_policy", "the policy must be a JSON object");
    Policy out;
    const bool cocos =
        j.contains("policy") || j.contains("rootOfTrust") || j.contains("pcr_values");
    if (cocos) {
      out.form = "cocos";
      for (auto& [k, v] : j.items()) {
        if (k == "policy")
          parse_cocos_check_policy(v, out);
        else if (k == "rootOfTrust" || k == "root_of_trust")
          parse_root_of_trust(v, out);
        else if (k == "pcr_values") {
          if (!v.is_null()) parse_pcr_values(v, "pcr_values", false, out.pcrs);
        } else {
          out.warnings.push_back("top-level key '" + k + "' is not evaluated");
        }
      }
    } else {
      out.form = "cocos-verifier/policy/v1";
      parse_own_form(j, out);
    }
    if (out.snp.vmpl && *out.snp.vmpl > 3) return make_error("bad_policy", "vmpl: must be 0..3");
    return out;
  } catch (const Bad& b) {
    return make_error("bad_policy", b.msg);
  } catch (const json::exception& e) {
    return make_error("bad_policy", std::string("JSON: ") + e.what());
  } catch (const std::exception& e) {
    return make_error("bad_policy", e.what());
  }
}

Result<Policy> load_policy_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("io_error", "cannot open " + path);
  std::string buf(kMaxPolicyBytes + 1, '\0');
  in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
  buf.resize(static_cast<std::size_t>(in.gcount()));
  auto p = parse_policy(buf);
  if (!p) return make_error(p.error().code, path + ": " + p.error().message);
  return p;
}

}  // namespace cocos::verifier::policy
