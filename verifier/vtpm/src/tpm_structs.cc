// Bounded big-endian TPM structure parsing, and building an OpenSSL key from TPMT_PUBLIC.
#include "cocos/verifier/vtpm/tpm_structs.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <cstdio>

namespace cocos::verifier::vtpm {

namespace {

Error bad(const std::string& m) {
  return make_error("bad_tpm", m);
}

class Reader {
 public:
  Reader(std::span<const std::uint8_t> b, const char* what) : b_(b), what_(what) {}
  bool u8(std::uint8_t& v) {
    if (!need(1)) return false;
    v = b_[pos_++];
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (!need(2)) return false;
    v = static_cast<std::uint16_t>(b_[pos_] << 8 | b_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  bool u32(std::uint32_t& v) {
    std::uint16_t hi = 0, lo = 0;
    if (!u16(hi) || !u16(lo)) return false;
    v = static_cast<std::uint32_t>(hi) << 16 | lo;
    return true;
  }
  bool u64(std::uint64_t& v) {
    std::uint32_t hi = 0, lo = 0;
    if (!u32(hi) || !u32(lo)) return false;
    v = static_cast<std::uint64_t>(hi) << 32 | lo;
    return true;
  }
  bool bytes(std::size_t n, Bytes& out) {
    if (!need(n)) return false;
    out.assign(b_.begin() + static_cast<long>(pos_), b_.begin() + static_cast<long>(pos_ + n));
    pos_ += n;
    return true;
  }
  bool tpm2b(Bytes& out, std::size_t max) {
    std::uint16_t n = 0;
    if (!u16(n)) return false;
    if (n > max) {
      err_ = std::string(what_) + ": size field " + std::to_string(n) + " at offset " +
             std::to_string(pos_ - 2) + " exceeds " + std::to_string(max);
      return false;
    }
    return bytes(n, out);
  }
  Error error() const {
    return bad(err_.empty() ? std::string(what_) + ": truncated at offset " + std::to_string(pos_)
                            : err_);
  }
  Status done() const {
    if (!err_.empty()) return error();
    if (pos_ != b_.size()) {
      return bad(std::string(what_) + ": " + std::to_string(b_.size() - pos_) + " trailing bytes");
    }
    return ok_status();
  }
  void set_error(std::string e) { err_ = std::move(e); }

 private:
  bool need(std::size_t n) {
    if (!err_.empty()) return false;
    if (b_.size() - pos_ < n) {
      err_ = std::string(what_) + ": truncated at offset " + std::to_string(pos_) + " (need " +
             std::to_string(n) + " more bytes)";
      return false;
    }
    return true;
  }
  std::span<const std::uint8_t> b_;
  std::size_t pos_ = 0;
  const char* what_;
  std::string err_;
};

template <class T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const { F(p); }
};
using BldPtr = std::unique_ptr<OSSL_PARAM_BLD, Free<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Free<OSSL_PARAM, OSSL_PARAM_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Free<BIGNUM, BN_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Free<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;

Result<PublicKey> key_from_params(const char* type, OSSL_PARAM_BLD* bld, KeyType kt) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    openssl_error();
    return bad("TPMT_PUBLIC: OpenSSL rejects the public key");
  }
  return PublicKey::from_pkey(PkeyPtr(raw), kt);
}

Result<PublicKey> rsa_key(const TpmPublic& p) {
  BnPtr n(BN_bin2bn(p.modulus.data(), static_cast<int>(p.modulus.size()), nullptr));
  BnPtr e(BN_new());
  if (!n || !e || BN_set_word(e.get(), p.exponent == 0 ? 65537 : p.exponent) != 1) {
    return bad("TPMT_PUBLIC: cannot build the RSA key");
  }
  BldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return bad("TPMT_PUBLIC: cannot build the RSA key");
  }
  return key_from_params("RSA", bld.get(), KeyType::kRsa);
}

Result<PublicKey> ecc_key(const TpmPublic& p) {
  const char* group = nullptr;
  std::size_t field = 0;
  switch (p.curve) {
    case 0x0003:
      group = "P-256";
      field = 32;
      break;
    case 0x0004:
      group = "P-384";
      field = 48;
      break;
    case 0x0005:
      group = "P-521";
      field = 66;
      break;
    default:
      return bad("TPMT_PUBLIC: unsupported ECC curve 0x" + std::to_string(p.curve));
  }
  if (p.x.size() > field || p.y.size() > field) return bad("TPMT_PUBLIC: ECC point too large");
  Bytes pt(1 + 2 * field, 0);
  pt[0] = 0x04;
  std::copy(p.x.begin(), p.x.end(), pt.begin() + static_cast<long>(1 + field - p.x.size()));
  std::copy(p.y.begin(), p.y.end(), pt.begin() + static_cast<long>(1 + 2 * field - p.y.size()));
  BldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pt.data(), pt.size()) !=
          1) {
    return bad("TPMT_PUBLIC: cannot build the ECC key");
  }
  return key_from_params("EC", bld.get(), KeyType::kEcdsa);
}

}  // namespace

std::string alg_name(std::uint16_t alg) {
  switch (alg) {
    case kAlgRsa:
      return "rsa";
    case kAlgSha1:
      return "sha1";
    case kAlgSha256:
      return "sha256";
    case kAlgSha384:
      return "sha384";
    case kAlgSha512:
      return "sha512";
    case kAlgNull:
      return "null";
    case kAlgRsassa:
      return "rsassa";
    case kAlgRsapss:
      return "rsapss";
    case kAlgEcdsa:
      return "ecdsa";
    case kAlgEcc:
      return "ecc";
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%04x", alg);
  return buf;
}

std::size_t hash_size(std::uint16_t alg) {
  switch (alg) {
    case kAlgSha1:
      return 20;
    case kAlgSha256:
      return 32;
    case kAlgSha384:
      return 48;
    case kAlgSha512:
      return 64;
  }
  return 0;
}

Result<std::uint16_t> bank_alg(std::string_view name) {
  if (name == "sha1") return kAlgSha1;
  if (name == "sha256") return kAlgSha256;
  if (name == "sha384") return kAlgSha384;
  if (name == "sha512") return kAlgSha512;
  return bad("unknown PCR bank '" + std::string(name) + "'");
}

PublicKey TpmPublic::key() const {
  return *key_;
}

Result<TpmPublic> parse_tpmt_public(std::span<const std::uint8_t> b) {
  Reader rd(b, "TPMT_PUBLIC");
  TpmPublic p;
  std::uint16_t sym = 0;
  if (!rd.u16(p.type) || !rd.u16(p.name_alg) || !rd.u32(p.attributes) ||
      !rd.tpm2b(p.auth_policy, 64) || !rd.u16(sym)) {
    return rd.error();
  }
  if (p.type != kAlgRsa && p.type != kAlgEcc) {
    return bad("TPMT_PUBLIC: type " + alg_name(p.type) + " is not RSA or ECC");
  }
  if (sym != kAlgNull) {
    std::uint16_t bits = 0, mode = 0;
    if (!rd.u16(bits) || !rd.u16(mode)) return rd.error();
  }
  if (!rd.u16(p.scheme)) return rd.error();
  if (p.scheme != kAlgNull && !rd.u16(p.scheme_hash)) return rd.error();
  if (p.type == kAlgRsa) {
    if (!rd.u16(p.key_bits) || !rd.u32(p.exponent) || !rd.tpm2b(p.modulus, 512)) return rd.error();
    if (p.modulus.size() < 128 || p.modulus.size() * 8 != p.key_bits) {
      return bad("TPMT_PUBLIC: RSA modulus of " + std::to_string(p.modulus.size()) +
                 " bytes does not match keyBits " + std::to_string(p.key_bits));
    }
  } else {
    std::uint16_t kdf = 0;
    if (!rd.u16(p.curve) || !rd.u16(kdf)) return rd.error();
    if (kdf != kAlgNull) {
      std::uint16_t kh = 0;
      if (!rd.u16(kh)) return rd.error();
    }
    if (!rd.tpm2b(p.x, 66) || !rd.tpm2b(p.y, 66)) return rd.error();
  }
  if (auto s = rd.done(); !s) return s.take_error();
  auto key = p.type == kAlgRsa ? rsa_key(p) : ecc_key(p);
  if (!key) return key.take_error();
  p.key_ = std::make_shared<PublicKey>(std::move(*key));
  return p;
}

Result<TpmAttest> parse_tpms_attest(std::span<const std::uint8_t> b) {
  Reader rd(b, "TPMS_ATTEST");
  TpmAttest a;
  if (!rd.u32(a.magic) || !rd.u16(a.type) || !rd.tpm2b(a.qualified_signer, 130) ||
      !rd.tpm2b(a.extra_data, 64) || !rd.u64(a.clock) || !rd.u32(a.reset_count) ||
      !rd.u32(a.restart_count) || !rd.u8(a.safe) || !rd.u64(a.firmware_version)) {
    return rd.error();
  }
  if (a.type != kStAttestQuote) {
    // Only quotes are interpreted further; report the type so the check can name it.
    return a;
  }
  std::uint32_t count = 0;
  if (!rd.u32(count)) return rd.error();
  if (count > 16) return bad("TPMS_ATTEST: " + std::to_string(count) + " PCR selections (max 16)");
  for (std::uint32_t i = 0; i < count; ++i) {
    PcrSelection s;
    std::uint8_t size = 0;
    if (!rd.u16(s.hash) || !rd.u8(size)) return rd.error();
    if (size > 4) return bad("TPMS_ATTEST: sizeofSelect " + std::to_string(size) + " (max 4)");
    Bytes bitmap;
    if (!rd.bytes(size, bitmap)) return rd.error();
    for (std::uint32_t pcr = 0; pcr < size * 8u; ++pcr) {
      if (bitmap[pcr / 8] & (1u << (pcr % 8))) s.pcrs.push_back(pcr);
    }
    a.selections.push_back(std::move(s));
  }
  if (!rd.tpm2b(a.pcr_digest, 64)) return rd.error();
  if (auto s = rd.done(); !s) return s.take_error();
  return a;
}

Result<TpmSignature> parse_tpmt_signature(std::span<const std::uint8_t> b) {
  Reader rd(b, "TPMT_SIGNATURE");
  TpmSignature s;
  if (!rd.u16(s.sig_alg)) return rd.error();
  if (s.sig_alg == kAlgRsassa || s.sig_alg == kAlgRsapss) {
    if (!rd.u16(s.hash) || !rd.tpm2b(s.sig, 512)) return rd.error();
  } else if (s.sig_alg == kAlgEcdsa) {
    if (!rd.u16(s.hash) || !rd.tpm2b(s.r, 66) || !rd.tpm2b(s.s, 66)) return rd.error();
  } else {
    return bad("TPMT_SIGNATURE: unsupported sigAlg " + alg_name(s.sig_alg));
  }
  if (auto st = rd.done(); !st) return st.take_error();
  return s;
}

}  // namespace cocos::verifier::vtpm
