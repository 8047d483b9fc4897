// Internal msgpack helpers: map writer, strict map reader, bounded unpacking.
#include "msgpack_io.h"

#include <algorithm>
#include <limits>

#include "cocos/messages/errors.h"

namespace cocos::messages::detail {

void MapWriter::key(std::string_view k) {
  pk_.pack_str(static_cast<std::uint32_t>(k.size()));
  pk_.pack_str_body(k.data(), static_cast<std::uint32_t>(k.size()));
  ++n_;
}

void MapWriter::str(std::string_view k, std::string_view v) {
  key(k);
  pk_.pack_str(static_cast<std::uint32_t>(v.size()));
  pk_.pack_str_body(v.data(), static_cast<std::uint32_t>(v.size()));
}

void MapWriter::u64(std::string_view k, std::uint64_t v) {
  key(k);
  pk_.pack_uint64(v);
}

void MapWriter::boolean(std::string_view k, bool v) {
  key(k);
  if (v) {
    pk_.pack_true();
  } else {
    pk_.pack_false();
  }
}

void MapWriter::bin(std::string_view k, std::span<const std::uint8_t> v) {
  key(k);
  pk_.pack_bin(static_cast<std::uint32_t>(v.size()));
  pk_.pack_bin_body(reinterpret_cast<const char*>(v.data()), static_cast<std::uint32_t>(v.size()));
}

void MapWriter::str_array(std::string_view k, const std::vector<std::string>& v) {
  key(k);
  pk_.pack_array(static_cast<std::uint32_t>(v.size()));
  for (const auto& s : v) {
    pk_.pack_str(static_cast<std::uint32_t>(s.size()));
    pk_.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
  }
}

void MapWriter::str_map(std::string_view k, const std::map<std::string, std::string>& v) {
  key(k);
  pk_.pack_map(static_cast<std::uint32_t>(v.size()));
  for (const auto& [a, b] : v) {
    pk_.pack_str(static_cast<std::uint32_t>(a.size()));
    pk_.pack_str_body(a.data(), static_cast<std::uint32_t>(a.size()));
    pk_.pack_str(static_cast<std::uint32_t>(b.size()));
    pk_.pack_str_body(b.data(), static_cast<std::uint32_t>(b.size()));
  }
}

void MapWriter::bin_map(std::string_view k, const std::map<std::string, Bytes>& v) {
  key(k);
  pk_.pack_map(static_cast<std::uint32_t>(v.size()));
  for (const auto& [a, b] : v) {
    pk_.pack_str(static_cast<std::uint32_t>(a.size()));
    pk_.pack_str_body(a.data(), static_cast<std::uint32_t>(a.size()));
    pk_.pack_bin(static_cast<std::uint32_t>(b.size()));
    pk_.pack_bin_body(reinterpret_cast<const char*>(b.data()),
                      static_cast<std::uint32_t>(b.size()));
  }
}

void MapWriter::packed(std::string_view k, std::string_view msgpack_bytes) {
  key(k);
  buf_.append(msgpack_bytes);
}

std::string MapWriter::finish() const {
  std::string out;
  StringSink s{&out};
  msgpack::packer<StringSink> pk(s);
  pk.pack_map(n_);
  out += buf_;
  return out;
}

std::string pack_array(const std::vector<std::string>& packed_elems) {
  std::string out;
  StringSink s{&out};
  msgpack::packer<StringSink> pk(s);
  pk.pack_array(static_cast<std::uint32_t>(packed_elems.size()));
  for (const auto& e : packed_elems) out += e;
  return out;
}

std::string_view type_name(const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::NIL:
      return "nil";
    case msgpack::type::BOOLEAN:
      return "bool";
    case msgpack::type::POSITIVE_INTEGER:
      return "uint";
    case msgpack::type::NEGATIVE_INTEGER:
      return "int";
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      return "float";
    case msgpack::type::STR:
      return "str";
    case msgpack::type::BIN:
      return "bin";
    case msgpack::type::ARRAY:
      return "array";
    case msgpack::type::MAP:
      return "map";
    case msgpack::type::EXT:
      return "ext";
  }
  return "unknown";
}

static std::string_view as_sv(const msgpack::object& o) {
  return {o.via.str.ptr, o.via.str.size};
}

Result<MapReader> MapReader::open(const msgpack::object& o, std::string path) {
  std::string where =
      path.empty() ? std::string("top level") : "field '" + path.substr(0, path.size() - 1) + "'";
  if (o.type != msgpack::type::MAP) {
    return make_error(std::string(err::kBadMessage),
                      where + ": expected map, got " + std::string(type_name(o)));
  }
  std::vector<std::string_view> keys;
  keys.reserve(o.via.map.size);
  for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
    const auto& k = o.via.map.ptr[i].key;
    if (k.type != msgpack::type::STR) {
      return make_error(std::string(err::kBadMessage),
                        where + ": map key is " + std::string(type_name(k)) + ", expected str");
    }
    keys.push_back(as_sv(k));
  }
  std::sort(keys.begin(), keys.end());
  auto dup = std::adjacent_find(keys.begin(), keys.end());
  if (dup != keys.end()) {
    return make_error(std::string(err::kBadMessage),
                      where + ": duplicate key '" + std::string(*dup) + "'");
  }
  return MapReader(o, std::move(path));
}

const msgpack::object* MapReader::find(std::string_view key) const {
  for (std::uint32_t i = 0; i < map_->via.map.size; ++i) {
    if (as_sv(map_->via.map.ptr[i].key) == key) return &map_->via.map.ptr[i].val;
  }
  return nullptr;
}

void MapReader::fail(std::string_view key, std::string what) {
  if (!err_)
    err_ = make_error(std::string(err::kBadMessage), "field '" + field(key) + "': " + what);
}

const msgpack::object* MapReader::get(std::string_view k, msgpack::type::object_type t,
                                      std::string_view tname, bool required) {
  if (!ok()) return nullptr;
  const msgpack::object* o = find(k);
  if (!o) {
    if (required) fail(k, "missing");
    return nullptr;
  }
  if (o->type != t) {
    fail(k, "expected " + std::string(tname) + ", got " + std::string(type_name(*o)));
    return nullptr;
  }
  return o;
}

void MapReader::u64(std::string_view k, std::uint64_t& out, bool required) {
  if (auto* o = get(k, msgpack::type::POSITIVE_INTEGER, "uint", required)) out = o->via.u64;
}

void MapReader::u32(std::string_view k, std::uint32_t& out, bool required) {
  if (auto* o = get(k, msgpack::type::POSITIVE_INTEGER, "uint", required)) {
    if (o->via.u64 > std::numeric_limits<std::uint32_t>::max()) {
      fail(k, "value " + std::to_string(o->via.u64) + " out of range (max 4294967295)");
      return;
    }
    out = static_cast<std::uint32_t>(o->via.u64);
  }
}

void MapReader::boolean(std::string_view k, bool& out, bool required) {
  if (auto* o = get(k, msgpack::type::BOOLEAN, "bool", required)) out = o->via.boolean;
}

void MapReader::str(std::string_view k, std::string& out, bool required) {
  if (auto* o = get(k, msgpack::type::STR, "str", required)) out.assign(as_sv(*o));
}

void MapReader::bin(std::string_view k, Bytes& out, bool required) {
  if (auto* o = get(k, msgpack::type::BIN, "bin", required)) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(o->via.bin.ptr);
    out.assign(p, p + o->via.bin.size);
  }
}

void MapReader::bin_n(std::string_view k, Bytes& out, std::size_t n, bool required) {
  if (auto* o = get(k, msgpack::type::BIN, "bin", required)) {
    if (o->via.bin.size != n) {
      fail(k, "expected " + std::to_string(n) + " bytes, got " + std::to_string(o->via.bin.size));
      return;
    }
    const auto* p = reinterpret_cast<const std::uint8_t*>(o->via.bin.ptr);
    out.assign(p, p + o->via.bin.size);
  }
}

void MapReader::opt_str(std::string_view k, std::optional<std::string>& out) {
  std::string v;
  if (find(k)) {
    str(k, v, true);
    if (ok()) out = std::move(v);
  }
}

void MapReader::opt_u64(std::string_view k, std::optional<std::uint64_t>& out) {
  std::uint64_t v = 0;
  if (find(k)) {
    u64(k, v, true);
    if (ok()) out = v;
  }
}

void MapReader::opt_bin(std::string_view k, std::optional<Bytes>& out) {
  Bytes v;
  if (find(k)) {
    bin(k, v, true);
    if (ok()) out = std::move(v);
  }
}

void MapReader::str_array(std::string_view k, std::vector<std::string>& out, bool required) {
  if (auto* o = get(k, msgpack::type::ARRAY, "array", required)) {
    out.clear();
    for (std::uint32_t i = 0; i < o->via.array.size; ++i) {
      const auto& e = o->via.array.ptr[i];
      if (e.type != msgpack::type::STR) {
        fail(std::string(k) + "[" + std::to_string(i) + "]",
             "expected str, got " + std::string(type_name(e)));
        return;
      }
      out.emplace_back(as_sv(e));
    }
  }
}

void MapReader::str_map(std::string_view k, std::map<std::string, std::string>& out,
                        bool required) {
  if (auto* o = get(k, msgpack::type::MAP, "map", required)) {
    out.clear();
    for (std::uint32_t i = 0; i < o->via.map.size; ++i) {
      const auto& kv = o->via.map.ptr[i];
      if (kv.key.type != msgpack::type::STR || kv.val.type != msgpack::type::STR) {
        fail(k, "expected map of str to str");
        return;
      }
      if (!out.emplace(std::string(as_sv(kv.key)), std::string(as_sv(kv.val))).second) {
        fail(k, "duplicate key '" + std::string(as_sv(kv.key)) + "'");
        return;
      }
    }
  }
}

void MapReader::bin_map(std::string_view k, std::map<std::string, Bytes>& out, bool required) {
  if (auto* o = get(k, msgpack::type::MAP, "map", required)) {
    out.clear();
    for (std::uint32_t i = 0; i < o->via.map.size; ++i) {
      const auto& kv = o->via.map.ptr[i];
      if (kv.key.type != msgpack::type::STR || kv.val.type != msgpack::type::BIN) {
        fail(k, "expected map of str to bin");
        return;
      }
      const auto* p = reinterpret_cast<const std::uint8_t*>(kv.val.via.bin.ptr);
      if (!out.emplace(std::string(as_sv(kv.key)), Bytes(p, p + kv.val.via.bin.size)).second) {
        fail(k, "duplicate key '" + std::string(as_sv(kv.key)) + "'");
        return;
      }
    }
  }
}

Result<msgpack::object_handle> unpack_strict(std::span<const std::uint8_t> data,
                                             const Limits& limits, std::string_view what) {
  const std::string w(what);
  if (data.empty()) return make_error(std::string(err::kBadMessage), w + ": empty frame");
  // ext values are never valid on our wire: a tiny ext limit rejects them early.
  msgpack::unpack_limit lim(limits.max_array, limits.max_map, limits.max_string, limits.max_bin,
                            /*ext=*/1, limits.max_depth);
  std::size_t off = 0;
  msgpack::object_handle oh;
  try {
    oh = msgpack::unpack(reinterpret_cast<const char*>(data.data()), data.size(), off, nullptr,
                         nullptr, lim);
  } catch (const msgpack::array_size_overflow&) {
    return make_error(std::string(err::kTooLarge),
                      w + ": array longer than " + std::to_string(limits.max_array));
  } catch (const msgpack::map_size_overflow&) {
    return make_error(std::string(err::kTooLarge),
                      w + ": map larger than " + std::to_string(limits.max_map));
  } catch (const msgpack::str_size_overflow&) {
    return make_error(std::string(err::kTooLarge),
                      w + ": string longer than " + std::to_string(limits.max_string) + " bytes");
  } catch (const msgpack::bin_size_overflow&) {
    return make_error(std::string(err::kTooLarge),
                      w + ": binary longer than " + std::to_string(limits.max_bin) + " bytes");
  } catch (const msgpack::ext_size_overflow&) {
    return make_error(std::string(err::kBadMessage), w + ": ext values are not allowed");
  } catch (const msgpack::depth_size_overflow&) {
    return make_error(std::string(err::kTooLarge),
                      w + ": nesting deeper than " + std::to_string(limits.max_depth));
  } catch (const msgpack::insufficient_bytes&) {
    return make_error(std::string(err::kBadMessage), w + ": truncated msgpack");
  } catch (const std::exception& e) {
    return make_error(std::string(err::kBadMessage), w + ": malformed msgpack (" + e.what() + ")");
  }
  if (off != data.size()) {
    return make_error(std::string(err::kBadMessage), w + ": " + std::to_string(data.size() - off) +
                                                         " trailing bytes after the map");
  }
  return oh;
}

}  // namespace cocos::messages::detail
