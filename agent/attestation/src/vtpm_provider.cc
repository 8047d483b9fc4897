// vTPM provider: AK, quotes per bank, PCR extension (see vtpm_provider.h).
#include "cocos/attestation/vtpm_provider.h"

#include <spdlog/spdlog.h>
#include <tss2/tss2_mu.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "attestation_key.h"
#include "cocos/attestation/tss_error.h"
#include "cocos/common/hash.h"
#include "esys.h"
#include "pcr_banks.h"

namespace cocos::attestation {
namespace {

// A PCR can change between our read and the quote (someone extends it); retry a few times.
constexpr int kQuoteAttempts = 3;

Result<Bytes> marshal_signature(const TPMT_SIGNATURE& sig) {
  Bytes out(sizeof(TPMT_SIGNATURE));
  size_t off = 0;
  TSS2_RC rc = Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, out.data(), out.size(), &off);
  if (rc != TSS2_RC_SUCCESS) return tss_error("Tss2_MU_TPMT_SIGNATURE_Marshal", rc);
  out.resize(off);
  return out;
}

// pcrDigest of a quote = H_sign(PCR values in ascending index order); the AK signs with SHA-256.
Bytes pcr_digest(const std::map<std::uint32_t, Bytes>& values) {
  Hasher h(HashAlg::kSha256);
  for (const auto& [index, value] : values) h.update(value);
  return h.finish();
}

}  // namespace

struct VtpmProvider::Impl {
  std::string tcti;
  std::optional<EsysContext> ctx;
  std::optional<AttestationKey> ak;  // must be dropped before ctx

  Status ensure_open() {
    if (ctx) return ok_status();
    auto c = EsysContext::open(tcti);
    if (!c) return c.take_error();
    ctx.emplace(std::move(*c));
    return ok_status();
  }
  Status ensure_ak() {
    if (auto s = ensure_open(); !s) return s;
    if (ak) return ok_status();
    auto k = load_or_create_ak(ctx->get(), kAkPersistentHandle);
    if (!k) return k.take_error();
    ak.emplace(std::move(*k));
    return ok_status();
  }
  // After a transport failure the ESYS state is unusable; reconnect on the next call.
  template <class T>
  Result<T> checked(Result<T> r) {
    if (!r.ok() && r.error().message.find("tcti:") != std::string::npos) disconnect();
    return r;
  }
  void disconnect() {
    ak.reset();
    ctx.reset();
  }

  Result<Quote> quote_bank(const TPMS_PCR_SELECTION& bank, const TPM2B_DATA& qualifying,
                           const std::string& name);
};

Result<Quote> VtpmProvider::Impl::quote_bank(const TPMS_PCR_SELECTION& bank,
                                             const TPM2B_DATA& qualifying,
                                             const std::string& name) {
  ESYS_CONTEXT* esys = ctx->get();
  TPML_PCR_SELECTION sel{};
  sel.count = 1;
  sel.pcrSelections[0] = bank;
  TPMT_SIG_SCHEME scheme{};
  scheme.scheme = TPM2_ALG_NULL;  // use the AK's own scheme (RSASSA-SHA256)
  for (int attempt = 1; attempt <= kQuoteAttempts; ++attempt) {
    auto values = read_pcrs(esys, bank);
    if (!values) return values.take_error();
    TPM2B_ATTEST* quoted_raw = nullptr;
    TPMT_SIGNATURE* sig_raw = nullptr;
    TSS2_RC rc = Esys_Quote(esys, ak->handle.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                            &qualifying, &scheme, &sel, &quoted_raw, &sig_raw);
    if (rc != TSS2_RC_SUCCESS) return tss_error("Esys_Quote(" + name + ")", rc);
    EsysPtr<TPM2B_ATTEST> quoted(quoted_raw);
    EsysPtr<TPMT_SIGNATURE> sig(sig_raw);

    TPMS_ATTEST attest{};
    rc = Tss2_MU_TPMS_ATTEST_Unmarshal(quoted->attestationData, quoted->size, nullptr, &attest);
    if (rc != TSS2_RC_SUCCESS) return tss_error("Tss2_MU_TPMS_ATTEST_Unmarshal", rc);
    const TPM2B_DIGEST& d = attest.attested.quote.pcrDigest;
    Bytes expected = pcr_digest(*values);
    if (Bytes(d.buffer, d.buffer + d.size) != expected) {
      spdlog::debug("attestation: {} PCRs changed during the quote (attempt {})", name, attempt);
      continue;
    }
    auto sig_bytes = marshal_signature(*sig);
    if (!sig_bytes) return sig_bytes.take_error();
    Quote q;
    q.hash_alg = name;
    q.attest.assign(quoted->attestationData, quoted->attestationData + quoted->size);
    q.signature = std::move(*sig_bytes);
    q.pcrs = std::move(*values);
    return q;
  }
  return make_error("busy", "the " + name + " PCRs kept changing during " +
                                std::to_string(kQuoteAttempts) + " quote attempts");
}

VtpmProvider::VtpmProvider(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VtpmProvider::~VtpmProvider() = default;

Result<std::unique_ptr<VtpmProvider>> VtpmProvider::open(std::string tcti) {
  auto impl = std::make_unique<Impl>();
  impl->tcti = std::move(tcti);
  if (auto s = impl->ensure_open(); !s) return s.take_error();
  // "Opens and answers": a TPM that cannot even list its PCR banks is no TPM for us.
  auto banks = allocated_pcrs(impl->ctx->get());
  if (!banks) {
    Error e = banks.take_error();
    e.code = "attestation_unavailable";
    return e;
  }
  return std::unique_ptr<VtpmProvider>(new VtpmProvider(std::move(impl)));
}

const std::string& VtpmProvider::tcti() const {
  return impl_->tcti;
}

Result<Bytes> VtpmProvider::ak_public() {
  if (auto s = impl_->ensure_ak(); !s) return impl_->checked(Result<Bytes>(s.take_error()));
  return impl_->ak->public_area;
}

Result<std::vector<std::string>> VtpmProvider::allocated_banks() {
  if (auto s = impl_->ensure_open(); !s) return s.take_error();
  auto sel = impl_->checked(allocated_pcrs(impl_->ctx->get()));
  if (!sel) return sel.take_error();
  std::vector<std::string> names;
  for (UINT32 i = 0; i < sel->count; ++i) {
    if (auto n = bank_name(sel->pcrSelections[i].hash)) names.push_back(*n);
  }
  return names;
}

Result<std::vector<Quote>> VtpmProvider::quote(std::span<const std::uint8_t> qualifying_data) {
  TPM2B_DATA qualifying{};
  if (qualifying_data.size() > sizeof(qualifying.buffer)) {
    return make_error("bad_nonce", "quote qualifying data is " +
                                       std::to_string(qualifying_data.size()) +
                                       " bytes; the TPM takes at most 64");
  }
  qualifying.size = static_cast<UINT16>(qualifying_data.size());
  std::copy(qualifying_data.begin(), qualifying_data.end(), qualifying.buffer);

  if (auto s = impl_->ensure_ak(); !s) {
    return impl_->checked(Result<std::vector<Quote>>(s.take_error()));
  }
  auto sel = impl_->checked(allocated_pcrs(impl_->ctx->get()));
  if (!sel) return sel.take_error();
  std::vector<Quote> quotes;
  for (UINT32 i = 0; i < sel->count; ++i) {
    auto name = bank_name(sel->pcrSelections[i].hash);
    if (!name) {
      spdlog::debug("attestation: skipping PCR bank with algorithm 0x{:04x}",
                    sel->pcrSelections[i].hash);
      continue;
    }
    auto q = impl_->checked(impl_->quote_bank(sel->pcrSelections[i], qualifying, *name));
    if (!q) return q.take_error();
    quotes.push_back(std::move(*q));
  }
  if (quotes.empty()) return make_error("attestation_unavailable", "the TPM has no PCR bank");
  return quotes;
}

Status VtpmProvider::extend_pcr(std::uint32_t index, const std::vector<PcrDigest>& digests) {
  if (index > 23) {
    return make_error("bad_message", "PCR index " + std::to_string(index) + " out of range 0..23");
  }
  TPML_DIGEST_VALUES values{};
  for (const PcrDigest& d : digests) {
    auto alg = bank_alg(d.bank);
    if (!alg || values.count >= TPM2_NUM_PCR_BANKS) {
      return make_error("bad_message", "unknown or repeated PCR bank '" + d.bank + "'");
    }
    if (d.digest.size() != bank_digest_size(*alg)) {
      return make_error("bad_message", d.bank + " digest must be " +
                                           std::to_string(bank_digest_size(*alg)) + " bytes");
    }
    TPMT_HA& ha = values.digests[values.count++];
    ha.hashAlg = *alg;
    std::memcpy(reinterpret_cast<std::uint8_t*>(&ha.digest), d.digest.data(), d.digest.size());
  }
  if (auto s = impl_->ensure_open(); !s) return s;
  TSS2_RC rc = Esys_PCR_Extend(impl_->ctx->get(), ESYS_TR_PCR0 + index, ESYS_TR_PASSWORD,
                               ESYS_TR_NONE, ESYS_TR_NONE, &values);
  if (rc != TSS2_RC_SUCCESS) {
    Error e = tss_error("Esys_PCR_Extend(PCR" + std::to_string(index) + ")", rc);
    if (is_tcti_error(rc)) impl_->disconnect();
    return e;
  }
  return ok_status();
}

Status VtpmProvider::extend_manifest_measurement(std::span<const std::uint8_t> manifest) {
  auto banks = allocated_banks();
  if (!banks) return banks.take_error();
  std::vector<PcrDigest> digests;
  auto has = [&](const char* b) {
    return std::find(banks->begin(), banks->end(), b) != banks->end();
  };
  if (has("sha256")) digests.push_back({"sha256", digest(HashAlg::kSha3_256, manifest)});
  if (has("sha384")) digests.push_back({"sha384", digest(HashAlg::kSha3_384, manifest)});
  if (digests.empty()) {
    return make_error("attestation_unavailable",
                      "neither the SHA-256 nor the SHA-384 PCR bank is allocated");
  }
  return extend_pcr(kManifestPcr, digests);
}

}  // namespace cocos::attestation
