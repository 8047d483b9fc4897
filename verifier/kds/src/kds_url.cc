// KDS paths (kds_url.h).
#include "cocos/verifier/kds/kds_url.h"

#include "cocos/common/encoding.h"

namespace cocos::verifier::kds {

namespace {
std::string root(snp::Product p, bool vlek) {
  return std::string(vlek ? "/vlek/v1/" : "/vcek/v1/") + snp::product_name(p);
}
}  // namespace

std::string vcek_path(snp::Product p, std::span<const std::uint8_t, 64> chip_id,
                      std::uint64_t reported_tcb) {
  const bool turin = p == snp::Product::kTurin;
  const snp::Tcb t = snp::decompose_tcb(reported_tcb, turin);
  const std::string hwid =
      to_hex(turin ? chip_id.first(8) : std::span<const std::uint8_t>(chip_id));
  std::string path = root(p, false) + "/" + hwid + "?blSPL=" + std::to_string(t.bl) +
                     "&teeSPL=" + std::to_string(t.tee) + "&snpSPL=" + std::to_string(t.snp) +
                     "&ucodeSPL=" + std::to_string(t.ucode);
  if (turin) path += "&fmcSPL=" + std::to_string(t.fmc);
  return path;
}

std::string chain_path(snp::Product p, bool vlek) {
  return root(p, vlek) + "/cert_chain";
}

std::string crl_path(snp::Product p, bool vlek) {
  return root(p, vlek) + "/crl";
}

}  // namespace cocos::verifier::kds
