// The manifest's msgpack form: same field names as the JSON; hashes are bin 32, keys bin DER
// (a str holding PEM or base64 DER is accepted on input too).
#include "manifest_msgpack.h"

#include "cocos/common/keys.h"
#include "cocos/messages/errors.h"
#include "msgpack_io.h"

namespace cocos::messages::detail {
namespace {

void read_key(MapReader& r, Bytes& out) {
  const msgpack::object* o = r.find("userKey");
  if (!o) {
    r.fail("userKey", "missing");
    return;
  }
  std::string_view text;
  if (o->type == msgpack::type::BIN) {
    text = {o->via.bin.ptr, o->via.bin.size};
  } else if (o->type == msgpack::type::STR) {
    text = {o->via.str.ptr, o->via.str.size};
  } else {
    r.fail("userKey", "expected bin or str, got " + std::string(type_name(*o)));
    return;
  }
  auto k = PublicKey::parse(text);
  if (!k) {
    r.fail_error(make_error(std::string(err::kBadManifest),
                            "field '" + r.field("userKey") + "': " + k.error().message));
    return;
  }
  out = k->to_der();
}

}  // namespace

std::string pack_manifest(const Manifest& m) {
  MapWriter w;
  w.str("id", m.id);
  w.str("name", m.name);
  w.str("description", m.description);
  std::vector<std::string> ds;
  for (const auto& d : m.datasets) {
    MapWriter dw;
    dw.bin("hash", d.hash);
    dw.bin("userKey", d.user_key_der);
    dw.str("filename", d.filename);
    dw.boolean("decompress", d.decompress);
    ds.push_back(dw.finish());
  }
  w.packed("datasets", pack_array(ds));
  MapWriter aw;
  aw.bin("hash", m.algorithm.hash);
  aw.bin("userKey", m.algorithm.user_key_der);
  aw.str("algo_type", m.algorithm.algo_type);
  aw.str_array("algo_args", m.algorithm.algo_args);
  if (m.algorithm.requirements_hash) aw.bin("requirements_hash", *m.algorithm.requirements_hash);
  w.packed("algorithm", aw.finish());
  std::vector<std::string> cs;
  for (const auto& c : m.result_consumers) {
    MapWriter cw;
    cw.bin("userKey", c.user_key_der);
    cs.push_back(cw.finish());
  }
  w.packed("result_consumers", pack_array(cs));
  w.str("consume_policy", m.consume_policy);
  if (m.timeout_s) w.u64("timeout_s", *m.timeout_s);
  w.boolean("network", m.network);
  return w.finish();
}

Result<Manifest> read_manifest(const msgpack::object& o, const std::string& path) {
  auto r = MapReader::open(o, path + ".");
  if (!r) return r.take_error();
  Manifest m;
  r->str("id", m.id);
  r->str("name", m.name, false);
  r->str("description", m.description, false);
  r->array(
      "datasets",
      [&](const msgpack::object& e, const std::string& p) -> Status {
        auto dr = MapReader::open(e, p + ".");
        if (!dr) return dr.take_error();
        ManifestDataset d;
        dr->bin_n("hash", d.hash, 32);
        if (dr->ok()) read_key(*dr, d.user_key_der);
        dr->str("filename", d.filename);
        dr->boolean("decompress", d.decompress, false);
        if (!dr->ok()) return dr->error();
        m.datasets.push_back(std::move(d));
        return ok_status();
      },
      false);
  if (const msgpack::object* a = r->get("algorithm", msgpack::type::MAP, "map", true)) {
    auto ar = MapReader::open(*a, r->field("algorithm") + ".");
    if (!ar) return ar.take_error();
    ar->bin_n("hash", m.algorithm.hash, 32);
    if (ar->ok()) read_key(*ar, m.algorithm.user_key_der);
    ar->str("algo_type", m.algorithm.algo_type);
    ar->str_array("algo_args", m.algorithm.algo_args, false);
    if (ar->find("requirements_hash")) {
      Bytes h;
      ar->bin_n("requirements_hash", h, 32);
      if (ar->ok()) m.algorithm.requirements_hash = std::move(h);
    }
    if (!ar->ok()) return ar->error();
  }
  r->array("result_consumers", [&](const msgpack::object& e, const std::string& p) -> Status {
    auto cr = MapReader::open(e, p + ".");
    if (!cr) return cr.take_error();
    ManifestConsumer c;
    read_key(*cr, c.user_key_der);
    if (!cr->ok()) return cr->error();
    m.result_consumers.push_back(std::move(c));
    return ok_status();
  });
  r->str("consume_policy", m.consume_policy, false);
  r->opt_u64("timeout_s", m.timeout_s);
  r->boolean("network", m.network, false);
  if (!r->ok()) return r->error();
  if (auto s = validate_manifest(m); !s) return s.take_error();
  return m;
}

}  // namespace cocos::messages::detail
