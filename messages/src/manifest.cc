// Manifest: validation, JSON parsing (cocos spellings), human JSON, canonical JSON, digests.
#include "cocos/messages/manifest.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cocos/common/keys.h"
#include "cocos/messages/errors.h"

namespace cocos::messages {
namespace {

using nlohmann::json;

Error bad(std::string msg) {
  return make_error(std::string(err::kBadManifest), std::move(msg));
}

bool id_char_ok(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// Strict UTF-8 (no overlongs, no surrogates): canonical JSON must be a function of the manifest.
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

Status check_text(std::string_view s, const std::string& field) {
  if (!valid_utf8(s)) return bad("field '" + field + "': not valid UTF-8");
  return ok_status();
}

Status check_key(const Bytes& der, const std::string& field) {
  if (der.empty()) return bad("field '" + field + "': missing key");
  auto k =
      PublicKey::parse(std::string_view(reinterpret_cast<const char*>(der.data()), der.size()));
  if (!k) return bad("field '" + field + "': " + k.error().message);
  return ok_status();
}

Status check_hash(const Bytes& h, const std::string& field) {
  if (h.size() != 32) {
    return bad("field '" + field + "': expected 32-byte SHA3-256, got " + std::to_string(h.size()) +
               " bytes");
  }
  return ok_status();
}

// Rejects JSON nested deeper than max_depth before nlohmann builds it (bounded recursion).
Status check_json_depth(std::string_view s, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_str = false, esc = false;
  for (char c : s) {
    if (in_str) {
      if (esc) {
        esc = false;
      } else if (c == '\\') {
        esc = true;
      } else if (c == '"') {
        in_str = false;
      }
      continue;
    }
    if (c == '"') {
      in_str = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return make_error(std::string(err::kTooLarge),
                          "manifest JSON nests deeper than " + std::to_string(max_depth));
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return ok_status();
}

const json* member(const json& obj, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    auto it = obj.find(n);
    if (it != obj.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

Result<std::string> get_string(const json& obj, const char* name, const std::string& path,
                               bool required) {
  const json* v = member(obj, {name});
  if (!v) {
    if (required) return bad("field '" + path + name + "': missing");
    return std::string();
  }
  if (!v->is_string()) return bad("field '" + path + name + "': expected string");
  return v->get<std::string>();
}

Result<bool> get_bool(const json& obj, const char* name, const std::string& path) {
  const json* v = member(obj, {name});
  if (!v) return false;
  if (!v->is_boolean()) return bad("field '" + path + name + "': expected boolean");
  return v->get<bool>();
}

bool is_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

// Hash as 64 hex chars, base64 of 32 bytes, or an array of 32 integers 0..255.
Result<Bytes> parse_hash(const json& v, const std::string& field) {
  if (v.is_array()) {
    Bytes out;
    for (const auto& e : v) {
      if (!e.is_number_unsigned() || e.get<std::uint64_t>() > 255) {
        return bad("field '" + field + "': array elements must be integers 0..255");
      }
      out.push_back(static_cast<std::uint8_t>(e.get<std::uint64_t>()));
    }
    if (auto s = check_hash(out, field); !s) return s.take_error();
    return out;
  }
  if (!v.is_string()) return bad("field '" + field + "': expected hex or base64 string");
  const auto& s = v.get_ref<const std::string&>();
  Result<Bytes> b = (s.size() == 64 && is_hex(s)) ? from_hex(s) : from_base64(s);
  if (!b) return bad("field '" + field + "': not hex or base64 of 32 bytes");
  if (auto st = check_hash(*b, field); !st) return st.take_error();
  return std::move(*b);
}

Result<Bytes> parse_user_key(const json& obj, const std::string& path) {
  const json* v = member(obj, {"userKey", "user_key"});
  if (!v) return bad("field '" + path + "userKey': missing");
  if (!v->is_string()) return bad("field '" + path + "userKey': expected PEM or base64 DER string");
  auto k = PublicKey::parse(v->get_ref<const std::string&>());
  if (!k) return bad("field '" + path + "userKey': " + k.error().message);
  return k->to_der();
}

Result<Manifest> from_json(const json& j) {
  if (!j.is_object()) return bad("manifest: expected a JSON object");
  Manifest m;
  auto id = get_string(j, "id", "", true);
  if (!id) return id.take_error();
  m.id = *id;
  auto name = get_string(j, "name", "", false);
  if (!name) return name.take_error();
  m.name = *name;
  auto desc = get_string(j, "description", "", false);
  if (!desc) return desc.take_error();
  m.description = *desc;

  if (const json* ds = member(j, {"datasets"})) {
    if (!ds->is_array()) return bad("field 'datasets': expected array");
    for (std::size_t i = 0; i < ds->size(); ++i) {
      const json& d = (*ds)[i];
      std::string p = "datasets[" + std::to_string(i) + "].";
      if (!d.is_object()) return bad("field '" + p.substr(0, p.size() - 1) + "': expected object");
      ManifestDataset md;
      const json* h = member(d, {"hash"});
      if (!h) return bad("field '" + p + "hash': missing");
      auto hb = parse_hash(*h, p + "hash");
      if (!hb) return hb.take_error();
      md.hash = std::move(*hb);
      auto k = parse_user_key(d, p);
      if (!k) return k.take_error();
      md.user_key_der = std::move(*k);
      auto fn = get_string(d, "filename", p, true);
      if (!fn) return fn.take_error();
      md.filename = *fn;
      auto dc = get_bool(d, "decompress", p);
      if (!dc) return dc.take_error();
      md.decompress = *dc;
      m.datasets.push_back(std::move(md));
    }
  }

  const json* a = member(j, {"algorithm"});
  if (!a) return bad("field 'algorithm': missing");
  if (!a->is_object()) return bad("field 'algorithm': expected object");
  {
    const json* h = member(*a, {"hash"});
    if (!h) return bad("field 'algorithm.hash': missing");
    auto hb = parse_hash(*h, "algorithm.hash");
    if (!hb) return hb.take_error();
    m.algorithm.hash = std::move(*hb);
    auto k = parse_user_key(*a, "algorithm.");
    if (!k) return k.take_error();
    m.algorithm.user_key_der = std::move(*k);
    auto t = get_string(*a, "algo_type", "algorithm.", true);
    if (!t) return t.take_error();
    m.algorithm.algo_type = *t;
    if (const json* args = member(*a, {"algo_args"})) {
      if (!args->is_array()) return bad("field 'algorithm.algo_args': expected array of strings");
      for (const auto& s : *args) {
        if (!s.is_string()) return bad("field 'algorithm.algo_args': expected array of strings");
        m.algorithm.algo_args.push_back(s.get<std::string>());
      }
    }
    if (const json* rh = member(*a, {"requirements_hash"})) {
      auto r = parse_hash(*rh, "algorithm.requirements_hash");
      if (!r) return r.take_error();
      m.algorithm.requirements_hash = std::move(*r);
    }
  }

  const json* rc = member(j, {"result_consumers"});
  if (!rc) return bad("field 'result_consumers': missing");
  if (!rc->is_array()) return bad("field 'result_consumers': expected array");
  for (std::size_t i = 0; i < rc->size(); ++i) {
    const json& c = (*rc)[i];
    std::string p = "result_consumers[" + std::to_string(i) + "].";
    if (!c.is_object()) return bad("field '" + p.substr(0, p.size() - 1) + "': expected object");
    auto k = parse_user_key(c, p);
    if (!k) return k.take_error();
    m.result_consumers.push_back({std::move(*k)});
  }

  auto cp = get_string(j, "consume_policy", "", false);
  if (!cp) return cp.take_error();
  if (!cp->empty()) m.consume_policy = *cp;
  if (const json* t = member(j, {"timeout_s"})) {
    if (!t->is_number_unsigned()) return bad("field 'timeout_s': expected unsigned integer");
    m.timeout_s = t->get<std::uint64_t>();
  }
  auto net = get_bool(j, "network", "");
  if (!net) return net.take_error();
  m.network = *net;

  if (auto s = validate_manifest(m); !s) return s.take_error();
  return m;
}

json key_json_b64(const Bytes& der) {
  return to_base64(der);
}

}  // namespace

Status validate_manifest(const Manifest& m) {
  if (m.id.empty()) return bad("field 'id': empty");
  if (m.id.size() > kMaxComputationIdLength) return bad("field 'id': longer than 128 characters");
  if (m.id == "." || m.id == "..") return bad("field 'id': '.' and '..' are not allowed");
  for (char c : m.id) {
    if (!id_char_ok(c)) return bad("field 'id': only A-Z a-z 0-9 . _ - are allowed");
  }
  if (auto s = check_text(m.name, "name"); !s) return s;
  if (auto s = check_text(m.description, "description"); !s) return s;
  for (const auto& a : m.algorithm.algo_args) {
    if (auto s = check_text(a, "algorithm.algo_args"); !s) return s;
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < m.datasets.size(); ++i) {
    const auto& d = m.datasets[i];
    std::string p = "datasets[" + std::to_string(i) + "].";
    if (auto s = check_hash(d.hash, p + "hash"); !s) return s;
    if (auto s = check_key(d.user_key_der, p + "userKey"); !s) return s;
    const auto& f = d.filename;
    if (f.empty()) return bad("field '" + p + "filename': empty");
    if (f.size() > kMaxFilenameLength)
      return bad("field '" + p + "filename': longer than 255 bytes");
    if (f == "." || f == "..")
      return bad("field '" + p + "filename': '.' and '..' are not allowed");
    if (f.find('/') != std::string::npos || f.find('\\') != std::string::npos ||
        f.find('\0') != std::string::npos) {
      return bad("field '" + p + "filename': must not contain '/', '\\' or NUL");
    }
    if (auto s = check_text(f, p + "filename"); !s) return s;
    if (!names.insert(f).second) return bad("field '" + p + "filename': duplicate '" + f + "'");
  }
  if (auto s = check_hash(m.algorithm.hash, "algorithm.hash"); !s) return s;
  if (auto s = check_key(m.algorithm.user_key_der, "algorithm.userKey"); !s) return s;
  const auto& t = m.algorithm.algo_type;
  if (t != "bin" && t != "python" && t != "docker" && t != "wasm") {
    return bad("field 'algorithm.algo_type': '" + t + "' is not one of bin, python, docker, wasm");
  }
  if (m.algorithm.requirements_hash) {
    if (auto s = check_hash(*m.algorithm.requirements_hash, "algorithm.requirements_hash"); !s) {
      return s;
    }
  }
  if (m.result_consumers.empty()) return bad("field 'result_consumers': at least one is required");
  for (std::size_t i = 0; i < m.result_consumers.size(); ++i) {
    if (auto s = check_key(m.result_consumers[i].user_key_der,
                           "result_consumers[" + std::to_string(i) + "].userKey");
        !s) {
      return s;
    }
  }
  if (m.consume_policy != "all" && m.consume_policy != "first") {
    return bad("field 'consume_policy': must be 'all' or 'first'");
  }
  if (m.timeout_s && *m.timeout_s == 0) return bad("field 'timeout_s': must be > 0");
  return ok_status();
}

Result<Manifest> parse_manifest_json(std::string_view text, const Limits& limits) {
  if (text.size() > limits.max_manifest_json) {
    return make_error(
        std::string(err::kTooLarge),
        "manifest JSON larger than " + std::to_string(limits.max_manifest_json) + " bytes");
  }
  if (auto s = check_json_depth(text, limits.max_depth); !s) return s.take_error();
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return bad("manifest: not valid JSON");
  try {
    return from_json(j);
  } catch (const std::exception& e) {  // nlohmann type errors; from_json checks types first
    return bad(std::string("manifest: ") + e.what());
  }
}

Result<Manifest> load_manifest_file(const std::string& path, const Limits& limits) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("io_error", "cannot open manifest '" + path + "'");
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > limits.max_manifest_json) {
      return make_error(std::string(err::kTooLarge), "manifest file '" + path + "' is too large");
    }
  }
  return parse_manifest_json(text, limits);
}

static json to_json_common(const Manifest& m, bool pem) {
  auto key = [pem](const Bytes& der) -> json {
    if (!pem) return key_json_b64(der);
    auto k =
        PublicKey::parse(std::string_view(reinterpret_cast<const char*>(der.data()), der.size()));
    return k ? json(k->to_pem()) : key_json_b64(der);
  };
  json j = json::object();
  j["id"] = m.id;
  j["name"] = m.name;
  j["description"] = m.description;
  j["datasets"] = json::array();
  for (const auto& d : m.datasets) {
    j["datasets"].push_back({{"hash", to_hex(d.hash)},
                             {"userKey", key(d.user_key_der)},
                             {"filename", d.filename},
                             {"decompress", d.decompress}});
  }
  json a = {{"hash", to_hex(m.algorithm.hash)},
            {"userKey", key(m.algorithm.user_key_der)},
            {"algo_type", m.algorithm.algo_type},
            {"algo_args", m.algorithm.algo_args}};
  if (m.algorithm.requirements_hash)
    a["requirements_hash"] = to_hex(*m.algorithm.requirements_hash);
  j["algorithm"] = std::move(a);
  j["result_consumers"] = json::array();
  for (const auto& c : m.result_consumers)
    j["result_consumers"].push_back({{"userKey", key(c.user_key_der)}});
  j["consume_policy"] = m.consume_policy;
  if (m.timeout_s) j["timeout_s"] = *m.timeout_s;
  j["network"] = m.network;
  return j;
}

std::string manifest_to_json(const Manifest& m) {
  return to_json_common(m, true).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string canonical_manifest_json(const Manifest& m) {
  // nlohmann::json objects are std::map-backed: keys come out sorted by byte value. dump() with
  // no indent emits no whitespace; strict error handler: our strings are validated UTF-8 or not,
  // so replace invalid sequences deterministically instead of throwing.
  return to_json_common(m, false).dump(-1, ' ', false, json::error_handler_t::replace);
}

Bytes manifest_digest(const Manifest& m, HashAlg alg) {
  return digest(alg, canonical_manifest_json(m));
}

}  // namespace cocos::messages
