// Manifest JSON <-> ComputationSpec, with the agent's validation rules.
#include "cocos/agent/core/computation_spec.h"

#include <nlohmann/json.hpp>

namespace cocos::agent {
namespace {

Error bad(const std::string& msg) {
  return make_error("bad_manifest", msg);
}

Result<Bytes> parse_hash(const nlohmann::json& j, const std::string& what) {
  if (!j.is_string()) return bad(what + ": hash must be a hex or base64 string");
  const std::string s = j.get<std::string>();
  Result<Bytes> b = s.size() == 64 ? from_hex(s) : from_base64(s);
  if (!b || b->size() != 32) return bad(what + ": hash is not a 32-byte SHA3-256 in hex or base64");
  return b;
}

Result<std::string> parse_key_field(const nlohmann::json& j, const std::string& what) {
  auto it = j.find("userKey");
  if (it == j.end()) it = j.find("user_key");
  if (it == j.end() || !it->is_string()) return bad(what + ": userKey missing");
  std::string key = it->get<std::string>();
  if (auto k = parse_declared_key(key, what); !k) return k.take_error();
  return key;
}

bool is_safe_id(const std::string& id) {
  if (id.empty() || id.size() > 128 || id == "." || id == "..") return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool is_plain_name(const std::string& name) {
  if (name.empty() || name.size() > 255 || name == "." || name == "..") return false;
  return name.find('/') == std::string::npos && name.find('\0') == std::string::npos;
}

Result<PublicKey> parse_declared_key(const std::string& text, const std::string& what) {
  auto k = PublicKey::parse(text);
  if (!k) return bad(what + ": userKey does not parse: " + k.error().message);
  return k;
}

Result<ComputationSpec> ComputationSpec::from_json(const nlohmann::json& j) {
  try {
    if (!j.is_object()) return bad("manifest must be an object");
    ComputationSpec s;
    if (!j.contains("id") || !j["id"].is_string()) return bad("id missing");
    s.id = j["id"].get<std::string>();
    if (!is_safe_id(s.id)) {
      return bad("id must be 1-128 characters of [A-Za-z0-9._-] (it names a directory)");
    }
    if (j.contains("name") && j["name"].is_string()) s.name = j["name"].get<std::string>();
    if (j.contains("description") && j["description"].is_string()) {
      s.description = j["description"].get<std::string>();
    }
    if (!j.contains("algorithm") || !j["algorithm"].is_object()) return bad("algorithm missing");
    const auto& a = j["algorithm"];
    auto ah = parse_hash(a.value("hash", nlohmann::json()), "algorithm");
    if (!ah) return ah.take_error();
    s.algorithm.sha3 = *ah;
    auto ak = parse_key_field(a, "algorithm");
    if (!ak) return ak.take_error();
    s.algorithm.user_key = *ak;
    if (a.contains("algo_type") && a["algo_type"].is_string()) {
      s.algorithm.type = a["algo_type"].get<std::string>();
      if (s.algorithm.type.empty()) s.algorithm.type = "bin";
    }
    if (s.algorithm.type != "bin" && s.algorithm.type != "python" && s.algorithm.type != "docker" &&
        s.algorithm.type != "wasm") {
      return bad("algorithm: algo_type must be bin, python, docker or wasm");
    }
    if (a.contains("algo_args")) {
      if (!a["algo_args"].is_array()) return bad("algorithm: algo_args must be a list");
      for (const auto& arg : a["algo_args"]) {
        if (!arg.is_string()) return bad("algorithm: algo_args must be strings");
        s.algorithm.args.push_back(arg.get<std::string>());
      }
    }
    if (a.contains("requirements_hash") && !a["requirements_hash"].is_null()) {
      auto rh = parse_hash(a["requirements_hash"], "algorithm requirements");
      if (!rh) return rh.take_error();
      s.algorithm.requirements_sha3 = *rh;
    }
    if (j.contains("datasets") && !j["datasets"].is_null()) {
      if (!j["datasets"].is_array()) return bad("datasets must be a list");
      std::size_t i = 0;
      for (const auto& d : j["datasets"]) {
        const std::string what = "dataset " + std::to_string(i);
        if (!d.is_object()) return bad(what + " must be an object");
        DatasetSpec ds;
        auto h = parse_hash(d.value("hash", nlohmann::json()), what);
        if (!h) return h.take_error();
        ds.sha3 = *h;
        auto k = parse_key_field(d, what);
        if (!k) return k.take_error();
        ds.user_key = *k;
        if (d.contains("filename") && d["filename"].is_string()) {
          ds.filename = d["filename"].get<std::string>();
          if (!ds.filename.empty() && !is_plain_name(ds.filename)) {
            return bad(what + ": filename must be a plain file name");
          }
        }
        if (d.contains("decompress") && d["decompress"].is_boolean()) {
          ds.decompress = d["decompress"].get<bool>();
        }
        s.datasets.push_back(std::move(ds));
        ++i;
      }
    }
    if (j.contains("result_consumers") && !j["result_consumers"].is_null()) {
      if (!j["result_consumers"].is_array()) return bad("result_consumers must be a list");
      std::size_t i = 0;
      for (const auto& c : j["result_consumers"]) {
        if (!c.is_object()) return bad("result consumer must be an object");
        auto k = parse_key_field(c, "result consumer " + std::to_string(i++));
        if (!k) return k.take_error();
        s.consumers.push_back({*k});
      }
    }
    if (j.contains("consume_policy") && !j["consume_policy"].is_null()) {
      const auto p = j["consume_policy"].get<std::string>();
      if (p != "all" && p != "first") return bad("consume_policy must be all or first");
      s.consume_all = p == "all";
    }
    if (j.contains("timeout_s") && !j["timeout_s"].is_null()) {
      const auto& t = j["timeout_s"];
      if (!t.is_number_integer() || t.get<std::int64_t>() <= 0) {
        return bad("timeout_s must be a positive integer");
      }
      s.timeout_s = j["timeout_s"].get<std::uint64_t>();
    }
    if (j.contains("network") && j["network"].is_boolean()) s.network = j["network"].get<bool>();
    return s;
  } catch (const nlohmann::json::exception& e) {
    return bad(std::string("manifest field has the wrong type: ") + e.what());
  }
}

nlohmann::json ComputationSpec::to_json() const {
  nlohmann::json j;
  j["id"] = id;
  j["name"] = name;
  j["description"] = description;
  nlohmann::json a = {{"hash", to_hex(algorithm.sha3)},
                      {"userKey", algorithm.user_key},
                      {"algo_type", algorithm.type},
                      {"algo_args", algorithm.args}};
  if (algorithm.requirements_sha3) a["requirements_hash"] = to_hex(*algorithm.requirements_sha3);
  j["algorithm"] = a;
  j["datasets"] = nlohmann::json::array();
  for (const auto& d : datasets) {
    j["datasets"].push_back({{"hash", to_hex(d.sha3)},
                             {"userKey", d.user_key},
                             {"filename", d.filename},
                             {"decompress", d.decompress}});
  }
  j["result_consumers"] = nlohmann::json::array();
  for (const auto& c : consumers) j["result_consumers"].push_back({{"userKey", c.user_key}});
  j["consume_policy"] = consume_all ? "all" : "first";
  if (timeout_s) j["timeout_s"] = *timeout_s;
  j["network"] = network;
  return j;
}

}  // namespace cocos::agent
