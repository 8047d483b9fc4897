// PCR bank helpers (see pcr_banks.h).
#include "pcr_banks.h"

#include "cocos/attestation/tss_error.h"
#include "esys.h"

namespace cocos::attestation {

std::optional<std::string> bank_name(TPMI_ALG_HASH alg) {
  switch (alg) {
    case TPM2_ALG_SHA1:
      return "sha1";
    case TPM2_ALG_SHA256:
      return "sha256";
    case TPM2_ALG_SHA384:
      return "sha384";
    case TPM2_ALG_SHA512:
      return "sha512";
    default:
      return std::nullopt;
  }
}

std::optional<TPMI_ALG_HASH> bank_alg(std::string_view name) {
  if (name == "sha1") return TPM2_ALG_SHA1;
  if (name == "sha256") return TPM2_ALG_SHA256;
  if (name == "sha384") return TPM2_ALG_SHA384;
  if (name == "sha512") return TPM2_ALG_SHA512;
  return std::nullopt;
}

std::size_t bank_digest_size(TPMI_ALG_HASH alg) {
  switch (alg) {
    case TPM2_ALG_SHA1:
      return 20;
    case TPM2_ALG_SHA256:
      return 32;
    case TPM2_ALG_SHA384:
      return 48;
    case TPM2_ALG_SHA512:
      return 64;
    default:
      return 0;
  }
}

Result<TPML_PCR_SELECTION> allocated_pcrs(ESYS_CONTEXT* esys) {
  TPMS_CAPABILITY_DATA* cap_raw = nullptr;
  TPMI_YES_NO more = TPM2_NO;
  TSS2_RC rc = Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_PCRS, 0,
                                  1, &more, &cap_raw);
  if (rc != TSS2_RC_SUCCESS) return tss_error("Esys_GetCapability(TPM2_CAP_PCRS)", rc);
  EsysPtr<TPMS_CAPABILITY_DATA> cap(cap_raw);
  TPML_PCR_SELECTION out{};
  const TPML_PCR_SELECTION& all = cap->data.assignedPCR;
  for (UINT32 i = 0; i < all.count && i < TPM2_NUM_PCR_BANKS; ++i) {
    const TPMS_PCR_SELECTION& s = all.pcrSelections[i];
    bool any = false;
    for (UINT8 b = 0; b < s.sizeofSelect && b < TPM2_PCR_SELECT_MAX; ++b) any |= s.pcrSelect[b];
    if (any) out.pcrSelections[out.count++] = s;
  }
  return out;
}

Result<std::map<std::uint32_t, Bytes>> read_pcrs(ESYS_CONTEXT* esys,
                                                 const TPMS_PCR_SELECTION& bank) {
  std::map<std::uint32_t, Bytes> values;
  TPML_PCR_SELECTION remaining{};
  remaining.count = 1;
  remaining.pcrSelections[0] = bank;
  auto any_left = [&] {
    for (UINT8 b = 0; b < remaining.pcrSelections[0].sizeofSelect; ++b) {
      if (remaining.pcrSelections[0].pcrSelect[b]) return true;
    }
    return false;
  };
  while (any_left()) {
    UINT32 update_counter = 0;
    TPML_PCR_SELECTION* read_raw = nullptr;
    TPML_DIGEST* digests_raw = nullptr;
    TSS2_RC rc = Esys_PCR_Read(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &remaining,
                               &update_counter, &read_raw, &digests_raw);
    if (rc != TSS2_RC_SUCCESS) return tss_error("Esys_PCR_Read", rc);
    EsysPtr<TPML_PCR_SELECTION> read(read_raw);
    EsysPtr<TPML_DIGEST> digests(digests_raw);
    if (read->count != 1 || digests->count == 0) {
      return make_error("internal", "Esys_PCR_Read returned no PCR values for a selected bank");
    }
    // The digests come in ascending PCR order over the returned selection.
    UINT32 next = 0;
    std::size_t before = values.size();
    const TPMS_PCR_SELECTION& got = read->pcrSelections[0];
    for (UINT32 pcr = 0; pcr < 8u * got.sizeofSelect; ++pcr) {
      if (!(got.pcrSelect[pcr / 8] & (1u << (pcr % 8)))) continue;
      if (next >= digests->count) return make_error("internal", "Esys_PCR_Read: short digest list");
      const TPM2B_DIGEST& d = digests->digests[next++];
      values[pcr] = Bytes(d.buffer, d.buffer + d.size);
      remaining.pcrSelections[0].pcrSelect[pcr / 8] &= static_cast<BYTE>(~(1u << (pcr % 8)));
    }
    if (values.size() == before) {  // no progress: never loop forever on a confused TPM
      return make_error("internal", "Esys_PCR_Read made no progress on the selection");
    }
  }
  return values;
}

}  // namespace cocos::attestation
