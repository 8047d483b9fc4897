// Hostile input at every point of the protocol: the real cocos-agent program is driven through
// its states (receivingManifest, receivingAlgorithm, receivingData with an upload open,
// resultsReady) and in each one every request type (and the two manager->agent notices) is sent
// malformed in many ways: not msgpack, truncated, trailing bytes, not a map, each field of the
// body with a wrong type or missing, deeply nested, oversize, bad header, wrong frame count.
// Each must get an `error` reply carrying the message's id (0 when the header was unreadable),
// the agent state (state.get) must be exactly what it was, and the next valid request must work.
// Also: semantic manifest attacks (path traversal, bad keys, ...) and upload signature replay.
#include <gtest/gtest.h>
#include <msgpack.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <functional>

#include "../agent/bus_harness.h"  // AgentProcess, Party, TempDir
#include "cocos/messages/manifest.h"
#include "raw_manager.h"

namespace cocos::reliability {
namespace {

using agent::testing::AgentProcess;
using agent::testing::Party;
using agent::testing::read_text;
using agent::testing::TempDir;
using T = m::MessageType;

// One hostile message: its frames, the id an error reply must carry, and, when the protocol
// names one, the error code it must get.
struct Hostile {
  std::string what;
  std::vector<std::string> frames;
  std::uint64_t reply_id;
  std::string code;  // "" = any error code
};

std::string pack(const msgpack::object& o) {
  msgpack::sbuffer b;
  msgpack::pack(b, o);
  return {b.data(), b.size()};
}

// Every variant of `body` (a valid encoded map) with one field given a wrong type, one field
// set to a negative integer where it was an unsigned one, and (for `required`) one field
// missing. Recurses one level into nested maps (the manifest) so its fields are attacked too.
void field_mutations(msgpack::object& root, msgpack::object& map, const std::string& path,
                     const std::vector<std::string>& required, int depth,
                     std::vector<std::pair<std::string, std::string>>& out) {
  if (map.type != msgpack::type::MAP) return;
  for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
    auto& kv = map.via.map.ptr[i];
    const std::string key(kv.key.via.str.ptr, kv.key.via.str.size);
    const std::string p = path + key;
    const msgpack::object saved = kv.val;
    msgpack::object wrong;
    if (saved.type == msgpack::type::STR) {
      wrong = msgpack::object(std::uint64_t{7});
    } else {
      wrong.type = msgpack::type::STR;
      wrong.via.str.ptr = "wrong";
      wrong.via.str.size = 5;
    }
    kv.val = wrong;
    out.emplace_back(p + ": wrong type", pack(root));
    if (saved.type == msgpack::type::POSITIVE_INTEGER) {
      kv.val = msgpack::object(std::int64_t{-1});
      out.emplace_back(p + ": negative", pack(root));
    }
    msgpack::object nil;  // nil is never valid where a field is expected
    kv.val = nil;
    out.emplace_back(p + ": nil", pack(root));
    kv.val = msgpack::object(1.5);
    out.emplace_back(p + ": float", pack(root));
    kv.val = saved;
    if (std::find(required.begin(), required.end(), p) != required.end()) {
      // Missing: point the map at a copy without entry i, pack, point it back.
      std::vector<msgpack::object_kv> rest;
      for (std::uint32_t j = 0; j < map.via.map.size; ++j) {
        if (j != i) rest.push_back(map.via.map.ptr[j]);
      }
      auto* ptr = map.via.map.ptr;
      const auto size = map.via.map.size;
      map.via.map.ptr = rest.data();
      map.via.map.size = static_cast<std::uint32_t>(rest.size());
      out.emplace_back(p + ": missing", pack(root));
      map.via.map.ptr = ptr;
      map.via.map.size = size;
    }
    if (depth > 0 && saved.type == msgpack::type::MAP) {
      field_mutations(root, kv.val, p + ".", required, depth - 1, out);
    }
  }
}


std::string be32(std::uint32_t n) {
  return {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
          static_cast<char>(n)};
}

// A msgpack str object over a string literal (no zone needed: the literal outlives it).
msgpack::object str_object(const char* lit) {
  msgpack::object o;
  o.type = msgpack::type::STR;
  o.via.str.ptr = lit;
  o.via.str.size = static_cast<std::uint32_t>(std::strlen(lit));
  return o;
}

// A header map built by hand (so that it can be wrong).
std::string header_with(const msgpack::object& v, const std::string& type, const msgpack::object& id,
                        const std::string& cid) {
  msgpack::sbuffer b;
  msgpack::packer<msgpack::sbuffer> pk(b);
  pk.pack_map(4);
  pk.pack("v");
  pk.pack(v);
  pk.pack("type");
  pk.pack(type);
  pk.pack("id");
  pk.pack(id);
  pk.pack("cid");
  pk.pack(cid);
  return {b.data(), b.size()};
}

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '\n' ? std::string("\\n") : std::string(1, c);
  return out + "\"";
}

class HostileInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(agent.start({"--agent-id", mgr.agent_id, "--manager", mgr.endpoint(), "--work-dir",
                             dir.path() + "/work", "--log-level", "warn", "--heartbeat", "1",
                             "--snp-mode", "off", "--chunk-size", "4096", "--upload-credits", "4",
                             "--default-timeout", "30"},
                            dir.path() + "/agent.log"));
    ASSERT_TRUE(mgr.wait_for([&] { return mgr.hellos > 0; })) << "no hello";
  }
  void TearDown() override {
    agent.kill(SIGKILL);
    if (HasFailure()) {
      std::fprintf(stderr, "--- agent log ---\n%s\n", read_text(dir.path() + "/agent.log").c_str());
    }
  }

  // Manifest with the given algorithm, datasets and keys (one key per dataset).
  m::Manifest manifest(const std::string& id, const std::string& algo, const Party& algo_key,
                       const std::vector<std::string>& data, const std::vector<const Party*>& keys) {
    std::string j = "{\"id\":\"" + id + "\",\"name\":\"hostile\",\"algorithm\":{\"hash\":\"" +
                    to_hex(digest(HashAlg::kSha3_256, algo)) +
                    "\",\"userKey\":" + json_quote(algo_key.pem) +
                    ",\"algo_type\":\"bin\"},\"datasets\":[";
    for (std::size_t i = 0; i < data.size(); ++i) {
      j += (i ? "," : "") + std::string("{\"hash\":\"") +
           to_hex(digest(HashAlg::kSha3_256, data[i])) + "\",\"userKey\":" +
           json_quote(keys[i]->pem) + ",\"filename\":\"d" + std::to_string(i) + ".csv\"}";
    }
    j += "],\"result_consumers\":[{\"userKey\":" + json_quote(consumer.pem) + "}]}";
    auto mf = m::parse_manifest_json(j);
    EXPECT_TRUE(mf.ok()) << (mf.ok() ? "" : mf.error().to_string());
    return *mf;
  }

  m::UploadBegin begin(const std::string& sign_cid, const UploadItem& item,
                       const std::string& content, const Party& signer) {
    m::UploadBegin b;
    b.item = item.kind == UploadItem::Kind::kAlgorithm ? "algorithm" : "dataset";
    b.index = item.index;
    b.filename = item.filename;
    b.size = content.size();
    b.sha3_256 = digest(HashAlg::kSha3_256, content);
    b.signature = signer.sign(upload_statement(sign_cid, item, b.sha3_256));
    return b;
  }

  // What state.get says, reduced to what must not change.
  std::string snapshot() {
    auto s = mgr.state();
    if (!s) return "no state reply";
    std::string out = s->state + "|" + s->computation_id + "|" + s->status + "|" +
                      std::to_string(s->seq) + "|" + std::to_string(s->consumers_pending);
    for (const auto& it : s->items) {
      out += "|" + it.item + std::to_string(it.index) + ":" + (it.received ? "r" : "-") + ":" +
             std::to_string(it.bytes);
    }
    return out;
  }

  // The generic malformations of a message of type t whose valid body is `valid`.
  std::vector<Hostile> hostile(T t, const m::Body& valid, const std::string& cid,
                               const std::vector<std::string>& required, bool with_big = false) {
    const auto& info = m::info(t);
    const std::string wire(info.wire);
    const std::string raw = info.raw_frame ? std::string(100, 'r') : std::string();
    std::vector<Hostile> out;
    auto add = [&](std::string what, std::function<std::vector<std::string>(std::uint64_t)> f,
                   std::string code, bool id_zero = false) {
      const auto id = mgr.next_id();
      out.push_back({wire + " " + what, f(id), id_zero ? 0 : id, std::move(code)});
    };
    auto frames = [&](std::uint64_t id, std::string body) {
      std::vector<std::string> f = {m::encode_header(m::make_header(t, id, cid)), std::move(body)};
      if (info.raw_frame) f.push_back(raw);
      return f;
    };
    const std::string body = m::encode_body(valid);
    // Body frame defects.
    add("body not msgpack", [&](auto id) { return frames(id, "\xc1"); }, "bad_message");
    add("body empty", [&](auto id) { return frames(id, ""); }, "bad_message");
    if (body.size() >= 2) {
      add("body truncated", [&](auto id) { return frames(id, body.substr(0, body.size() / 2)); },
          "bad_message");
    }
    add("body trailing bytes", [&](auto id) { return frames(id, body + "\xc0"); }, "bad_message");
    add("body is an array", [&](auto id) { return frames(id, "\x92\x01\x02"); }, "bad_message");
    add("body has an int key", [&](auto id) { return frames(id, "\x81\x01\x02"); }, "bad_message");
    add("body duplicate key", [&](auto id) { return frames(id, "\x82\xa1x\x01\xa1x\x01"); },
        "bad_message");
    add("body ext value", [&](auto id) { return frames(id, "\x81\xa1x\xd4\x01\x00"); },
        "bad_message");
    add("body nested 200 deep",
        [&](auto id) { return frames(id, "\x81\xa1x" + std::string(200, '\x91') + "\xc0"); },
        "too_large");
    add("body 70 KiB str",
        [&](auto id) { return frames(id, "\x81\xa1x\xdb" + be32(70000) + std::string(70000, 'a')); },
        "too_large");
    add("body 1.1 MiB bin",
        [&](auto id) {
          return frames(id, "\x81\xa1x\xc6" + be32(1153434) + std::string(1153434, 'b'));
        },
        "too_large");
    add("body claims 4G array", [&](auto id) { return frames(id, "\x81\xa1x\xdd\xff\xff\xff\xff"); },
        "");
    add("body claims 4G map", [&](auto id) { return frames(id, "\xdf\xff\xff\xff\xff"); }, "");
    add("body claims 4G str", [&](auto id) { return frames(id, "\x81\xa1x\xdb\xff\xff\xff\xff"); },
        "");
    if (with_big) {
      add("body 4.5 MiB",
          [&](auto id) {
            std::string b = "\x81\xa1x\xc6" + be32(4718592) + std::string(4718592, 'z');
            return frames(id, b);
          },
          "too_large");
    }
    // Field defects.
    {
      msgpack::object_handle oh = msgpack::unpack(body.data(), body.size());
      msgpack::object root = oh.get();
      std::vector<std::pair<std::string, std::string>> muts;
      field_mutations(root, root, "", required, 2, muts);
      for (auto& [what, b] : muts) {
        const bool nested = what.find('.') != std::string::npos;
        add(what, [&, b = b](auto id) { return frames(id, b); }, nested ? "" : "bad_message");
      }
    }
    // Header defects.
    add("header not msgpack", [&](auto) { return std::vector<std::string>{"\xc1", body}; },
        "bad_message", true);
    add("header truncated",
        [&](auto id) {
          return std::vector<std::string>{m::encode_header(m::make_header(t, id, cid)).substr(0, 2),
                                          body};
        },
        "bad_message", true);
    add("header id is a str",
        [&](auto) {
          return std::vector<std::string>{
              header_with(msgpack::object(1), wire, str_object("12"), cid), body};
        },
        "bad_message", true);
    add("header version 2",
        [&](auto id) {
          return std::vector<std::string>{
              header_with(msgpack::object(2), wire, msgpack::object(id), cid), body};
        },
        "unsupported_version");
    add("header unknown type",
        [&](auto id) {
          return std::vector<std::string>{
              header_with(msgpack::object(1), wire + ".evil", msgpack::object(id), cid), body};
        },
        "unknown_type");
    // Frame count defects.
    add("header only", [&](auto id) { return std::vector<std::string>{frames(id, body)[0]}; },
        "bad_message");
    add("one frame too many",
        [&](auto id) {
          auto f = frames(id, body);
          f.push_back("extra");
          return f;
        },
        "bad_message");
    if (info.raw_frame) {
      add("raw frame missing",
          [&](auto id) {
            auto f = frames(id, body);
            f.pop_back();
            return f;
          },
          "bad_message");
    }
    return out;
  }

  // Sends each hostile message; each must get an error reply (id as required), the state must
  // not change, and state.get must keep working.
  void attack(const std::vector<Hostile>& list) {
    const std::string before = snapshot();
    for (const auto& h : list) {
      auto r = mgr.call_frames(h.frames, h.reply_id);
      ASSERT_TRUE(r.has_value()) << h.what << ": no reply with id " << h.reply_id;
      const std::string code = r->error_code();
      ASSERT_FALSE(code.empty()) << h.what << ": answered with a success reply";
      if (!h.code.empty()) {
        EXPECT_EQ(code, h.code) << h.what;
      }
      ASSERT_EQ(snapshot(), before) << h.what << ": the agent state changed";
    }
    ++attacked_states;
    total += list.size();
  }

  // Everything a manager may send, malformed, in the current state.
  void attack_all(const std::string& cid, const m::Manifest& mf, std::uint64_t upload_id) {
    std::vector<Hostile> all;
    auto more = [&](std::vector<Hostile> v) { all.insert(all.end(), v.begin(), v.end()); };
    more(hostile(T::kPing, m::Ping{}, cid, {}, true));
    more(hostile(T::kStateGet, m::StateGet{}, cid, {}));
    more(hostile(T::kManifestPut, m::ManifestPut{mf}, cid,
                 {"manifest", "manifest.id", "manifest.algorithm", "manifest.algorithm.hash",
                  "manifest.algorithm.userKey", "manifest.algorithm.algo_type",
                  "manifest.result_consumers"}));
    more(hostile(T::kUploadBegin, begin(cid, UploadItem::algorithm(), algo, algo_p), cid,
                 {"item", "size", "sha3_256", "signature"}));
    more(hostile(T::kUploadChunk, m::UploadChunk{upload_id, 0}, cid, {"upload_id", "offset"}));
    more(hostile(T::kUploadEnd, m::UploadEnd{upload_id}, cid, {"upload_id"}));
    more(hostile(T::kUploadAbort, m::UploadAbort{upload_id}, cid, {"upload_id"}));
    more(hostile(T::kResultChallenge, m::ResultChallenge{}, cid, {}));
    m::ResultGet rg;
    rg.consumer_key = consumer.pem;
    rg.signature = Bytes(64, 1);
    more(hostile(T::kResultGet, rg, cid, {"consumer_key", "signature"}));
    more(hostile(T::kResultCredit, m::ResultCredit{1, 4}, cid, {"stream_id", "credits"}));
    more(hostile(T::kResultAck, m::ResultAck{1}, cid, {"stream_id"}));
    m::AttestationGet ag;
    ag.type = "vtpm";
    ag.tee_nonce = Bytes(64, 2);
    ag.vtpm_nonce = Bytes(32, 3);
    more(hostile(T::kAttestationGet, ag, cid, {}));
    more(hostile(T::kComputationStop, m::ComputationStop{"hostile"}, cid, {}));
    more(hostile(T::kEventsSince, m::EventsSince{0, 10}, cid, {"seq"}));
    // Semantically wrong but well-formed: also errors, state unchanged.
    auto wellformed = [&](std::string what, const m::Body& b, std::string code) {
      const auto id = mgr.next_id();
      auto f = m::encode_message(m::make_header(m::type_of(b), id, cid), b);
      all.push_back({what, {f.header, f.body}, id, std::move(code)});
    };
    auto long_nonce = ag;
    long_nonce.tee_nonce = Bytes(65, 2);
    wellformed("attestation.get tee_nonce 65 bytes", long_nonce, "bad_nonce");
    long_nonce = ag;
    long_nonce.vtpm_nonce = Bytes(33, 2);
    wellformed("attestation.get vtpm_nonce 33 bytes", long_nonce, "bad_nonce");
    wellformed("hello sent to the agent", m::Hello{}, "");
    wellformed("event sent to the agent", m::Event{}, "");
    wellformed("upload.end unknown id", m::UploadEnd{upload_id + 777}, "");
    // (upload.abort of an unknown id is answered `ok`: abort is idempotent.)
    attack(all);
  }

  TempDir dir;
  RawManager mgr;
  AgentProcess agent;
  Party algo_p = Party::make();
  Party data_p = Party::make(KeyType::kEcdsa);
  Party other_p = Party::make();
  Party consumer = Party::make();
  const std::string algo = "#!/bin/sh\necho ok > \"$RESULTS_DIR/r.txt\"\n";
  int attacked_states = 0;
  std::size_t total = 0;
};

TEST_F(HostileInputTest, MalformedMessagesInEveryStateAreRefusedAndChangeNothing) {
  const std::string data = std::string(40000, 'x');  // 10 chunks: an upload stays open midway
  const auto mf = manifest("hostile", algo, algo_p, {data}, {&data_p});

  // receivingManifest (no computation yet).
  ASSERT_EQ(snapshot().substr(0, 18), "receivingManifest|");
  attack_all("hostile", mf, 1);
  ASSERT_EQ(RawManager::code(mgr.call(m::ManifestPut{mf}, "hostile")), "");

  // receivingAlgorithm.
  ASSERT_EQ(mgr.state()->state, "receivingAlgorithm");
  attack_all("hostile", mf, 1);
  ASSERT_EQ(mgr.upload(begin("hostile", UploadItem::algorithm(), algo, algo_p), algo, "hostile"),
            "");

  // receivingData with a dataset upload open and half sent (4 credits of 4096 bytes).
  ASSERT_EQ(mgr.state()->state, "receivingData");
  std::uint64_t upload_id = 0;
  const auto b = begin("hostile", UploadItem::dataset(0, "d0.csv"), data, data_p);
  ASSERT_EQ(mgr.upload(b, data.substr(0, 16384), "hostile", false, &upload_id), "");
  // The agent grants a credit for each chunk it has written: all 4 are on disk then.
  ASSERT_TRUE(mgr.wait_for([&] { return mgr.credits[upload_id] >= 4; }))
      << "the first chunks were not written";
  attack_all("hostile", mf, upload_id);
  // The open upload survived every malformed upload.chunk/end/abort: finishing it works.
  ASSERT_EQ(mgr.stream(mgr.last_ready, data, 16384, "hostile"), "");

  // resultsReady.
  ASSERT_TRUE(mgr.wait_for([&] {
    auto s = mgr.state();
    return s && (s->state == "resultsReady" || s->state == "failed");
  }));
  ASSERT_EQ(mgr.state()->state, "resultsReady");
  attack_all("hostile", mf, upload_id);
  auto ch = mgr.call(m::ResultChallenge{}, "hostile");
  ASSERT_EQ(RawManager::code(ch), "");
  EXPECT_EQ(attacked_states, 4);
  std::printf("hostile messages sent: %zu in %d states, all refused, state unchanged\n", total,
              attacked_states);
}

TEST_F(HostileInputTest, InvalidManifestsAreRefusedWithBadManifest) {
  const auto good = manifest("semantic", algo, algo_p, {"1\n", "2\n"}, {&data_p, &other_p});
  const std::string before = snapshot();
  std::vector<std::pair<std::string, m::Manifest>> bad;
  auto with = [&](std::string what, std::function<void(m::Manifest&)> f) {
    m::Manifest x = good;
    f(x);
    bad.emplace_back(std::move(what), std::move(x));
  };
  with("path traversal filename", [](auto& x) { x.datasets[0].filename = "../../state.json"; });
  with("slash in filename", [](auto& x) { x.datasets[0].filename = "a/b"; });
  with("dot-dot filename", [](auto& x) { x.datasets[0].filename = ".."; });
  with("empty filename", [](auto& x) { x.datasets[0].filename = ""; });
  with("NUL in filename", [](auto& x) { x.datasets[0].filename = std::string("a\0b", 3); });
  with("duplicate filename", [](auto& x) { x.datasets[1].filename = x.datasets[0].filename; });
  with("traversal computation id", [](auto& x) { x.id = "../../etc"; });
  with("dot-dot computation id", [](auto& x) { x.id = ".."; });
  with("empty computation id", [](auto& x) { x.id = ""; });
  with("computation id 200 chars", [](auto& x) { x.id = std::string(200, 'a'); });
  with("hash 31 bytes", [](auto& x) { x.algorithm.hash.pop_back(); });
  with("dataset hash 33 bytes", [](auto& x) { x.datasets[0].hash.push_back(0); });
  with("garbage algorithm key", [](auto& x) { x.algorithm.user_key_der = Bytes(40, 9); });
  with("empty dataset key", [](auto& x) { x.datasets[1].user_key_der.clear(); });
  with("unknown algo_type", [](auto& x) { x.algorithm.algo_type = "exe"; });
  with("no consumers", [](auto& x) { x.result_consumers.clear(); });
  with("garbage consumer key", [](auto& x) { x.result_consumers[0].user_key_der = Bytes(3, 1); });
  with("unknown consume policy", [](auto& x) { x.consume_policy = "some"; });
  with("zero timeout", [](auto& x) { x.timeout_s = 0; });
  for (const auto& [what, x] : bad) {
    auto r = mgr.call(m::ManifestPut{x}, x.id);
    const auto code = RawManager::code(r);
    EXPECT_TRUE(code == "bad_manifest" || code == "bad_message") << what << ": " << code;
    ASSERT_EQ(snapshot(), before) << what;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/etc"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/work/etc"));
  ASSERT_EQ(RawManager::code(mgr.call(m::ManifestPut{good}, "semantic")), "");
}

TEST_F(HostileInputTest, SignaturesCannotBeReplayedForAnotherItemOrComputation) {
  // One provider for everything and identical bytes for the algorithm and both datasets: only
  // the item named in the signed statement tells the signatures apart.
  const std::string same = algo;
  const auto mf = manifest("replay", algo, algo_p, {same, same}, {&algo_p, &algo_p});
  ASSERT_EQ(RawManager::code(mgr.call(m::ManifestPut{mf}, "replay")), "");
  const auto ds0 = UploadItem::dataset(0, "d0.csv");
  const auto ds1 = UploadItem::dataset(1, "d1.csv");
  auto as = [&](m::UploadBegin b, const m::UploadBegin& sig_from) {
    b.signature = sig_from.signature;
    return b;
  };
  const auto algo_ok = begin("replay", UploadItem::algorithm(), algo, algo_p);
  const auto ds0_ok = begin("replay", ds0, same, algo_p);
  const auto ds1_ok = begin("replay", ds1, same, algo_p);
  const auto other_cid = begin("another", UploadItem::algorithm(), algo, algo_p);
  const std::string before = snapshot();
  EXPECT_EQ(mgr.upload(as(algo_ok, ds0_ok), algo, "replay"), "bad_signature");
  EXPECT_EQ(mgr.upload(as(algo_ok, other_cid), algo, "replay"), "bad_signature");
  EXPECT_EQ(snapshot(), before);
  ASSERT_EQ(mgr.upload(algo_ok, algo, "replay"), "");
  EXPECT_EQ(mgr.upload(as(ds0_ok, algo_ok), same, "replay"), "bad_signature");
  EXPECT_EQ(mgr.upload(as(ds0_ok, ds1_ok), same, "replay"), "bad_signature");
  EXPECT_EQ(mgr.upload(as(ds1_ok, ds0_ok), same, "replay"), "bad_signature");
  // The signature is fine but the dataset is announced under the other slot's filename.
  auto wrong_name = ds0_ok;
  wrong_name.filename = "d1.csv";
  EXPECT_NE(mgr.upload(wrong_name, same, "replay"), "");
  ASSERT_EQ(mgr.upload(ds1_ok, same, "replay"), "");
  ASSERT_EQ(mgr.upload(ds0_ok, same, "replay"), "");
  ASSERT_TRUE(mgr.wait_for([&] { return mgr.state()->state != "receivingData"; }));
}

TEST_F(HostileInputTest, AProviderCannotUploadAnotherProvidersDataset) {
  const std::string d0 = "1\n", d1 = "2\n";
  const auto mf = manifest("cross", algo, algo_p, {d0, d1}, {&data_p, &other_p});
  ASSERT_EQ(RawManager::code(mgr.call(m::ManifestPut{mf}, "cross")), "");
  ASSERT_EQ(mgr.upload(begin("cross", UploadItem::algorithm(), algo, algo_p), algo, "cross"), "");
  const std::string before = snapshot();
  // data_p signs dataset 1 (other_p's), with the right content, item and computation.
  EXPECT_EQ(mgr.upload(begin("cross", UploadItem::dataset(1, "d1.csv"), d1, data_p), d1, "cross"),
            "bad_signature");
  // The algorithm provider cannot upload a dataset either.
  EXPECT_EQ(mgr.upload(begin("cross", UploadItem::dataset(0, "d0.csv"), d0, algo_p), d0, "cross"),
            "bad_signature");
  EXPECT_EQ(snapshot(), before);
  ASSERT_EQ(mgr.upload(begin("cross", UploadItem::dataset(1, "d1.csv"), d1, other_p), d1, "cross"),
            "");
  ASSERT_EQ(mgr.upload(begin("cross", UploadItem::dataset(0, "d0.csv"), d0, data_p), d0, "cross"),
            "");
}

// Peak resident memory of a process in KiB (VmHWM), 0 when unreadable.
std::uint64_t peak_rss_kib(pid_t pid) {
  const std::string st = read_text("/proc/" + std::to_string(pid) + "/status");
  const auto at = st.find("VmHWM:");
  return at == std::string::npos ? 0 : std::stoull(st.substr(at + 6));
}

TEST_F(HostileInputTest, AFloodOfRequestsIsAnsweredOrRefusedNeverQueuedWithoutBound) {
  // 30000 requests written as fast as the agent's socket takes them; replies are read only when
  // our side cannot send (high-water mark). Every request gets exactly one reply (its answer or
  // `busy`), the agent's memory stays bounded, and it serves normally afterwards.
  constexpr int kTotal = 30000;
  std::vector<std::uint64_t> ids;
  ids.reserve(kTotal);
  m::AttestationGet ag;
  ag.type = "snp";
  for (int i = 0; i < kTotal; ++i) {
    const auto id = mgr.next_id();
    const m::Body body = i % 3 == 0   ? m::Body{m::Ping{}}
                         : i % 3 == 1 ? m::Body{m::StateGet{}}
                                      : m::Body{ag};
    auto f = m::encode_message(m::make_header(m::type_of(body), id), body);
    ASSERT_TRUE(mgr.send_frames({f.header, f.body})) << "send " << i;
    ids.push_back(id);
  }
  ASSERT_TRUE(mgr.wait_for([&] { return mgr.has_reply(ids.back()) && mgr.has_reply(ids.front()); }));
  ASSERT_TRUE(mgr.wait_for([&] {
    return std::all_of(ids.begin(), ids.end(), [&](auto id) { return mgr.has_reply(id); });
  })) << "requests left unanswered";
  ASSERT_TRUE(mgr.state().has_value());
  std::map<std::string, int> codes;
  for (auto id : ids) {
    EXPECT_EQ(mgr.replies_for(id), 1u) << "request " << id;
    ++codes[mgr.reply_of(id).error_code()];
  }
  for (const auto& [c, n] : codes) {
    EXPECT_TRUE(c.empty() || c == "busy" || c == "attestation_unavailable") << c << " x" << n;
  }
  const auto peak = peak_rss_kib(agent.pid());
  EXPECT_GT(peak, 0u);
  EXPECT_LT(peak, 256u * 1024) << "agent peak RSS (KiB) after the flood";
  std::printf("flood: %d requests, replies by code:", kTotal);
  for (const auto& [c, n] : codes) std::printf(" %s=%d", c.empty() ? "ok" : c.c_str(), n);
  std::printf("; agent peak RSS %llu KiB\n", static_cast<unsigned long long>(peak));
}

}  // namespace
}  // namespace cocos::reliability
