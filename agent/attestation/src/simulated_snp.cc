// Simulated SNP PSP: chain persistence and report signing (see simulated_snp.h).
#include "cocos/attestation/simulated_snp.h"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string_view>

#include "cocos/attestation/evidence.h"
#include "cocos/attestation/snp_report_layout.h"
#include "file_io.h"
#include "openssl_util.h"
#include "simulated_chain.h"

namespace cocos::attestation {
namespace {

namespace fs = std::filesystem;
namespace L = snp_layout;

void put_le(Bytes& r, std::size_t off, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) r[off + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

Result<std::string> read_text(const std::string& path) {
  auto b = read_file_bounded(path, 1 << 20);
  if (!b) return b.take_error();
  return std::string(b->begin(), b->end());
}

// Write to a temporary name and rename, so a crash never leaves half a key behind.
Status write_atomic(const std::string& path, std::string_view text, int mode) {
  const std::string tmp = path + ".tmp";
  if (auto s = write_file(tmp, as_bytes(text), mode); !s) return s;
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return make_error("io_error", "cannot rename " + tmp + ": " + errno_text(errno));
  }
  return ok_status();
}

struct KeyAndCert {
  PkeyPtr key;
  X509Ptr cert;
};

Result<KeyAndCert> load_pair(const std::string& base) {
  auto key_pem = read_text(base + ".key");
  if (!key_pem) return key_pem.take_error();
  auto cert_pem = read_text(base + ".pem");
  if (!cert_pem) return cert_pem.take_error();
  auto key = private_key_from_pem(*key_pem);
  if (!key) return key.take_error();
  auto cert = cert_from_pem(*cert_pem);
  if (!cert) return cert.take_error();
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    return make_error("internal", base + ".key does not match " + base + ".pem");
  }
  return KeyAndCert{std::move(*key), std::move(*cert)};
}

Status store_pair(const std::string& base, const KeyAndCert& kc) {
  auto key_pem = private_key_to_pem(kc.key.get());
  if (!key_pem) return key_pem.take_error();
  auto cert_pem = cert_to_pem(kc.cert.get());
  if (!cert_pem) return cert_pem.take_error();
  if (auto s = write_atomic(base + ".key", *key_pem, 0600); !s) return s;
  return write_atomic(base + ".pem", *cert_pem, 0644);
}

// sim.params: "key=value" lines recording what the VCEK was issued for.
std::map<std::string, std::string> parse_params(const std::string& text) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    if (auto eq = line.find('='); eq != std::string::npos) {
      out[line.substr(0, eq)] = line.substr(eq + 1);
    }
    pos = nl + 1;
  }
  return out;
}

template <std::size_t N>
bool from_hex_array(const std::string& hex, std::array<std::uint8_t, N>& out) {
  auto b = from_hex(hex);
  if (!b || b->size() != N) return false;
  std::copy(b->begin(), b->end(), out.begin());
  return true;
}

std::string tcb_hex(std::uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

struct SimulatedSnpProvider::Impl {
  SimulatedSnpConfig config;
  std::array<std::uint8_t, 64> chip_id{};
  std::array<std::uint8_t, 32> report_id{};
  KeyAndCert leaf;  // the VCEK or VLEK that signs reports
  std::map<std::string, Bytes> certs;

  std::string path(const char* name) const { return (fs::path(config.dir) / name).string(); }
  Result<Bytes> build_and_sign(std::span<const std::uint8_t, 64> report_data) const;
};

SimulatedSnpProvider::SimulatedSnpProvider(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SimulatedSnpProvider::~SimulatedSnpProvider() = default;

Result<std::unique_ptr<SimulatedSnpProvider>> SimulatedSnpProvider::create(
    SimulatedSnpConfig config) {
  if (config.dir.empty()) return make_error("io_error", "simulated SNP: no directory configured");
  if (config.product != "Milan" && config.product != "Genoa" && config.product != "Turin") {
    return make_error("bad_message", "simulated SNP: product must be Milan, Genoa or Turin");
  }
  std::error_code ec;
  fs::create_directories(config.dir, ec);
  if (ec) return make_error("io_error", "cannot create " + config.dir + ": " + ec.message());

  auto impl = std::make_unique<Impl>();
  impl->config = std::move(config);
  const bool vlek = impl->config.vlek;
  // The intermediate and leaf this configuration signs with: ASK/VCEK, or ASVK/VLEK.
  const char* inter_name = vlek ? "asvk" : "ask";
  const char* leaf_name = vlek ? "vlek" : "vcek";
  const std::string ark_base = impl->path("ark"), inter_base = impl->path(inter_name),
                    leaf_base = impl->path(leaf_name);

  // ARK and ASK: reuse when present, else generate (and then everything below them).
  bool fresh = false;
  auto ark = load_pair(ark_base);
  if (ark && common_name(ark->cert.get()) != "ARK-" + impl->config.product) {
    spdlog::warn("attestation: SIMULATED SNP: the chain in {} is for another product; replacing it",
                 impl->config.dir);
    ark = make_error("not_found", "other product");
  }
  if (!ark) {
    spdlog::warn("attestation: SIMULATED SNP: generating a new ARK/{}/{} chain in {}",
                 vlek ? "ASVK" : "ASK", vlek ? "VLEK" : "VCEK", impl->config.dir);
    auto key = generate_rsa4096();
    if (!key) return key.take_error();
    auto cert = make_ark(key->get(), impl->config.product);
    if (!cert) return cert.take_error();
    ark = KeyAndCert{std::move(*key), std::move(*cert)};
    if (auto s = store_pair(ark_base, *ark); !s) return s.take_error();
    fresh = true;
  }
  auto inter =
      fresh ? Result<KeyAndCert>(make_error("not_found", "new ARK")) : load_pair(inter_base);
  // An intermediate left from an earlier ARK (the chain was replaced while the other signer
  // was configured) is not this ARK's: issue a new one.
  if (inter && X509_verify(inter->cert.get(), ark->key.get()) != 1) {
    inter = make_error("not_found", "issued by another ARK");
  }
  if (!inter) {
    auto key = generate_rsa4096();
    if (!key) return key.take_error();
    auto cert = vlek ? make_asvk(key->get(), ark->cert.get(), ark->key.get(), impl->config.product)
                     : make_ask(key->get(), ark->cert.get(), ark->key.get(), impl->config.product);
    if (!cert) return cert.take_error();
    inter = KeyAndCert{std::move(*key), std::move(*cert)};
    if (auto s = store_pair(inter_base, *inter); !s) return s.take_error();
    fresh = true;
  }

  // CHIP_ID and REPORT_ID: configured, else remembered, else new random values.
  auto params_text = read_text(impl->path("sim.params"));
  auto params = params_text ? parse_params(*params_text) : std::map<std::string, std::string>{};
  if (impl->config.chip_id) {
    impl->chip_id = *impl->config.chip_id;
  } else if (!from_hex_array(params["chip_id"], impl->chip_id)) {
    RAND_bytes(impl->chip_id.data(), static_cast<int>(impl->chip_id.size()));
  }
  // Turin's CHIP_ID is 8 bytes in the 64-byte field (the VCEK's hwID is those 8).
  if (impl->config.product == "Turin") std::fill(impl->chip_id.begin() + 8, impl->chip_id.end(), 0);
  if (!from_hex_array(params["report_id"], impl->report_id)) {
    RAND_bytes(impl->report_id.data(), static_cast<int>(impl->report_id.size()));
  }
  const std::map<std::string, std::string> want = {
      {"chip_id", to_hex(impl->chip_id)},
      {"report_id", to_hex(impl->report_id)},
      {"reported_tcb", tcb_hex(impl->config.effective_reported_tcb())},
      {"product", impl->config.product},
      {"signer", leaf_name}};

  // The leaf: re-issued when the chain, CHIP_ID, TCB or signer changed.
  auto leaf = (fresh || params != want) ? Result<KeyAndCert>(make_error("not_found", "stale"))
                                        : load_pair(leaf_base);
  if (!leaf) {
    auto key = generate_p384();
    if (!key) return key.take_error();
    const std::uint64_t tcb = impl->config.effective_reported_tcb();
    auto cert = vlek ? make_vlek(key->get(), inter->cert.get(), inter->key.get(),
                                 impl->config.product, "cocos-simulated-csp", tcb)
                     : make_vcek(key->get(), inter->cert.get(), inter->key.get(),
                                 impl->config.product, impl->chip_id, tcb);
    if (!cert) return cert.take_error();
    leaf = KeyAndCert{std::move(*key), std::move(*cert)};
    if (auto s = store_pair(leaf_base, *leaf); !s) return s.take_error();
    std::string text;
    for (const auto& [k, v] : want) text += k + "=" + v + "\n";
    if (auto s = write_atomic(impl->path("sim.params"), text, 0644); !s) return s.take_error();
  }

  for (auto [name, cert] :
       {std::pair{"ark", ark->cert.get()}, std::pair{inter_name, inter->cert.get()},
        std::pair{leaf_name, leaf->cert.get()}}) {
    auto der = cert_to_der(cert);
    if (!der) return der.take_error();
    impl->certs[name] = std::move(*der);
  }
  impl->leaf = std::move(*leaf);
  spdlog::warn(
      "attestation: SIMULATED SNP in use: reports are signed by a local software PSP, not by AMD "
      "hardware; trust root {}",
      impl->path("ark.pem"));
  return std::unique_ptr<SimulatedSnpProvider>(new SimulatedSnpProvider(std::move(impl)));
}

Result<Bytes> SimulatedSnpProvider::Impl::build_and_sign(
    std::span<const std::uint8_t, 64> report_data) const {
  Bytes r(L::kReportSize, 0);
  const SimulatedSnpConfig& c = config;
  const std::uint64_t tcb = c.effective_reported_tcb();
  put_le(r, L::kVersion, 3, 4);
  put_le(r, L::kGuestSvn, 0, 4);
  put_le(r, L::kPolicy, c.policy, 8);
  put_le(r, L::kVmpl, c.vmpl, 4);
  put_le(r, L::kSignatureAlgo, 1, 4);  // ECDSA P-384 with SHA-384
  put_le(r, L::kCurrentTcb, tcb, 8);
  put_le(r, L::kPlatformInfo, c.platform_info, 8);
  // SIGNING_KEY (bits 4:2): 0 = VCEK, 1 = VLEK; chip key not masked.
  put_le(r, L::kSignerInfo, config.vlek ? 1u << 2 : 0u, 4);
  std::copy(report_data.begin(), report_data.end(), r.begin() + L::kReportData);
  std::copy(c.measurement.begin(), c.measurement.end(), r.begin() + L::kMeasurement);
  std::copy(c.host_data.begin(), c.host_data.end(), r.begin() + L::kHostData);
  std::copy(report_id.begin(), report_id.end(), r.begin() + L::kReportId);
  std::fill(r.begin() + L::kReportIdMa, r.begin() + L::kReportIdMa + 32, 0xFF);  // no MA
  put_le(r, L::kReportedTcb, tcb, 8);
  r[L::kCpuidFamId] = c.product == "Turin" ? 0x1A : 0x19;  // Milan and Genoa: family 19h
  r[L::kCpuidModId] = c.product == "Genoa" ? 0x11 : c.product == "Turin" ? 0x02 : 0x01;
  r[L::kCpuidStep] = 0x01;
  std::copy(chip_id.begin(), chip_id.end(), r.begin() + L::kChipId);
  put_le(r, L::kCommittedTcb, tcb, 8);
  r[L::kCurrentBuild] = 21;
  r[L::kCurrentMinor] = 55;
  r[L::kCurrentMajor] = 1;
  r[L::kCommittedBuild] = 21;
  r[L::kCommittedMinor] = 55;
  r[L::kCommittedMajor] = 1;
  put_le(r, L::kLaunchTcb, tcb, 8);

  // ECDSA P-384 over SHA-384(report[0, 0x2A0)); AMD stores r and s little-endian, 72 bytes each.
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::size_t der_len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha384(), nullptr, leaf.key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &der_len, r.data(), L::kSignedSize) != 1) {
    return make_error("internal", "simulated SNP: signing setup failed: " + openssl_error());
  }
  Bytes der(der_len);
  if (EVP_DigestSign(ctx.get(), der.data(), &der_len, r.data(), L::kSignedSize) != 1) {
    return make_error("internal", "simulated SNP: signing failed: " + openssl_error());
  }
  const unsigned char* p = der.data();
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
  if (!sig) return make_error("internal", "simulated SNP: bad ECDSA signature encoding");
  const BIGNUM* sig_r = ECDSA_SIG_get0_r(sig.get());
  const BIGNUM* sig_s = ECDSA_SIG_get0_s(sig.get());
  if (BN_bn2lebinpad(sig_r, r.data() + L::kSignatureR, L::kSigComponentSize) < 0 ||
      BN_bn2lebinpad(sig_s, r.data() + L::kSignatureS, L::kSigComponentSize) < 0) {
    return make_error("internal", "simulated SNP: signature does not fit");
  }
  return r;
}

Result<SnpReport> SimulatedSnpProvider::get_report(std::span<const std::uint8_t, 64> report_data) {
  auto report = impl_->build_and_sign(report_data);
  if (!report) return report.take_error();
  spdlog::info("attestation: SIMULATED SNP report issued (REPORT_DATA {}...)",
               to_hex(report_data.first(8)));
  return SnpReport{std::move(*report), impl_->certs};
}

std::string SimulatedSnpProvider::ark_pem_path() const {
  return impl_->path("ark.pem");
}
const std::array<std::uint8_t, 64>& SimulatedSnpProvider::chip_id() const {
  return impl_->chip_id;
}
const std::map<std::string, Bytes>& SimulatedSnpProvider::certs() const {
  return impl_->certs;
}

}  // namespace cocos::attestation
