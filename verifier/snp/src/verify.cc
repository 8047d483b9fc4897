// SNP authenticity checks in the order a reader needs them: product, signature, chain,
// validity, certificate TCB and HWID. Check codes are stable (verifier/README.md).
#include "cocos/verifier/snp/verify.h"

#include <algorithm>

namespace cocos::verifier::snp {

namespace {

std::string cert_label(const Cert& c) {
  return "'" + c.common_name() + "' sha256:" + c.fingerprint().substr(0, 16) + "...";
}

struct ChainFound {
  const Cert* intermediate = nullptr;
  const Cert* root = nullptr;
  bool extra = false;
  std::string failure;  // when not found
};

ChainFound find_chain(const Cert& leaf, const std::vector<const Cert*>& inters,
                      const std::vector<std::pair<const Cert*, bool>>& roots, ChainCache& cache) {
  ChainFound out;
  bool leaf_signed = false;
  for (const Cert* i : inters) {
    if (!cache.signed_by(leaf, *i)) continue;
    leaf_signed = true;
    for (const auto& [r, extra] : roots) {
      if (cache.signed_by(*i, *r) && cache.signed_by(*r, *r)) {
        out.intermediate = i;
        out.root = r;
        out.extra = extra;
        return out;
      }
    }
    if (!out.intermediate) out.intermediate = i;
  }
  out.failure = leaf_signed ? "the ASK/ASVK that signed the leaf is not signed by a trusted ARK"
                            : "no available ASK/ASVK signed the VCEK/VLEK";
  return out;
}

// The VCEK from the caller's fetcher (AMD KDS), recorded as snp.kds.vcek.
std::optional<Cert> fetch_vcek(const SnpReport& r, Product product, const VcekFetcher& fetch,
                               Verdict& v) {
  const char* title = "VCEK fetched for CHIP_ID at REPORTED_TCB (AMD KDS)";
  if (product == Product::kUnknown) {
    v.fail("snp.kds.vcek", title, "CPUID_FAM_ID/CPUID_MOD_ID", "a known product",
           "unknown (a v2 report has no CPUID)", "name it with --product");
    return std::nullopt;
  }
  auto got = fetch(r, product);
  if (!got) {
    v.fail("snp.kds.vcek", title, "CHIP_ID, REPORTED_TCB", "the chip's VCEK",
           got.error().to_string(),
           "check the network or --kds-url, or pass the VCEK with --vcek FILE");
    return std::nullopt;
  }
  v.pass("snp.kds.vcek", title, "CHIP_ID, REPORTED_TCB", "the chip's VCEK", got->source);
  return std::move(got->cert);
}

// The product ARK's CRLs from the caller's fetcher, appended to `crls`; snp.kds.crl.
void fetch_crls(Product p, bool vlek, bool extra_root, const VerifyOptions& opt,
                std::vector<Crl>& crls, Verdict& v) {
  const char* title = "CRL of the ARK fetched (AMD KDS)";
  if (extra_root) {
    v.skip("snp.kds.crl", title, "the chain ends at a root given with --trust-root, not AMD's");
    return;
  }
  auto got = opt.fetch_crls(p, vlek, opt.now);
  if (!got) {
    v.fail("snp.kds.crl", title, "CRL", std::string("the CRL of ARK-") + product_name(p),
           got.error().to_string(), "check the network or --kds-url, or pass --crl FILE");
    return;
  }
  v.pass("snp.kds.crl", title, "CRL", std::string("the CRL of ARK-") + product_name(p),
         got->source);
  for (auto& c : got->crls) crls.push_back(std::move(c));
}

}  // namespace

Status add_certs(SnpEvidence& ev, std::vector<Cert> certs) {
  for (Cert& c : certs) {
    if (c.self_issued()) {
      ev.offered_roots.push_back(std::move(c));
    } else if (c.has_amd_tcb_extensions() || c.common_name() == "SEV-VCEK" ||
               c.common_name() == "SEV-VLEK") {
      if (ev.leaf && ev.leaf->fingerprint() != c.fingerprint()) {
        return make_error("bad_cert", "two different VCEK/VLEK certificates were given");
      }
      ev.leaf = std::move(c);
    } else {
      ev.intermediates.push_back(std::move(c));
    }
  }
  return ok_status();
}

AuthResult verify_authenticity(const SnpEvidence& ev, const VerifyOptions& opt, Verdict& v) {
  AuthResult res;
  const SnpReport& r = ev.report;
  ChainCache local;
  ChainCache& cache = opt.cache ? *opt.cache : local;
  const bool vlek = r.signing_key() == 1;

  // Product: explicit, else CPUID (v3+), else the certificate's product name.
  const Product cpuid = r.product_from_cpuid();
  const AmdExtensions* ext = ev.leaf ? &ev.leaf->amd_extensions() : nullptr;
  Product from_cert = Product::kUnknown;
  if (ext && ext->product_name) {
    auto p = parse_product(*ext->product_name);
    if (p) from_cert = *p;
  }
  if (opt.product) {
    res.product = *opt.product;
    if (cpuid != Product::kUnknown && cpuid != *opt.product) {
      v.fail("snp.product", "product named by the caller matches the report's CPUID",
             "CPUID_FAM_ID/CPUID_MOD_ID", product_name(*opt.product), product_name(cpuid),
             "use --product to match the hardware");
    } else {
      v.pass("snp.product", "product", "", product_name(*opt.product), "given by caller or policy");
    }
  } else if (cpuid != Product::kUnknown) {
    res.product = cpuid;
    v.pass("snp.product", "product from the report's CPUID", "CPUID_FAM_ID/CPUID_MOD_ID", "",
           product_name(cpuid));
  } else if (from_cert != Product::kUnknown) {
    res.product = from_cert;
    v.pass("snp.product", "product from the certificate's product-name extension",
           "1.3.6.1.4.1.3704.1.2", "", *ext->product_name);
  } else {
    v.skip("snp.product", "product", "unknown: v2 report without --product; trying every product");
  }
  if (ext && ext->product_name && res.product != Product::kUnknown && from_cert != res.product) {
    v.warn("certificate product name '" + *ext->product_name + "' differs from " +
           product_name(res.product));
  }

  // Signature.
  v.expect(r.signature_algo == 1, "snp.signature_algo",
           "signature algorithm is ECDSA P-384 SHA-384", "SIGNATURE_ALGO", "1",
           std::to_string(r.signature_algo));
  const char* leaf_name = vlek ? "VLEK" : "VCEK";
  if (r.signing_key() > 1) {
    v.fail("snp.signing_key", "report is signed by a VCEK or VLEK", "SIGNING_KEY",
           "0 (VCEK) or 1 (VLEK)", std::to_string(r.signing_key()));
    return res;
  }
  std::optional<Cert> leaf = ev.leaf;
  if (!leaf && !vlek && opt.fetch_vcek) {
    leaf = fetch_vcek(r, res.product, opt.fetch_vcek, v);
    if (leaf) ext = &leaf->amd_extensions();
  }
  if (!leaf) {
    v.fail("snp.signature", std::string("report signature checked with the ") + leaf_name,
           "SIGNATURE", std::string("a ") + leaf_name + " certificate", "none given",
           vlek ? "pass --vcek FILE (the VLEK) or --certs DIR, or use an extended report with a "
                  "certificate table"
           : opt.fetch_vcek ? "the VCEK could not be fetched (snp.kds.vcek)"
                            : "pass --vcek FILE or --certs DIR, use an extended report with a "
                              "certificate table, or fetch it with --kds");
    return res;
  }
  const bool leaf_is_vlek = ext && ext->csp_id.has_value();
  if (vlek != leaf_is_vlek && (ext->hwid || ext->csp_id)) {
    v.fail("snp.signing_key", "certificate type matches SIGNING_KEY", "SIGNING_KEY",
           vlek ? "VLEK (certificate with CSP_ID)" : "VCEK (certificate with HWID)",
           leaf_is_vlek ? "VLEK certificate" : "VCEK certificate");
  }
  auto sig = verify_report_signature(r, *leaf);
  const bool sig_ok = v.expect(
      sig.ok(), "snp.signature", std::string("ECDSA P-384 signature by the ") + leaf_name,
      "SIGNATURE", "valid over bytes 0x000..0x29f", sig.ok() ? "valid" : sig.error().message,
      "the report was altered, or the certificate belongs to another chip/TCB");

  // Chain.
  std::vector<Product> products;
  if (res.product != Product::kUnknown) {
    products.push_back(res.product);
  } else {
    products = {Product::kMilan, Product::kGenoa, Product::kTurin};
  }
  // Candidates by pointer: the certificates stay where they are (evidence, options, bundle).
  std::vector<const Cert*> inters;
  for (const Cert& c : ev.intermediates) inters.push_back(&c);
  std::vector<std::pair<const Cert*, bool>> roots;
  for (const Cert& c : opt.extra_roots) {
    if (c.self_issued()) {
      roots.emplace_back(&c, true);
    } else {
      inters.push_back(&c);
    }
  }
  ChainFound found;
  for (Product p : products) {
    auto bundle = cache.bundle(p, vlek);
    if (!bundle) continue;
    std::vector<const Cert*> with_amd = inters;
    with_amd.push_back(&bundle->intermediate);
    auto with_roots = roots;
    with_roots.emplace_back(&bundle->ark, false);
    found = find_chain(*leaf, with_amd, with_roots, cache);
    if (found.root) {
      if (res.product == Product::kUnknown) res.product = p;
      // Pointers may refer to this iteration's bundle: keep only what we need.
      const std::string inter = cert_label(*found.intermediate);
      const std::string root = cert_label(*found.root);
      v.pass("snp.chain.leaf", std::string(leaf_name) + " is signed by the intermediate",
             "X.509 signature", "RSA-PSS SHA-384 by " + inter, "valid");
      v.pass("snp.chain.intermediate", "intermediate is signed by a trusted ARK", "X.509 signature",
             "RSA-PSS SHA-384 by " + root, "valid");
      v.pass("snp.chain.root",
             found.extra ? "root is an extra trusted root given with --trust-root"
                         : std::string("root is the embedded AMD ARK for ") + product_name(p),
             "ARK", root, "trusted, self-signature valid");
      res.chained_to_extra_root = found.extra;
      // Validity.
      std::string problems;
      for (const Cert* c :
           std::initializer_list<const Cert*>{&*leaf, found.intermediate, found.root}) {
        const std::string pr = validity_problem(*c, opt.now);
        if (!pr.empty()) problems += c->common_name() + " " + pr + " (" + c->validity() + "); ";
      }
      v.expect(problems.empty(), "snp.chain.validity", "certificates are within their validity",
               "notBefore/notAfter", "valid now", problems.empty() ? "valid" : problems);
      std::vector<Crl> crls = opt.crls;
      if (opt.fetch_crls) fetch_crls(p, vlek, found.extra, opt, crls, v);
      if (!crls.empty()) {
        check_revocation(crls, *leaf, *found.intermediate, *found.root, opt.now, v);
      }
      break;
    }
  }
  if (!found.root) {
    std::string tried;
    for (Product p : products) tried += std::string(tried.empty() ? "" : ", ") + product_name(p);
    v.fail("snp.chain.leaf", std::string(leaf_name) + " chains to a trusted AMD root",
           "certificate chain", "chain to the ARK of " + tried, found.failure,
           "wrong --product, or a certificate not issued by AMD (use --trust-root for a "
           "simulated chain)");
  }
  res.turin = res.product == Product::kTurin;

  // Certificate TCB == REPORTED_TCB; VCEK TCB <= CURRENT_TCB; HWID == CHIP_ID.
  const Tcb reported = decompose_tcb(r.reported_tcb, res.turin);
  if (const auto issued = ext ? certificate_tcb(*ext, res.turin) : std::nullopt) {
    const Tcb& cert = *issued;
    const std::uint64_t cert_raw = compose_tcb(cert);
    v.expect(tcb_eq(cert, reported), "snp.tcb.certificate",
             std::string(leaf_name) + " TCB extensions equal REPORTED_TCB", "REPORTED_TCB",
             tcb_string(cert_raw, res.turin), tcb_string(r.reported_tcb, res.turin),
             "the certificate was issued for another TCB: fetch the VCEK for this REPORTED_TCB");
    v.expect(tcb_le(cert, decompose_tcb(r.current_tcb, res.turin)),
             "snp.tcb.certificate_le_current", "certificate TCB <= CURRENT_TCB", "CURRENT_TCB",
             ">= " + tcb_string(cert_raw, res.turin), tcb_string(r.current_tcb, res.turin));
  } else {
    v.fail("snp.tcb.certificate", std::string(leaf_name) + " carries the AMD TCB extensions",
           "1.3.6.1.4.1.3704.1.3.*", res.turin ? "bl, tee, snp, ucode, fmc" : "bl, tee, snp, ucode",
           "missing", "");
  }
  if (!vlek) {
    if (r.chip_id_masked()) {
      v.skip("snp.hwid", "VCEK HWID equals CHIP_ID", "CHIP_ID is zero (MASK_CHIP_ID)");
    } else if (!ext || !ext->hwid) {
      v.fail("snp.hwid", "VCEK HWID equals CHIP_ID", "CHIP_ID", "a VCEK with an HWID extension",
             "no HWID extension");
    } else {
      v.expect(hwid_matches(*ext, r, res.turin), "snp.hwid", "VCEK HWID equals CHIP_ID", "CHIP_ID",
               to_hex(*ext->hwid), to_hex(r.chip_id), "the VCEK belongs to another chip");
    }
  }
  res.authentic = sig_ok && found.root != nullptr;
  return res;
}

}  // namespace cocos::verifier::snp
