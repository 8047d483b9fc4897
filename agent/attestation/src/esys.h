// Internal RAII layer over tpm2-tss ESAPI (the only place besides the providers that includes
// tss2_esys.h). EsysContext owns the TCTI and the ESYS_CONTEXT and finalizes ESYS first, then
// the TCTI. TpmObject owns one ESYS_TR: a transient object is flushed from the TPM when dropped
// (swtpm has no resource manager, so a leak exhausts object memory after 3 objects); a
// persistent or borrowed reference is only closed in ESYS. EsysPtr<T> frees ESYS allocations.
#pragma once

#include <tss2/tss2_esys.h>

#include <memory>
#include <string>
#include <utility>

#include "cocos/common/result.h"

namespace cocos::attestation {

struct EsysFree {
  void operator()(void* p) const { Esys_Free(p); }
};
template <class T>
using EsysPtr = std::unique_ptr<T, EsysFree>;

class EsysContext {
 public:
  // Loads the TCTI named by `tcti` (e.g. "device:/dev/tpmrm0", "swtpm:path=/tmp/x/tpm.sock"),
  // initializes ESYS and sends TPM2_Startup(CLEAR) (TPM_RC_INITIALIZE, "already started", is
  // fine). Errors carry code "attestation_unavailable" and name the failing call.
  static Result<EsysContext> open(const std::string& tcti);

  EsysContext(EsysContext&& o) noexcept
      : tcti_(std::exchange(o.tcti_, nullptr)), esys_(std::exchange(o.esys_, nullptr)) {}
  EsysContext& operator=(EsysContext&& o) noexcept;
  EsysContext(const EsysContext&) = delete;
  EsysContext& operator=(const EsysContext&) = delete;
  ~EsysContext() { reset(); }

  ESYS_CONTEXT* get() const { return esys_; }
  void reset() noexcept;

 private:
  EsysContext(TSS2_TCTI_CONTEXT* t, ESYS_CONTEXT* e) : tcti_(t), esys_(e) {}
  TSS2_TCTI_CONTEXT* tcti_ = nullptr;
  ESYS_CONTEXT* esys_ = nullptr;
};

class TpmObject {
 public:
  enum class Kind { kTransient, kPersistent };
  TpmObject() = default;
  TpmObject(ESYS_CONTEXT* esys, ESYS_TR tr, Kind kind) : esys_(esys), tr_(tr), kind_(kind) {}
  TpmObject(TpmObject&& o) noexcept
      : esys_(o.esys_), tr_(std::exchange(o.tr_, ESYS_TR_NONE)), kind_(o.kind_) {}
  TpmObject& operator=(TpmObject&& o) noexcept;
  TpmObject(const TpmObject&) = delete;
  TpmObject& operator=(const TpmObject&) = delete;
  ~TpmObject() { reset(); }

  ESYS_TR get() const { return tr_; }
  Kind kind() const { return kind_; }
  // Flushes (transient) or closes (persistent) the handle; safe to call twice.
  void reset() noexcept;
  // Gives up ownership without touching the TPM (after EvictControl consumed it, say).
  ESYS_TR release() noexcept { return std::exchange(tr_, ESYS_TR_NONE); }

 private:
  ESYS_CONTEXT* esys_ = nullptr;
  ESYS_TR tr_ = ESYS_TR_NONE;
  Kind kind_ = Kind::kTransient;
};

}  // namespace cocos::attestation
