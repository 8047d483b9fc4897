// Encoding and strict decoding of every body type: put(writer, body) / get(reader, body).
// Enumerated string fields and fixed-size binaries are checked here, so a decoded body is
// well-formed; state-dependent checks belong to the agent and the manager.
#include <array>

#include "bodies_codec.h"
#include "cocos/messages/errors.h"
#include "manifest_msgpack.h"
#include "msgpack_io.h"

namespace cocos::messages::detail {
namespace {

void one_of(MapReader& r, std::string_view k, const std::string& v,
            std::initializer_list<std::string_view> allowed) {
  if (!r.ok()) return;
  for (auto a : allowed) {
    if (v == a) return;
  }
  std::string list;
  for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  r.fail(k, "'" + v + "' is not one of " + list);
}

// ---- put ----
void put(MapWriter& w, const Hello& b) {
  w.str("agent_id", b.agent_id);
  w.str("version", b.version);
  w.str_array("capabilities", b.capabilities);
  w.boolean("simulated_snp", b.simulated_snp);
  w.str("state", b.state);
  w.str("computation_id", b.computation_id);
  w.u64("last_seq", b.last_seq);
  w.bin("bus_key", b.bus_key);
}
void put(MapWriter& w, const HelloOk& b) {
  w.u64("acked_seq", b.acked_seq);
}
void put(MapWriter&, const Ping&) {}
void put(MapWriter&, const Pong&) {}
void put(MapWriter&, const StateGet&) {}
void put(MapWriter& w, const State& b) {
  w.str("state", b.state);
  w.str("computation_id", b.computation_id);
  w.str("status", b.status);
  w.u64("seq", b.seq);
  std::vector<std::string> items;
  for (const auto& i : b.items) {
    MapWriter iw;
    iw.str("item", i.item);
    if (i.item == "dataset") {
      iw.u64("index", i.index);
      iw.str("filename", i.filename);
    }
    iw.boolean("received", i.received);
    iw.u64("bytes", i.bytes);
    items.push_back(iw.finish());
  }
  w.packed("items", pack_array(items));
  w.u64("consumers_pending", b.consumers_pending);
}
void put(MapWriter& w, const ManifestPut& b) {
  w.packed("manifest", pack_manifest(b.manifest));
}
void put(MapWriter& w, const UploadBegin& b) {
  w.str("item", b.item);
  if (b.item == "dataset") {
    w.u64("index", b.index);
    w.str("filename", b.filename);
  }
  w.u64("size", b.size);
  w.bin("sha3_256", b.sha3_256);
  w.bin("signature", b.signature);
}
void put(MapWriter& w, const UploadReady& b) {
  w.u64("upload_id", b.upload_id);
  w.u64("offset", b.offset);
  w.u64("chunk_size", b.chunk_size);
  w.u64("credits", b.credits);
}
void put(MapWriter& w, const UploadChunk& b) {
  w.u64("upload_id", b.upload_id);
  w.u64("offset", b.offset);
}
void put(MapWriter& w, const UploadCredit& b) {
  w.u64("upload_id", b.upload_id);
  w.u64("acked", b.acked);
  w.u64("credits", b.credits);
}
void put(MapWriter& w, const UploadEnd& b) {
  w.u64("upload_id", b.upload_id);
}
void put(MapWriter& w, const UploadAbort& b) {
  w.u64("upload_id", b.upload_id);
}
void put(MapWriter&, const ResultChallenge&) {}
void put(MapWriter& w, const Challenge& b) {
  w.bin("challenge", b.challenge);
}
void put(MapWriter& w, const ResultGet& b) {
  w.str("consumer_key", b.consumer_key);
  w.bin("signature", b.signature);
}
void put(MapWriter& w, const ResultReady& b) {
  w.u64("stream_id", b.stream_id);
  w.u64("size", b.size);
  w.bin("sha3_256", b.sha3_256);
}
void put(MapWriter& w, const ResultCredit& b) {
  w.u64("stream_id", b.stream_id);
  w.u64("credits", b.credits);
}
void put(MapWriter& w, const ResultChunk& b) {
  w.u64("stream_id", b.stream_id);
  w.u64("offset", b.offset);
}
void put(MapWriter& w, const ResultEnd& b) {
  w.u64("stream_id", b.stream_id);
  w.u64("size", b.size);
  w.bin("sha3_256", b.sha3_256);
}
void put(MapWriter& w, const ResultAck& b) {
  w.u64("stream_id", b.stream_id);
}
void put(MapWriter& w, const AttestationGet& b) {
  w.str("type", b.type);
  w.bin("tee_nonce", b.tee_nonce);
  w.bin("vtpm_nonce", b.vtpm_nonce);
  w.boolean("bind_bus_key", b.bind_bus_key);
}
void put(MapWriter& w, const Evidence& b) {
  w.str("platform", b.platform);
  w.boolean("simulated", b.simulated);
  w.bin("tee_nonce", b.tee_nonce);
  w.bin("vtpm_nonce", b.vtpm_nonce);
  if (b.snp_report) w.bin("snp_report", *b.snp_report);
  w.bin_map("certs", b.certs);
  if (b.ak_public) w.bin("ak_public", *b.ak_public);
  if (b.quotes) {
    std::vector<std::string> qs;
    for (const auto& q : *b.quotes) {
      MapWriter qw;
      qw.str("hash_alg", q.hash_alg);
      qw.bin("attest", q.attest);
      qw.bin("signature", q.signature);
      // pcrs: map uint -> bin, packed by hand (MapWriter keys are strings).
      std::string pcrs;
      StringSink sink{&pcrs};
      msgpack::packer<StringSink> pk(sink);
      pk.pack_map(static_cast<std::uint32_t>(q.pcrs.size()));
      for (const auto& [idx, val] : q.pcrs) {
        pk.pack_uint32(idx);
        pk.pack_bin(static_cast<std::uint32_t>(val.size()));
        pk.pack_bin_body(reinterpret_cast<const char*>(val.data()),
                         static_cast<std::uint32_t>(val.size()));
      }
      qw.packed("pcrs", pcrs);
      qs.push_back(qw.finish());
    }
    w.packed("quotes", pack_array(qs));
  }
  if (b.bus_key) w.bin("bus_key", *b.bus_key);
  w.str("binding", b.binding);
  if (b.event_log) w.bin("event_log", *b.event_log);
}
void put(MapWriter& w, const ComputationStop& b) {
  w.str("reason", b.reason);
}
void put(MapWriter& w, const EventsSince& b) {
  w.u64("seq", b.seq);
  w.u64("max", b.max);
}
void put(MapWriter& w, const Event& b) {
  w.u64("seq", b.seq);
  w.str("state", b.state);
  w.str("status", b.status);
  w.str("computation_id", b.computation_id);
  w.u64("timestamp_ms", b.timestamp_ms);
  w.str_map("details", b.details);
}
void put(MapWriter& w, const Events& b) {
  std::vector<std::string> es;
  for (const auto& e : b.events) {
    MapWriter ew;
    put(ew, e);
    es.push_back(ew.finish());
  }
  w.packed("events", pack_array(es));
  w.boolean("more", b.more);
}
void put(MapWriter& w, const EventAck& b) {
  w.u64("seq", b.seq);
}
void put(MapWriter& w, const Log& b) {
  w.str("computation_id", b.computation_id);
  w.str("stream", b.stream);
  w.str("line", b.line);
  w.u64("dropped", b.dropped);
}
void put(MapWriter& w, const Ok& b) {
  if (b.item) w.str("item", *b.item);
  if (b.bytes) w.u64("bytes", *b.bytes);
}
void put(MapWriter& w, const ErrorBody& b) {
  w.str("code", b.code);
  w.str("message", b.message);
  if (b.state) w.str("state", *b.state);
}

// ---- get ----
void get(MapReader& r, Hello& b) {
  r.str("agent_id", b.agent_id);
  r.str("version", b.version);
  r.str_array("capabilities", b.capabilities);
  r.boolean("simulated_snp", b.simulated_snp);
  r.str("state", b.state);
  r.str("computation_id", b.computation_id);
  r.u64("last_seq", b.last_seq);
  r.bin("bus_key", b.bus_key);
  if (r.ok() && !b.bus_key.empty() && b.bus_key.size() != 32) {
    r.fail("bus_key", "expected 0 or 32 bytes, got " + std::to_string(b.bus_key.size()));
  }
}
void get(MapReader& r, HelloOk& b) {
  r.u64("acked_seq", b.acked_seq);
}
void get(MapReader&, Ping&) {}
void get(MapReader&, Pong&) {}
void get(MapReader&, StateGet&) {}
void get(MapReader& r, State& b) {
  r.str("state", b.state);
  r.str("computation_id", b.computation_id);
  r.str("status", b.status);
  r.u64("seq", b.seq);
  r.array("items", [&](const msgpack::object& o, const std::string& p) -> Status {
    auto ir = MapReader::open(o, p + ".");
    if (!ir) return ir.take_error();
    ItemStatus i;
    ir->str("item", i.item);
    one_of(*ir, "item", i.item, {"algorithm", "requirements", "dataset"});
    if (i.item == "dataset") {
      ir->u32("index", i.index);
      ir->str("filename", i.filename);
    }
    ir->boolean("received", i.received);
    ir->u64("bytes", i.bytes);
    if (!ir->ok()) return ir->error();
    b.items.push_back(std::move(i));
    return ok_status();
  });
  r.u64("consumers_pending", b.consumers_pending);
}
void get(MapReader& r, ManifestPut& b) {
  if (const msgpack::object* o = r.get("manifest", msgpack::type::MAP, "map", true)) {
    auto m = read_manifest(*o, r.field("manifest"));
    if (!m) {
      r.fail_error(m.take_error());
      return;
    }
    b.manifest = std::move(*m);
  }
}
void get(MapReader& r, UploadBegin& b) {
  r.str("item", b.item);
  one_of(r, "item", b.item, {"algorithm", "requirements", "dataset"});
  if (b.item == "dataset") {
    r.u32("index", b.index);
    r.str("filename", b.filename);
  }
  r.u64("size", b.size);
  r.bin_n("sha3_256", b.sha3_256, 32);
  r.bin("signature", b.signature);
}
void get(MapReader& r, UploadReady& b) {
  r.u64("upload_id", b.upload_id);
  r.u64("offset", b.offset);
  r.u32("chunk_size", b.chunk_size);
  r.u32("credits", b.credits);
}
void get(MapReader& r, UploadChunk& b) {
  r.u64("upload_id", b.upload_id);
  r.u64("offset", b.offset);
}
void get(MapReader& r, UploadCredit& b) {
  r.u64("upload_id", b.upload_id);
  r.u64("acked", b.acked);
  r.u32("credits", b.credits);
}
void get(MapReader& r, UploadEnd& b) {
  r.u64("upload_id", b.upload_id);
}
void get(MapReader& r, UploadAbort& b) {
  r.u64("upload_id", b.upload_id);
}
void get(MapReader&, ResultChallenge&) {}
void get(MapReader& r, Challenge& b) {
  r.bin_n("challenge", b.challenge, 32);
}
void get(MapReader& r, ResultGet& b) {
  r.str("consumer_key", b.consumer_key);
  r.bin("signature", b.signature);
}
void get(MapReader& r, ResultReady& b) {
  r.u64("stream_id", b.stream_id);
  r.u64("size", b.size);
  r.bin_n("sha3_256", b.sha3_256, 32);
}
void get(MapReader& r, ResultCredit& b) {
  r.u64("stream_id", b.stream_id);
  r.u32("credits", b.credits);
}
void get(MapReader& r, ResultChunk& b) {
  r.u64("stream_id", b.stream_id);
  r.u64("offset", b.offset);
}
void get(MapReader& r, ResultEnd& b) {
  r.u64("stream_id", b.stream_id);
  r.u64("size", b.size);
  r.bin_n("sha3_256", b.sha3_256, 32);
}
void get(MapReader& r, ResultAck& b) {
  r.u64("stream_id", b.stream_id);
}
void get(MapReader& r, AttestationGet& b) {
  r.str("type", b.type);
  one_of(r, "type", b.type, {"snp", "vtpm", "snp-vtpm"});
  r.bin("tee_nonce", b.tee_nonce, false);
  r.bin("vtpm_nonce", b.vtpm_nonce, false);
  r.boolean("bind_bus_key", b.bind_bus_key, false);
  if (!r.ok()) return;
  if (b.tee_nonce.size() > 64) {
    r.fail_error(
        make_error(std::string(err::kBadNonce), "field 'tee_nonce': longer than 64 bytes"));
  } else if (b.vtpm_nonce.size() > 32) {
    r.fail_error(
        make_error(std::string(err::kBadNonce), "field 'vtpm_nonce': longer than 32 bytes"));
  }
}
void get(MapReader& r, Evidence& b) {
  r.str("platform", b.platform);
  one_of(r, "platform", b.platform, {"snp", "vtpm", "snp-vtpm"});
  r.boolean("simulated", b.simulated);
  r.bin_n("tee_nonce", b.tee_nonce, 64);
  r.bin_n("vtpm_nonce", b.vtpm_nonce, 32);
  r.opt_bin("snp_report", b.snp_report);
  r.bin_map("certs", b.certs, false);
  r.opt_bin("ak_public", b.ak_public);
  if (r.find("quotes")) {
    std::vector<Quote> qs;
    r.array("quotes", [&](const msgpack::object& o, const std::string& p) -> Status {
      auto qr = MapReader::open(o, p + ".");
      if (!qr) return qr.take_error();
      Quote q;
      qr->str("hash_alg", q.hash_alg);
      one_of(*qr, "hash_alg", q.hash_alg, {"sha1", "sha256", "sha384", "sha512"});
      qr->bin("attest", q.attest);
      qr->bin("signature", q.signature);
      if (const msgpack::object* m = qr->get("pcrs", msgpack::type::MAP, "map", true)) {
        for (std::uint32_t i = 0; i < m->via.map.size; ++i) {
          const auto& kv = m->via.map.ptr[i];
          if (kv.key.type != msgpack::type::POSITIVE_INTEGER || kv.key.via.u64 > 23 ||
              kv.val.type != msgpack::type::BIN) {
            qr->fail("pcrs", "expected map of PCR index (0..23) to bin");
            break;
          }
          const auto* d = reinterpret_cast<const std::uint8_t*>(kv.val.via.bin.ptr);
          if (!q.pcrs
                   .emplace(static_cast<std::uint32_t>(kv.key.via.u64),
                            Bytes(d, d + kv.val.via.bin.size))
                   .second) {
            qr->fail("pcrs", "duplicate PCR index " + std::to_string(kv.key.via.u64));
            break;
          }
        }
      }
      if (!qr->ok()) return qr->error();
      qs.push_back(std::move(q));
      return ok_status();
    });
    if (r.ok()) b.quotes = std::move(qs);
  }
  if (r.find("bus_key")) {
    Bytes k;
    r.bin_n("bus_key", k, 32);
    if (r.ok()) b.bus_key = std::move(k);
  }
  r.str("binding", b.binding);
  one_of(r, "binding", b.binding,
         {"none", "sha3-512(tee_nonce|ak_public)", "sha3-512(tee_nonce|ak_public|bus_key)",
          "sha3-512(tee_nonce|bus_key)", "sha3-256(vtpm_nonce|bus_key)"});
  r.opt_bin("event_log", b.event_log);
}
void get(MapReader& r, ComputationStop& b) {
  r.str("reason", b.reason, false);
}
void get(MapReader& r, EventsSince& b) {
  r.u64("seq", b.seq);
  r.u32("max", b.max, false);
}
void get(MapReader& r, Event& b) {
  r.u64("seq", b.seq);
  r.str("state", b.state);
  r.str("status", b.status);
  r.str("computation_id", b.computation_id);
  r.u64("timestamp_ms", b.timestamp_ms);
  r.str_map("details", b.details, false);
}
void get(MapReader& r, Events& b) {
  r.array("events", [&](const msgpack::object& o, const std::string& p) -> Status {
    auto er = MapReader::open(o, p + ".");
    if (!er) return er.take_error();
    Event e;
    get(*er, e);
    if (!er->ok()) return er->error();
    b.events.push_back(std::move(e));
    return ok_status();
  });
  r.boolean("more", b.more);
}
void get(MapReader& r, EventAck& b) {
  r.u64("seq", b.seq);
}
void get(MapReader& r, Log& b) {
  r.str("computation_id", b.computation_id);
  r.str("stream", b.stream);
  one_of(r, "stream", b.stream, {"stdout", "stderr", "agent"});
  r.str("line", b.line);
  r.u64("dropped", b.dropped, false);
}
void get(MapReader& r, Ok& b) {
  r.opt_str("item", b.item);
  r.opt_u64("bytes", b.bytes);
}
void get(MapReader& r, ErrorBody& b) {
  r.str("code", b.code);
  r.str("message", b.message);
  r.opt_str("state", b.state);
}

template <class T>
Result<Body> decode_as(const msgpack::object& o) {
  auto r = MapReader::open(o, "");
  if (!r) return r.take_error();
  T b;
  get(*r, b);
  if (!r->ok()) return r->error();
  return Body(std::move(b));
}

using DecodeFn = Result<Body> (*)(const msgpack::object&);

template <std::size_t... I>
constexpr std::array<DecodeFn, sizeof...(I)> make_decoders(std::index_sequence<I...>) {
  return {&decode_as<std::variant_alternative_t<I, Body>>...};
}

constexpr auto kDecoders = make_decoders(std::make_index_sequence<std::variant_size_v<Body>>());

}  // namespace

std::string encode_body_bytes(const Body& b) {
  MapWriter w;
  std::visit([&](const auto& v) { put(w, v); }, b);
  return w.finish();
}

Result<Body> decode_body_object(MessageType t, const msgpack::object& o) {
  return kDecoders[static_cast<std::size_t>(t)](o);
}

}  // namespace cocos::messages::detail
