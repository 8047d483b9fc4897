// state.json encoding (see persisted_state.h). Written atomically by save_state.
#include "cocos/agent/core/persisted_state.h"

#include <nlohmann/json.hpp>

#include "cocos/agent/core/files.h"

namespace cocos::agent {
namespace {

nlohmann::json item_json(const ItemProgress& p) {
  return {{"received", p.received}, {"bytes", p.bytes}, {"stored_name", p.stored_name}};
}

ItemProgress item_from(const nlohmann::json& j) {
  ItemProgress p;
  p.received = j.at("received").get<bool>();
  p.bytes = j.at("bytes").get<std::uint64_t>();
  p.stored_name = j.at("stored_name").get<std::string>();
  return p;
}

}  // namespace

std::string PersistedState::to_json() const {
  nlohmann::json j;
  j["state"] = std::string(state_name(state));
  j["status"] = status;
  j["computation"] = spec ? spec->to_json() : nlohmann::json();
  j["algorithm"] = item_json(algorithm);
  j["requirements"] = item_json(requirements);
  j["datasets"] = nlohmann::json::array();
  for (const auto& d : datasets) j["datasets"].push_back(item_json(d));
  j["consumers_served"] = consumers_served;
  if (result) {
    j["result"] = {{"size", result->size}, {"sha3_256", to_hex(result->sha3)}};
  }
  j["failure"] = failure;
  j["run_token"] = run_token;
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<PersistedState> PersistedState::from_json(const std::string& text) {
  try {
    auto j = nlohmann::json::parse(text);
    PersistedState s;
    auto st = parse_state(j.at("state").get<std::string>());
    if (!st) return make_error("io_error", "state.json: " + st.error().message);
    s.state = *st;
    s.status = j.value("status", "ready");
    if (!j.at("computation").is_null()) {
      auto spec = ComputationSpec::from_json(j["computation"]);
      if (!spec) return make_error("io_error", "state.json: " + spec.error().message);
      s.spec = std::move(*spec);
    }
    s.algorithm = item_from(j.at("algorithm"));
    s.requirements = item_from(j.at("requirements"));
    for (const auto& d : j.at("datasets")) s.datasets.push_back(item_from(d));
    s.consumers_served = j.at("consumers_served").get<std::vector<bool>>();
    if (j.contains("result")) {
      ResultInfo r;
      r.size = j["result"].at("size").get<std::uint64_t>();
      auto h = from_hex(j["result"].at("sha3_256").get<std::string>());
      if (!h) return make_error("io_error", "state.json: bad result hash");
      r.sha3 = *h;
      s.result = r;
    }
    s.failure = j.value("failure", "");
    s.run_token = j.value("run_token", std::uint64_t{0});
    if (s.spec && (s.datasets.size() != s.spec->datasets.size() ||
                   s.consumers_served.size() != s.spec->consumers.size())) {
      return make_error("io_error", "state.json: item lists do not match the manifest");
    }
    return s;
  } catch (const nlohmann::json::exception& e) {
    return make_error("io_error", std::string("state.json: ") + e.what());
  }
}

Result<PersistedState> load_state(const std::string& path) {
  auto text = read_file(path);
  if (!text) {
    if (text.error().code == "not_found") return PersistedState{};
    return text.take_error();
  }
  return PersistedState::from_json(*text);
}

Status save_state(const std::string& path, const PersistedState& s) {
  return write_file_atomic(path, s.to_json());
}

}  // namespace cocos::agent
