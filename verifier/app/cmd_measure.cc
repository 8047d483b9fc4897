// `measure`: launch digest of an IGVM file or of an OVMF direct-boot guest.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cocos/igvm/measure.h"
#include "cocos/igvm/ovmf.h"
#include "commands.h"

namespace cocos::verifier::app {

namespace {

Result<std::uint64_t> parse_uint(const std::string& s, const char* what) {
  try {
    std::size_t used = 0;
    const unsigned long long v = std::stoull(s, &used, 0);
    if (used == s.size() && !s.empty() && s[0] != '-') return static_cast<std::uint64_t>(v);
  } catch (...) {
  }
  return make_error("usage", std::string(what) + ": not a number: '" + s + "'");
}

std::string page_line(const igvm::MeasuredPage& p) {
  char buf[64];
  std::snprintf(buf, sizeof buf,
                "page gpa=0x%012llx type=%-10s digest=", static_cast<unsigned long long>(p.gpa),
                igvm::page_type_name(p.type));
  return buf + to_hex(p.digest_after);
}

int measure_igvm(const MeasureArgs& a, const Io& io) {
  auto file = igvm::read_file_bounded(a.igvm, igvm::kMaxIgvmFileBytes);
  if (!file) return unusable(io, file.error());
  auto parsed = igvm::parse_igvm(*file);
  if (!parsed) return unusable(io, parsed.error());
  igvm::MeasureOptions o;
  o.native_zero = a.native_zero;
  o.check_kvm = a.check_kvm;
  o.ignore_id_block_ld = a.ignore_id_block;
  if (a.verbose && !a.json)
    o.observer = [&](const igvm::MeasuredPage& p) { io.out << page_line(p) << "\n"; };
  auto m = igvm::measure_snp(*parsed, o);
  if (!m) return unusable(io, m.error());
  if (a.json) {
    nlohmann::ordered_json j;
    j["launch_digest"] = to_hex(m->digest);
    j["pages"] = m->pages;
    j["vmsas"] = m->vmsas;
    j["snp_platform_mask"] = m->platform_mask;
    if (m->guest_policy) j["guest_policy"] = *m->guest_policy;
    if (m->id_block) {
      j["id_block"] = {{"family_id", to_hex(m->id_block->family_id)},
                       {"image_id", to_hex(m->id_block->image_id)},
                       {"guest_svn", m->id_block->guest_svn},
                       {"id_key_digest", to_hex(igvm::amd_key_digest(m->id_block->id_key_amd))}};
    }
    io.out << j.dump(2) << "\n";
  } else {
    io.out << to_hex(m->digest) << "\n";
  }
  return kExitValid;
}

int measure_ovmf(const MeasureArgs& a, const Io& io) {
  if (a.mode != "snp") return unusable(io, make_error("usage", "only --mode snp is supported"));
  igvm::OvmfOptions o;
  o.ovmf_path = a.ovmf;
  o.vcpus = a.vcpus;
  if (!a.vcpu_sig.empty()) {
    auto v = parse_uint(a.vcpu_sig, "--vcpu-sig");
    if (!v || *v > 0xFFFFFFFFu)
      return unusable(io, make_error("usage", "--vcpu-sig: want a 32-bit value"));
    o.vcpu_sig = static_cast<std::uint32_t>(*v);
  } else if (!a.vcpu_type.empty()) {
    auto v = igvm::vcpu_sig_for_type(a.vcpu_type);
    if (!v) return unusable(io, v.error());
    o.vcpu_sig = *v;
  } else if (a.family && a.model && a.stepping) {
    o.vcpu_sig = igvm::vcpu_sig_from_fms(*a.family, *a.model, *a.stepping);
  } else {
    return unusable(io, make_error("usage",
                                   "give --vcpu-type, --vcpu-sig or "
                                   "--vcpu-family/--vcpu-model/--vcpu-stepping"));
  }
  auto gf = parse_uint(a.guest_features, "--guest-features");
  if (!gf) return unusable(io, gf.error());
  o.guest_features = *gf;
  o.kernel = a.kernel;
  o.initrd = a.initrd;
  o.append = a.append;
  if ((a.initrd || a.append) && !a.kernel) {
    return unusable(io, make_error("usage", "--initrd and --append need --kernel"));
  }
  if (!a.ovmf_hash.empty()) {
    auto h = from_hex(a.ovmf_hash);
    if (!h || h->size() != igvm::kDigestSize) {
      return unusable(io, make_error("usage", "--ovmf-hash: want 96 hex characters"));
    }
    igvm::Digest48 d;
    std::copy(h->begin(), h->end(), d.begin());
    o.ovmf_hash = d;
  }
  if (a.verbose && !a.json)
    o.observer = [&](const igvm::MeasuredPage& p) { io.out << page_line(p) << "\n"; };
  auto d = igvm::ovmf_launch_digest(o);
  if (!d) return unusable(io, d.error());
  if (a.json) {
    io.out << nlohmann::json{{"launch_digest", to_hex(*d)}}.dump(2) << "\n";
  } else {
    io.out << to_hex(*d) << "\n";
  }
  return kExitValid;
}

}  // namespace

int cmd_measure(const MeasureArgs& a, const Io& io) {
  if (a.igvm.empty() == a.ovmf.empty()) {
    return unusable(io, make_error("usage", "give exactly one of --igvm FILE or --ovmf FILE"));
  }
  return a.igvm.empty() ? measure_ovmf(a, io) : measure_igvm(a, io);
}

}  // namespace cocos::verifier::app
