// EsysContext / TpmObject (see esys.h).
#include "esys.h"

#include <tss2/tss2_tctildr.h>

#include "cocos/attestation/tss_error.h"

namespace cocos::attestation {

Result<EsysContext> EsysContext::open(const std::string& tcti) {
  TSS2_TCTI_CONTEXT* t = nullptr;
  TSS2_RC rc = Tss2_TctiLdr_Initialize(tcti.c_str(), &t);
  if (rc != TSS2_RC_SUCCESS) {
    return tss_error("Tss2_TctiLdr_Initialize(\"" + tcti + "\")", rc, "attestation_unavailable");
  }
  ESYS_CONTEXT* e = nullptr;
  rc = Esys_Initialize(&e, t, nullptr);
  if (rc != TSS2_RC_SUCCESS) {
    Tss2_TctiLdr_Finalize(&t);
    return tss_error("Esys_Initialize(\"" + tcti + "\")", rc, "attestation_unavailable");
  }
  EsysContext ctx(t, e);
  rc = Esys_Startup(e, TPM2_SU_CLEAR);
  if (rc != TSS2_RC_SUCCESS && rc != TPM2_RC_INITIALIZE) {
    return tss_error("Esys_Startup(\"" + tcti + "\")", rc, "attestation_unavailable");
  }
  return ctx;
}

EsysContext& EsysContext::operator=(EsysContext&& o) noexcept {
  if (this != &o) {
    reset();
    tcti_ = std::exchange(o.tcti_, nullptr);
    esys_ = std::exchange(o.esys_, nullptr);
  }
  return *this;
}

void EsysContext::reset() noexcept {
  if (esys_) Esys_Finalize(&esys_);
  if (tcti_) Tss2_TctiLdr_Finalize(&tcti_);
  esys_ = nullptr;
  tcti_ = nullptr;
}

TpmObject& TpmObject::operator=(TpmObject&& o) noexcept {
  if (this != &o) {
    reset();
    esys_ = o.esys_;
    kind_ = o.kind_;
    tr_ = std::exchange(o.tr_, ESYS_TR_NONE);
  }
  return *this;
}

void TpmObject::reset() noexcept {
  if (tr_ == ESYS_TR_NONE || esys_ == nullptr) return;
  // A failed flush cannot be reported from a destructor; the TPM loses the object at the next
  // reset anyway. Esys_TR_Close only drops ESYS's metadata for a persistent handle.
  if (kind_ == Kind::kTransient) {
    (void)Esys_FlushContext(esys_, tr_);
  } else {
    (void)Esys_TR_Close(esys_, &tr_);
  }
  tr_ = ESYS_TR_NONE;
}

}  // namespace cocos::attestation
