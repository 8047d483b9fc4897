// Load-or-create of the attestation key (see attestation_key.h).
#include "attestation_key.h"

#include <spdlog/spdlog.h>
#include <tss2/tss2_mu.h>

#include "cocos/attestation/tss_error.h"

namespace cocos::attestation {
namespace {

// The template without the key material: two AKs are "the same template" when these match.
Result<Bytes> template_part(TPMT_PUBLIC pub) {
  pub.unique.rsa.size = 0;
  return marshal_public(pub);
}

}  // namespace

TPM2B_PUBLIC ak_template_rsa() {
  TPM2B_PUBLIC t{};
  TPMT_PUBLIC& p = t.publicArea;
  p.type = TPM2_ALG_RSA;
  p.nameAlg = TPM2_ALG_SHA256;
  p.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                       TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                       TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;  // 0x00050072
  p.authPolicy.size = 0;
  p.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
  p.parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
  p.parameters.rsaDetail.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
  p.parameters.rsaDetail.keyBits = 2048;
  p.parameters.rsaDetail.exponent = 0;
  p.unique.rsa.size = 0;
  return t;
}

Result<Bytes> marshal_public(const TPMT_PUBLIC& pub) {
  Bytes out(sizeof(TPMT_PUBLIC));
  size_t off = 0;
  TSS2_RC rc = Tss2_MU_TPMT_PUBLIC_Marshal(&pub, out.data(), out.size(), &off);
  if (rc != TSS2_RC_SUCCESS) return tss_error("Tss2_MU_TPMT_PUBLIC_Marshal", rc);
  out.resize(off);
  return out;
}

Result<AttestationKey> load_or_create_ak(ESYS_CONTEXT* esys, TPM2_HANDLE persistent_handle) {
  const TPM2B_PUBLIC tmpl = ak_template_rsa();
  auto want = template_part(tmpl.publicArea);
  if (!want) return want.take_error();

  // 1. An AK already persisted (by us, or by a Go agent on the same vTPM)?
  ESYS_TR existing = ESYS_TR_NONE;
  if (Esys_TR_FromTPMPublic(esys, persistent_handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                            &existing) == TSS2_RC_SUCCESS) {
    TpmObject obj(esys, existing, TpmObject::Kind::kPersistent);
    TPM2B_PUBLIC* pub_raw = nullptr;
    TSS2_RC rc = Esys_ReadPublic(esys, obj.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                 &pub_raw, nullptr, nullptr);
    if (rc != TSS2_RC_SUCCESS) return tss_error("Esys_ReadPublic(AK)", rc);
    EsysPtr<TPM2B_PUBLIC> pub(pub_raw);
    auto have = template_part(pub->publicArea);
    if (!have) return have.take_error();
    if (*have == *want) {
      auto bytes = marshal_public(pub->publicArea);
      if (!bytes) return bytes.take_error();
      return AttestationKey{std::move(obj), std::move(*bytes)};
    }
    // Someone else's object sits at our handle: evict it so the AK can take its place.
    spdlog::warn("attestation: object at 0x{:08x} is not the RSA AK; evicting it",
                 persistent_handle);
    ESYS_TR none = ESYS_TR_NONE;
    rc = Esys_EvictControl(esys, ESYS_TR_RH_OWNER, obj.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE,
                           ESYS_TR_NONE, persistent_handle, &none);
    if (rc != TSS2_RC_SUCCESS) return tss_error("Esys_EvictControl(remove)", rc);
    obj.release();  // ESYS dropped the evicted object's metadata itself
  }

  // 2. Create it from the template.
  TPM2B_SENSITIVE_CREATE sensitive{};
  TPM2B_DATA outside{};
  TPML_PCR_SELECTION creation_pcrs{};
  ESYS_TR transient_tr = ESYS_TR_NONE;
  TPM2B_PUBLIC* out_pub_raw = nullptr;
  TSS2_RC rc = Esys_CreatePrimary(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                  ESYS_TR_NONE, &sensitive, &tmpl, &outside, &creation_pcrs,
                                  &transient_tr, &out_pub_raw, nullptr, nullptr, nullptr);
  if (rc != TSS2_RC_SUCCESS) return tss_error("Esys_CreatePrimary(AK, owner hierarchy)", rc);
  TpmObject transient(esys, transient_tr, TpmObject::Kind::kTransient);
  EsysPtr<TPM2B_PUBLIC> out_pub(out_pub_raw);
  auto bytes = marshal_public(out_pub->publicArea);
  if (!bytes) return bytes.take_error();

  // 3. Persist it, so the next boot (and the Go tooling) finds the same AK.
  ESYS_TR persistent_tr = ESYS_TR_NONE;
  rc = Esys_EvictControl(esys, ESYS_TR_RH_OWNER, transient.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE,
                         ESYS_TR_NONE, persistent_handle, &persistent_tr);
  if (rc != TSS2_RC_SUCCESS) {
    spdlog::warn("attestation: cannot persist the AK at 0x{:08x} ({}); using a transient AK",
                 persistent_handle, tss_error("Esys_EvictControl", rc).message);
    return AttestationKey{std::move(transient), std::move(*bytes)};
  }
  return AttestationKey{TpmObject(esys, persistent_tr, TpmObject::Kind::kPersistent),
                        std::move(*bytes)};  // `transient` is flushed here
}

}  // namespace cocos::attestation
