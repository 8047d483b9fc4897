// Manifest JSON: accepted spellings (cocos and ours), every validation rule, the msgpack form,
// and the pinned canonical bytes and digest the agent measures.
#include "cocos/messages/manifest.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cocos/common/encoding.h"
#include "samples.h"

namespace cocos::messages {
namespace {

using nlohmann::json;
using testing::kKeyA;
using testing::kKeyBBase64;

json base_json() {
  return json{
      {"id", "comp-1"},
      {"name", "sum"},
      {"description", "adds numbers"},
      {"datasets",
       json::array({{{"hash", std::string(64, 'a')}, {"userKey", kKeyA}, {"filename", "a.csv"}}})},
      {"algorithm",
       {{"hash", to_base64(Bytes(32, 0xBB))},
        {"userKey", kKeyBBase64},
        {"algo_type", "python"},
        {"algo_args", json::array({"--n", "3"})}}},
      {"result_consumers", json::array({{{"userKey", kKeyBBase64}}})},
  };
}

Result<Manifest> parse(const json& j) {
  return parse_manifest_json(j.dump());
}

void expect_bad(const json& j, std::string_view part, std::string_view code = "bad_manifest") {
  auto r = parse(j);
  ASSERT_FALSE(r.ok()) << j.dump();
  EXPECT_EQ(r.error().code, code) << r.error().message;
  EXPECT_NE(r.error().message.find(part), std::string::npos) << r.error().message;
}

TEST(ManifestJson, AcceptsBaseline) {
  auto r = parse(base_json());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->id, "comp-1");
  ASSERT_EQ(r->datasets.size(), 1u);
  EXPECT_EQ(r->datasets[0].hash, Bytes(32, 0xAA));
  EXPECT_EQ(r->datasets[0].user_key_der, testing::der_of(kKeyA));
  EXPECT_EQ(r->algorithm.hash, Bytes(32, 0xBB));
  EXPECT_EQ(r->algorithm.algo_args, (std::vector<std::string>{"--n", "3"}));
  EXPECT_EQ(r->consume_policy, "all");
  EXPECT_FALSE(r->network);
  EXPECT_FALSE(r->timeout_s.has_value());
}

TEST(ManifestJson, AcceptsCocosInternalSpellings) {
  json j = base_json();
  json arr = json::array();
  for (int i = 0; i < 32; ++i) arr.push_back(i);
  j["datasets"][0].erase("userKey");
  j["datasets"][0]["user_key"] = kKeyBBase64;
  j["datasets"][0]["hash"] = arr;
  j["datasets"][0]["source"] = {{"type", ""}, {"url", ""}};  // unknown fields are ignored
  j["agent_config"] = {{"port", "7002"}};
  auto r = parse(j);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->datasets[0].hash[31], 31);
  EXPECT_EQ(r->datasets[0].user_key_der, testing::der_of(kKeyBBase64));
}

TEST(ManifestJson, AcceptsOurAdditions) {
  json j = base_json();
  j["consume_policy"] = "first";
  j["timeout_s"] = 30;
  j["network"] = true;
  j["algorithm"]["requirements_hash"] = std::string(64, 'F');
  auto r = parse(j);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->consume_policy, "first");
  EXPECT_EQ(r->timeout_s, 30u);
  EXPECT_TRUE(r->network);
  EXPECT_EQ(r->algorithm.requirements_hash, Bytes(32, 0xFF));
}

TEST(ManifestJson, DatasetsMayBeAbsent) {
  json j = base_json();
  j.erase("datasets");
  ASSERT_TRUE(parse(j).ok());
}

TEST(ManifestJson, Rejections) {
  {
    json j = base_json();
    j["datasets"][0]["hash"] = std::string(62, 'a');
    expect_bad(j, "datasets[0].hash");
  }
  {
    json j = base_json();
    j["algorithm"]["hash"] = to_base64(Bytes(31, 1));
    expect_bad(j, "expected 32-byte");
  }
  {
    json j = base_json();
    j["datasets"][0]["userKey"] = "not a key";
    expect_bad(j, "datasets[0].userKey");
  }
  {
    json j = base_json();
    j["datasets"].push_back(j["datasets"][0]);
    expect_bad(j, "duplicate 'a.csv'");
  }
  for (const char* fname : {"", "..", ".", "a/b", "..\\x", "x/../y"}) {
    json j = base_json();
    j["datasets"][0]["filename"] = fname;
    expect_bad(j, "filename");
  }
  {
    json j = base_json();
    j["datasets"][0]["filename"] = std::string(256, 'n');
    expect_bad(j, "longer than 255");
  }
  {
    json j = base_json();
    j["result_consumers"] = json::array();
    expect_bad(j, "at least one");
  }
  {
    json j = base_json();
    j.erase("result_consumers");
    expect_bad(j, "result_consumers");
  }
  {
    json j = base_json();
    j["algorithm"]["algo_type"] = "java";
    expect_bad(j, "not one of bin, python, docker, wasm");
  }
  {
    json j = base_json();
    j.erase("algorithm");
    expect_bad(j, "field 'algorithm': missing");
  }
  for (const char* id : {"", "..", "a/b", "a b"}) {
    json j = base_json();
    j["id"] = id;
    expect_bad(j, "field 'id'");
  }
  {
    json j = base_json();
    j["consume_policy"] = "some";
    expect_bad(j, "consume_policy");
  }
  {
    json j = base_json();
    j["timeout_s"] = 0;
    expect_bad(j, "timeout_s");
  }
  {
    json j = base_json();
    j["timeout_s"] = "10";
    expect_bad(j, "timeout_s");
  }
  {
    json j = base_json();
    j["network"] = 1;
    expect_bad(j, "network");
  }
  {
    json j = base_json();
    j["algorithm"]["algo_args"] = json::array({1});
    expect_bad(j, "algo_args");
  }
  expect_bad(json::array(), "expected a JSON object");
}

TEST(ManifestJson, RejectsInvalidJsonTooLargeAndTooDeep) {
  auto r = parse_manifest_json("{\"id\": ");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_manifest");
  Limits lim;
  lim.max_manifest_json = 10;
  r = parse_manifest_json(base_json().dump(), lim);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "too_large");
  std::string deep = "{\"x\":" + std::string(100, '[') + std::string(100, ']') + "}";
  r = parse_manifest_json(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "too_large");
  // Brackets inside strings do not count.
  json j = base_json();
  j["description"] = std::string(100, '[');
  EXPECT_TRUE(parse(j).ok());
}

TEST(ManifestJson, RejectsInvalidUtf8) {
  std::string text = base_json().dump();
  auto pos = text.find("adds numbers");
  text[pos] = '\xff';
  auto r = parse_manifest_json(text);
  ASSERT_FALSE(r.ok());
}

TEST(ManifestJson, HumanJsonRoundTrips) {
  Manifest m = testing::sample_manifest();
  auto back = parse_manifest_json(manifest_to_json(m));
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(*back, m);
}

TEST(ManifestJson, LoadFromFile) {
  auto r = load_manifest_file("/nonexistent/manifest.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "io_error");
}

TEST(ManifestCanonical, BytesArePinned) {
  Manifest m = testing::sample_manifest();
  const std::string keyA = to_base64(testing::der_of(kKeyA));
  const std::string expected =
      std::string(
          "{\"algorithm\":{\"algo_args\":[\"--x\",\"1\"],\"algo_type\":\"python\",\"hash\":\"") +
      std::string(64, '3') + "\",\"requirements_hash\":\"" + std::string(64, '4') +
      "\",\"userKey\":\"" + keyA +
      "\"},\"consume_policy\":\"first\",\"datasets\":[{\"decompress\":false,"
      "\"filename\":\"a.csv\",\"hash\":\"" +
      std::string(64, '1') + "\",\"userKey\":\"" + keyA +
      "\"},{\"decompress\":true,\"filename\":\"b.csv.zip\",\"hash\":\"" + std::string(64, '2') +
      "\",\"userKey\":\"" + kKeyBBase64 +
      "\"}],\"description\":\"adds numbers\",\"id\":\"comp-1\","
      "\"name\":\"sum\",\"network\":false,\"result_consumers\":[{\"userKey\":\"" +
      kKeyBBase64 + "\"}],\"timeout_s\":600}";
  EXPECT_EQ(canonical_manifest_json(m), expected);
  EXPECT_EQ(manifest_digest(m, HashAlg::kSha3_256), digest(HashAlg::kSha3_256, expected));
  EXPECT_EQ(manifest_digest(m, HashAlg::kSha3_384).size(), 48u);
}

TEST(ManifestCanonical, IndependentOfInputSpelling) {
  json a = base_json();
  json b = base_json();
  b["datasets"][0]["hash"] = to_base64(Bytes(32, 0xAA));
  b["datasets"][0]["userKey"] = to_base64(testing::der_of(kKeyA));
  auto ma = parse(a), mb = parse(b);
  ASSERT_TRUE(ma.ok() && mb.ok());
  EXPECT_EQ(canonical_manifest_json(*ma), canonical_manifest_json(*mb));
  json c = base_json();
  c["datasets"][0]["filename"] = "other.csv";
  EXPECT_NE(canonical_manifest_json(*parse(c)), canonical_manifest_json(*ma));
}

TEST(ManifestValidate, DirectStructChecks) {
  Manifest m = testing::sample_manifest();
  EXPECT_TRUE(validate_manifest(m).ok());
  m.algorithm.user_key_der = {1, 2, 3};
  EXPECT_FALSE(validate_manifest(m).ok());
  m = testing::sample_manifest();
  m.datasets[0].filename = std::string("a\0b", 3);
  EXPECT_FALSE(validate_manifest(m).ok());
}

}  // namespace
}  // namespace cocos::messages
