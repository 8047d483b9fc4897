// Msgpack decoding of the evidence body with msgpack-cxx, kept in this one file so it can be
// replaced by the messages library's decoder. Limits bound every container and string.
#include <msgpack.hpp>

#include "cocos/igvm/measure.h"
#include "cocos/verifier/evidence/evidence.h"
#include "cocos/verifier/vtpm/event_log.h"

namespace cocos::verifier::evidence {

namespace {

struct Bad {
  std::string msg;
};
[[noreturn]] void fail(const std::string& m) {
  throw Bad{m};
}

Bytes bin(const msgpack::object& o, const std::string& key, std::size_t max) {
  if (o.type == msgpack::type::BIN) {
    if (o.via.bin.size > max)
      fail(key + ": " + std::to_string(o.via.bin.size) + " bytes, max " + std::to_string(max));
    return Bytes(o.via.bin.ptr, o.via.bin.ptr + o.via.bin.size);
  }
  fail(key + ": expected bin");
}

std::string str(const msgpack::object& o, const std::string& key) {
  if (o.type != msgpack::type::STR) fail(key + ": expected str");
  if (o.via.str.size > 256) fail(key + ": string longer than 256");
  return std::string(o.via.str.ptr, o.via.str.size);
}

vtpm::Quote quote(const msgpack::object& o, const std::string& key) {
  if (o.type != msgpack::type::MAP) fail(key + ": expected a map");
  vtpm::Quote q;
  bool have_attest = false, have_sig = false, have_bank = false, have_pcrs = false;
  for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
    const auto& kv = o.via.map.ptr[i];
    const std::string k = str(kv.key, key + " key");
    if (k == "hash_alg") {
      q.bank = str(kv.val, key + ".hash_alg");
      if (!vtpm::bank_alg(q.bank)) fail(key + ".hash_alg: unknown bank '" + q.bank + "'");
      have_bank = true;
    } else if (k == "attest") {
      q.attest = bin(kv.val, key + ".attest", 4096);
      have_attest = true;
    } else if (k == "signature") {
      q.signature = bin(kv.val, key + ".signature", 4096);
      have_sig = true;
    } else if (k == "pcrs") {
      if (kv.val.type != msgpack::type::MAP) fail(key + ".pcrs: expected a map uint -> bin");
      for (std::uint32_t j = 0; j < kv.val.via.map.size; ++j) {
        const auto& p = kv.val.via.map.ptr[j];
        if (p.key.type != msgpack::type::POSITIVE_INTEGER || p.key.via.u64 > 23) {
          fail(key + ".pcrs: keys must be PCR indices 0..23");
        }
        const auto idx = static_cast<std::uint32_t>(p.key.via.u64);
        if (q.pcrs.count(idx)) fail(key + ".pcrs: PCR " + std::to_string(idx) + " twice");
        q.pcrs[idx] = bin(p.val, key + ".pcrs[" + std::to_string(idx) + "]", 64);
      }
      have_pcrs = true;
    }
  }
  if (!have_attest || !have_sig || !have_bank || !have_pcrs) {
    fail(key + ": needs hash_alg, attest, signature and pcrs");
  }
  return q;
}

EvidenceInput decode_map(const msgpack::object& root) {
  if (root.type != msgpack::type::MAP) fail("evidence: the body must be a msgpack map");
  EvidenceInput ev;
  bool have_platform = false, have_tee = false, have_vtpm = false;
  for (std::uint32_t i = 0; i < root.via.map.size; ++i) {
    const auto& kv = root.via.map.ptr[i];
    const std::string k = str(kv.key, "evidence key");
    if (k == "platform") {
      ev.platform = str(kv.val, k);
      have_platform = true;
    } else if (k == "simulated") {
      if (kv.val.type != msgpack::type::BOOLEAN) fail("simulated: expected bool");
      ev.simulated = kv.val.via.boolean;
    } else if (k == "tee_nonce") {
      ev.tee_nonce = bin(kv.val, k, kTeeNonceSize);
      have_tee = true;
    } else if (k == "vtpm_nonce") {
      ev.vtpm_nonce = bin(kv.val, k, kVtpmNonceSize);
      have_vtpm = true;
    } else if (k == "snp_report") {
      ev.snp_report = bin(kv.val, k, 4096);
    } else if (k == "certs") {
      if (kv.val.type != msgpack::type::MAP) fail("certs: expected a map str -> bin");
      for (std::uint32_t j = 0; j < kv.val.via.map.size; ++j) {
        const auto& c = kv.val.via.map.ptr[j];
        const std::string name = str(c.key, "certs key");
        if (name != "vcek" && name != "vlek" && name != "ask" && name != "asvk" && name != "ark") {
          fail("certs: unknown certificate name '" + name + "'");
        }
        ev.certs[name] = bin(c.val, "certs." + name, 16384);
      }
    } else if (k == "ak_public") {
      ev.ak_public = bin(kv.val, k, 2048);
    } else if (k == "quotes") {
      if (kv.val.type != msgpack::type::ARRAY) fail("quotes: expected an array");
      if (kv.val.via.array.size > 8) fail("quotes: more than 8 quotes");
      for (std::uint32_t j = 0; j < kv.val.via.array.size; ++j) {
        ev.quotes.push_back(quote(kv.val.via.array.ptr[j], "quotes[" + std::to_string(j) + "]"));
      }
    } else if (k == "bus_key") {
      ev.bus_key = bin(kv.val, k, 1024);
    } else if (k == "binding") {
      ev.binding = str(kv.val, k);
    } else if (k == "event_log") {
      ev.event_log = bin(kv.val, k, vtpm::kMaxEventLogBytes);
    }
    // Unknown keys are ignored: newer agents may add fields.
  }
  if (!have_platform) fail("platform: missing");
  if (ev.platform != "snp" && ev.platform != "vtpm" && ev.platform != "snp-vtpm") {
    fail("platform: '" + ev.platform + "' is not snp, vtpm or snp-vtpm");
  }
  if (!have_tee || ev.tee_nonce.size() != kTeeNonceSize) fail("tee_nonce: missing or not 64 bytes");
  if (!have_vtpm || ev.vtpm_nonce.size() != kVtpmNonceSize)
    fail("vtpm_nonce: missing or not 32 bytes");
  const bool needs_snp = ev.platform != "vtpm", needs_tpm = ev.platform != "snp";
  if (needs_snp && !ev.snp_report) fail("snp_report: missing for platform " + ev.platform);
  if (needs_tpm && (!ev.ak_public || ev.quotes.empty())) {
    fail("ak_public/quotes: missing for platform " + ev.platform);
  }
  return ev;
}

}  // namespace

Result<EvidenceInput> decode_evidence(std::span<const std::uint8_t> data) {
  if (data.size() > kMaxEvidenceBytes)
    return make_error("bad_evidence", "evidence larger than 16 MiB");
  try {
    // array, map, str, bin, ext, depth
    const msgpack::unpack_limit limits(64, 64, 4096, 1 << 20, 0, 6);
    std::size_t off = 0;
    msgpack::object_handle oh = msgpack::unpack(reinterpret_cast<const char*>(data.data()),
                                                data.size(), off, nullptr, nullptr, limits);
    if (off != data.size())
      return make_error("bad_evidence", "trailing bytes after the msgpack map");
    return decode_map(oh.get());
  } catch (const Bad& b) {
    return make_error("bad_evidence", b.msg);
  } catch (const std::exception& e) {
    return make_error("bad_evidence", std::string("msgpack: ") + e.what());
  }
}

Result<EvidenceInput> load_evidence_file(const std::string& path) {
  auto b = igvm::read_file_bounded(path, kMaxEvidenceBytes);
  if (!b) return b.take_error();
  auto ev = decode_evidence(*b);
  if (!ev) return make_error(ev.error().code, path + ": " + ev.error().message);
  return ev;
}

}  // namespace cocos::verifier::evidence
