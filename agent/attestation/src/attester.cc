// Attester: platform detection, request validation, binding, evidence assembly (attester.h).
#include "cocos/attestation/attester.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "cocos/attestation/binding.h"
#include "cocos/common/unique_fd.h"

namespace cocos::attestation {
namespace {

Result<std::unique_ptr<SnpProvider>> detect_snp(const AttesterConfig& c, std::string& why) {
  switch (c.snp) {
    case SnpMode::kDisabled:
      why = "SNP attestation is disabled by configuration";
      return std::unique_ptr<SnpProvider>();
    case SnpMode::kSimulated: {
      if (!c.simulated) {
        return make_error("bad_message", "SNP mode 'simulated' needs a simulated SNP config");
      }
      auto p = SimulatedSnpProvider::create(*c.simulated);
      if (!p) return p.take_error();
      return std::unique_ptr<SnpProvider>(std::move(*p));
    }
    case SnpMode::kConfigfsTsm:
      if (!ConfigfsTsmProvider::available(c.tsm.root)) {
        return make_error("attestation_unavailable",
                          "configfs-tsm root " + c.tsm.root + " does not exist");
      }
      return std::unique_ptr<SnpProvider>(std::make_unique<ConfigfsTsmProvider>(c.tsm));
    case SnpMode::kSevGuest:
      if (!SevGuestProvider::available(c.sev_guest.device)) {
        return make_error("attestation_unavailable",
                          c.sev_guest.device + " is not a character device");
      }
      return std::unique_ptr<SnpProvider>(std::make_unique<SevGuestProvider>(c.sev_guest));
    case SnpMode::kAuto:
      if (ConfigfsTsmProvider::available(c.tsm.root)) {
        return std::unique_ptr<SnpProvider>(std::make_unique<ConfigfsTsmProvider>(c.tsm));
      }
      if (SevGuestProvider::available(c.sev_guest.device)) {
        return std::unique_ptr<SnpProvider>(std::make_unique<SevGuestProvider>(c.sev_guest));
      }
      why = "no SEV-SNP guest interface (" + c.tsm.root + " and " + c.sev_guest.device +
            " are absent)";
      return std::unique_ptr<SnpProvider>();
  }
  return std::unique_ptr<SnpProvider>();
}

// The firmware event log, read to its end: securityfs reports a size of 0, so the size cannot
// come from stat. nullopt when the machine has none (no such file) or when it cannot be sent;
// the latter is logged, and the evidence goes without (a verifier that requires a log says so).
std::optional<Bytes> read_event_log(const std::string& path) {
  if (path.empty()) return std::nullopt;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno != ENOENT) {
      spdlog::warn("attestation: event log {} not sent: {}", path, std::strerror(errno));
    }
    return std::nullopt;
  }
  Bytes out;
  std::array<std::uint8_t, 64 * 1024> buf;
  while (true) {
    const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      spdlog::warn("attestation: event log {} not sent: read: {}", path, std::strerror(errno));
      return std::nullopt;
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > kMaxEventLogBytes) {
      spdlog::warn("attestation: event log {} not sent: larger than {} bytes", path,
                   kMaxEventLogBytes);
      return std::nullopt;
    }
    out.insert(out.end(), buf.data(), buf.data() + n);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace

Attester::~Attester() = default;

Result<std::unique_ptr<Attester>> Attester::create(AttesterConfig config) {
  std::unique_ptr<Attester> a(new Attester());
  a->config_ = std::move(config);
  auto snp = detect_snp(a->config_, a->snp_unavailable_);
  if (!snp) return snp.take_error();
  a->snp_ = std::move(*snp);
  if (a->snp_ && a->snp_->simulated()) {
    a->trust_root_ = static_cast<SimulatedSnpProvider*>(a->snp_.get())->ark_pem_path();
  }
  if (a->config_.vtpm) {
    auto v = VtpmProvider::open(a->config_.tcti);
    if (v) {
      a->vtpm_ = std::move(*v);
    } else {
      a->vtpm_unavailable_ = v.error().message;
    }
  } else {
    a->vtpm_unavailable_ = "vTPM attestation is disabled by configuration";
  }
  spdlog::info("attestation: SNP {}, vTPM {}; capabilities [{}]",
               a->snp_ ? a->snp_->name() : "unavailable (" + a->snp_unavailable_ + ")",
               a->vtpm_ ? a->config_.tcti : "unavailable (" + a->vtpm_unavailable_ + ")", [&] {
                 std::string s;
                 for (const auto& c : a->capabilities()) s += (s.empty() ? "" : ", ") + c;
                 return s;
               }());
  return a;
}

Status Attester::need_vtpm() {
  if (vtpm_) return ok_status();
  if (!config_.vtpm) return make_error("attestation_unavailable", vtpm_unavailable_);
  auto v = VtpmProvider::open(config_.tcti);  // the TPM may have appeared since start-up
  if (!v) {
    vtpm_unavailable_ = v.error().message;
    return make_error("attestation_unavailable", "no vTPM: " + vtpm_unavailable_);
  }
  vtpm_ = std::move(*v);
  return ok_status();
}

Result<Evidence> Attester::attest(const AttestationRequest& request) {
  auto tee = pad_nonce(request.tee_nonce, kTeeNonceSize, "tee_nonce");
  if (!tee) return tee.take_error();
  auto vtpm_nonce = pad_nonce(request.vtpm_nonce, kVtpmNonceSize, "vtpm_nonce");
  if (!vtpm_nonce) return vtpm_nonce.take_error();
  if (request.bind_bus_key && request.bus_key.size() != kBusKeySize) {
    return make_error("bad_message", "bind_bus_key needs the 32-byte bus key; have " +
                                         std::to_string(request.bus_key.size()) + " bytes");
  }
  const bool want_snp = request.type != Platform::kVtpm;
  const bool want_vtpm = request.type != Platform::kSnp;

  std::lock_guard lock(mu_);
  if (want_snp && !snp_) {
    return make_error(
        "attestation_unavailable",
        std::string(platform_name(request.type)) + " evidence needs SEV-SNP: " + snp_unavailable_);
  }
  if (want_vtpm) {
    if (auto s = need_vtpm(); !s) return s.take_error();
  }

  Evidence ev;
  ev.platform = std::string(platform_name(request.type));
  ev.tee_nonce = std::move(*tee);
  ev.vtpm_nonce = std::move(*vtpm_nonce);
  if (request.bind_bus_key) ev.bus_key = request.bus_key;
  const Bytes no_bus;
  const Bytes& bus = request.bind_bus_key ? request.bus_key : no_bus;

  // As cocos: the vTPM part first, because the SNP REPORT_DATA binds the AK.
  Bytes ak;
  if (want_vtpm) {
    auto a = vtpm_->ak_public();
    if (!a) return a.take_error();
    ak = std::move(*a);
  }
  Binding binding = compute_binding(request.type, ev.tee_nonce, ev.vtpm_nonce, ak, bus);
  ev.binding = binding.name;
  if (want_vtpm) {
    auto quotes = vtpm_->quote(binding.qualifying_data);
    if (!quotes) return quotes.take_error();
    ev.ak_public = std::move(ak);
    ev.quotes = std::move(*quotes);
    ev.event_log = read_event_log(config_.event_log);
  }
  if (want_snp) {
    std::span<const std::uint8_t, 64> rd(binding.report_data.data(), 64);
    auto report = snp_->get_report(rd);
    if (!report) return report.take_error();
    ev.snp_report = std::move(report->report);
    ev.certs = std::move(report->certs);
    ev.simulated = snp_->simulated();
  }
  spdlog::info("attestation: {} evidence produced (binding {}{}){}", ev.platform, ev.binding,
               ev.event_log ? ", with the event log" : "",
               ev.simulated ? " with SIMULATED SNP" : "");
  return ev;
}

Status Attester::extend_manifest_measurement(std::span<const std::uint8_t> manifest) {
  std::lock_guard lock(mu_);
  if (auto s = need_vtpm(); !s) return s;
  return vtpm_->extend_manifest_measurement(manifest);
}

std::vector<std::string> Attester::capabilities() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> caps;
  if (snp_) caps.emplace_back("snp");
  if (vtpm_) caps.emplace_back("vtpm");
  if (snp_ && vtpm_) caps.emplace_back("snp-vtpm");
  return caps;
}

bool Attester::simulated() const {
  std::lock_guard lock(mu_);
  return snp_ && snp_->simulated();
}

std::optional<std::string> Attester::simulated_trust_root() const {
  return trust_root_;
}

std::string Attester::snp_source() const {
  std::lock_guard lock(mu_);
  return snp_ ? snp_->name() : "";
}

}  // namespace cocos::attestation
