// Quote checks. The PCR digest uses the signature's hash regardless of the bank
// (go-tpm-tools internal/pcrs.go PCRDigest).
#include "cocos/verifier/vtpm/quote.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <sstream>

#include "cocos/common/hash.h"

namespace cocos::verifier::vtpm {

namespace {

template <class T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const { F(p); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Free<EVP_MD_CTX, EVP_MD_CTX_free>>;
using SigPtr = std::unique_ptr<ECDSA_SIG, Free<ECDSA_SIG, ECDSA_SIG_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Free<BIGNUM, BN_free>>;
struct OsslFree {
  void operator()(unsigned char* p) const { OPENSSL_free(p); }
};

const char* md_name(std::uint16_t alg) {
  switch (alg) {
    case kAlgSha256:
      return "SHA256";
    case kAlgSha384:
      return "SHA384";
    case kAlgSha512:
      return "SHA512";
  }
  return nullptr;
}

std::optional<HashAlg> hash_alg(std::uint16_t alg) {
  switch (alg) {
    case kAlgSha256:
      return HashAlg::kSha256;
    case kAlgSha384:
      return HashAlg::kSha384;
    case kAlgSha512:
      return HashAlg::kSha512;
  }
  return std::nullopt;
}

std::string list(const std::vector<std::uint32_t>& v) {
  std::string s;
  for (auto i : v) s += (s.empty() ? "" : ",") + std::to_string(i);
  return "{" + s + "}";
}

}  // namespace

Status verify_tpm_signature(const TpmPublic& ak, const TpmSignature& sig,
                            std::span<const std::uint8_t> message) {
  const char* md = md_name(sig.hash);
  if (md == nullptr) {
    return make_error("bad_signature", "signature hash " + alg_name(sig.hash) +
                                           " refused (SHA-256, SHA-384 or SHA-512 only)");
  }
  const bool rsa_sig = sig.sig_alg == kAlgRsassa || sig.sig_alg == kAlgRsapss;
  if ((ak.type == kAlgRsa) != rsa_sig) {
    return make_error("bad_signature", "signature scheme " + alg_name(sig.sig_alg) +
                                           " does not fit the AK type " + alg_name(ak.type));
  }
  Bytes der;
  std::span<const std::uint8_t> s = sig.sig;
  if (sig.sig_alg == kAlgEcdsa) {
    SigPtr es(ECDSA_SIG_new());
    BnPtr r(BN_bin2bn(sig.r.data(), static_cast<int>(sig.r.size()), nullptr));
    BnPtr ss(BN_bin2bn(sig.s.data(), static_cast<int>(sig.s.size()), nullptr));
    if (!es || !r || !ss || ECDSA_SIG_set0(es.get(), r.get(), ss.get()) != 1) {
      return make_error("internal", "cannot build ECDSA signature");
    }
    r.release();
    ss.release();
    unsigned char* p = nullptr;
    const int n = i2d_ECDSA_SIG(es.get(), &p);
    if (n <= 0) return make_error("internal", "cannot encode ECDSA signature");
    std::unique_ptr<unsigned char, OsslFree> hold(p);
    der.assign(p, p + n);
    s = der;
  }
  const PublicKey key = ak.key();
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx ||
      EVP_DigestVerifyInit_ex(ctx.get(), &pctx, md, nullptr, nullptr, key.get(), nullptr) != 1) {
    openssl_error();
    return make_error("internal", "cannot initialise signature verification");
  }
  if (sig.sig_alg == kAlgRsassa) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING);
  } else if (sig.sig_alg == kAlgRsapss) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO);
  }
  const int ok = EVP_DigestVerify(ctx.get(), s.data(), s.size(), message.data(), message.size());
  openssl_error();
  if (ok != 1) {
    return make_error("bad_signature", alg_name(sig.sig_alg) + "/" + alg_name(sig.hash) +
                                           " signature over TPMS_ATTEST does not verify");
  }
  return ok_status();
}

bool check_ak(const TpmPublic& ak, Verdict& v) {
  const bool ok = (ak.attributes & (kAttrRestricted | kAttrSign)) == (kAttrRestricted | kAttrSign);
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", ak.attributes);
  return v.expect(ok, "vtpm.ak", "AK is a restricted signing key", "TPMT_PUBLIC.objectAttributes",
                  "restricted|sign", buf,
                  "an unrestricted key can sign data that only looks like a quote");
}

bool verify_quote(const TpmPublic& ak, const Quote& q, std::span<const std::uint8_t> nonce,
                  const std::string& prefix, Verdict& v) {
  bool all = true;
  auto sig = parse_tpmt_signature(q.signature);
  if (!sig) {
    v.fail(prefix + ".signature", "quote signature parses", "TPMT_SIGNATURE", "well-formed",
           sig.error().message);
    return false;
  }
  auto st = verify_tpm_signature(ak, *sig, q.attest);
  all &= v.expect(st.ok(), prefix + ".signature", "quote is signed by the AK", "TPMT_SIGNATURE",
                  "valid " + alg_name(sig->sig_alg) + "/" + alg_name(sig->hash),
                  st.ok() ? "valid" : st.error().message,
                  "the quote was altered or signed by another key");
  auto at = parse_tpms_attest(q.attest);
  if (!at) {
    v.fail(prefix + ".attest", "TPMS_ATTEST parses", "TPMS_ATTEST", "well-formed",
           at.error().message);
    return false;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", at->magic);
  all &=
      v.expect(at->magic == kGeneratedValue, prefix + ".magic",
               "TPMS_ATTEST.magic is TPM_GENERATED_VALUE", "TPMS_ATTEST.magic", "0xff544347", buf);
  std::snprintf(buf, sizeof buf, "0x%04x", at->type);
  all &= v.expect(at->type == kStAttestQuote, prefix + ".type", "TPMS_ATTEST.type is ATTEST_QUOTE",
                  "TPMS_ATTEST.type", "0x8018", buf);
  if (at->type != kStAttestQuote) return false;
  const bool nonce_ok = at->extra_data.size() == nonce.size() &&
                        CRYPTO_memcmp(at->extra_data.data(), nonce.data(), nonce.size()) == 0;
  all &=
      v.expect(nonce_ok, prefix + ".nonce", "extraData equals the nonce", "TPMS_ATTEST.extraData",
               to_hex(nonce), to_hex(at->extra_data), "a replayed quote or the wrong nonce");
  auto bank = bank_alg(q.bank);
  std::vector<std::uint32_t> given;
  for (const auto& [i, _] : q.pcrs) given.push_back(i);
  bool sel_ok = bank.ok() && at->selections.size() == 1 && at->selections[0].hash == *bank &&
                at->selections[0].pcrs == given;
  std::string sel_actual;
  for (const auto& s : at->selections) sel_actual += alg_name(s.hash) + ":" + list(s.pcrs) + " ";
  all &= v.expect(sel_ok, prefix + ".selection", "PCR selection equals the supplied PCRs",
                  "TPMS_QUOTE_INFO.pcrSelect", q.bank + ":" + list(given), sel_actual);
  if (!sel_ok) return false;
  bool sizes_ok = true;
  for (const auto& [i, val] : q.pcrs) sizes_ok &= val.size() == hash_size(*bank);
  all &= v.expect(sizes_ok, prefix + ".pcr_sizes", "every PCR value has the bank's digest size",
                  "pcrs", std::to_string(hash_size(*bank)) + " bytes each",
                  sizes_ok ? "ok" : "wrong size");
  auto h = hash_alg(sig->hash);
  if (!h) return false;
  Hasher hasher(*h);
  for (const auto& [i, val] : q.pcrs) hasher.update(val);
  const Bytes d = hasher.finish();
  all &= v.expect(d == at->pcr_digest, prefix + ".digest",
                  "pcrDigest equals the hash of the supplied PCR values",
                  "TPMS_QUOTE_INFO.pcrDigest", to_hex(at->pcr_digest), to_hex(d),
                  "a supplied PCR value differs from the quoted one");
  return all;
}

void apply_pcr_rules(const policy::PcrValues& want, const std::vector<const Quote*>& verified,
                     Verdict& v) {
  for (const auto& [bank, values] : want) {
    const Quote* q = nullptr;
    for (const Quote* c : verified) {
      if (c->bank == bank) q = c;
    }
    if (q == nullptr) {
      if (!values.empty()) {
        v.fail("policy.pcr." + bank, "a verified quote exists for the bank", "quotes", bank,
               "no verified quote of this bank");
      }
      continue;
    }
    for (const auto& [idx, val] : values) {
      auto it = q->pcrs.find(idx);
      v.expect(it != q->pcrs.end() && it->second == val,
               "policy.pcr." + bank + "." + std::to_string(idx),
               "PCR " + std::to_string(idx) + " (" + bank + ") equals the expected value",
               "PCR[" + std::to_string(idx) + "]", to_hex(val),
               it == q->pcrs.end() ? "not quoted" : to_hex(it->second));
    }
  }
}

Result<std::map<std::uint32_t, Bytes>> parse_pcr_text(std::string_view text) {
  if (text.size() > (1 << 20)) return make_error("bad_pcrs", "PCR file larger than 1 MiB");
  std::map<std::uint32_t, Bytes> out;
  std::istringstream in{std::string(text)};
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::istringstream ls(line);
    long idx = -1;
    std::string hex;
    if (!(ls >> idx >> hex) || idx < 0 || idx > 23) {
      return make_error("bad_pcrs", "line " + std::to_string(n) + ": want '<index 0..23> <hex>'");
    }
    auto b = from_hex(hex);
    if (!b) return make_error("bad_pcrs", "line " + std::to_string(n) + ": " + b.error().message);
    out[static_cast<std::uint32_t>(idx)] = std::move(*b);
  }
  return out;
}

}  // namespace cocos::verifier::vtpm
