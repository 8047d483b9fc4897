// Test fixtures: one fully populated sample of every message type (shared by the round-trip
// and golden-bytes tests), fixed keys, and a small msgpack packing helper for hostile input.
#pragma once

#include <msgpack.hpp>
#include <string>
#include <vector>

#include "cocos/common/keys.h"
#include "cocos/messages/codec.h"

namespace cocos::messages::testing {

inline constexpr const char* kKeyA =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEASiAYzt5ed3URWLzFCvo05TGuKz0udQBk5QMNf6gYHO4=\n"
    "-----END PUBLIC KEY-----\n";
inline constexpr const char* kKeyBBase64 =
    "MCowBQYDK2VwAyEAjNssq+PgtgexVsOg11pYeqMi8YagheMBVRfiYWCx6lE=";

inline Bytes der_of(const char* text) {
  return PublicKey::parse(text).value().to_der();
}
inline Bytes filled(std::size_t n, std::uint8_t v) {
  return Bytes(n, v);
}

inline Manifest sample_manifest() {
  Manifest m;
  m.id = "comp-1";
  m.name = "sum";
  m.description = "adds numbers";
  m.datasets.push_back({filled(32, 0x11), der_of(kKeyA), "a.csv", false});
  m.datasets.push_back({filled(32, 0x22), der_of(kKeyBBase64), "b.csv.zip", true});
  m.algorithm = {filled(32, 0x33), der_of(kKeyA), "python", {"--x", "1"}, filled(32, 0x44)};
  m.result_consumers.push_back({der_of(kKeyBBase64)});
  m.consume_policy = "first";
  m.timeout_s = 600;
  m.network = false;
  return m;
}

inline std::vector<Envelope> sample_messages() {
  using T = MessageType;
  auto h = [](T t, std::uint64_t id) { return make_header(t, id, "comp-1"); };
  Evidence ev;
  ev.platform = "snp-vtpm";
  ev.simulated = true;
  ev.tee_nonce = filled(64, 0xAA);
  ev.vtpm_nonce = filled(32, 0xBB);
  ev.snp_report = filled(8, 0x01);
  ev.certs = {{"vcek", filled(3, 0x02)}, {"ark", filled(2, 0x03)}};
  ev.ak_public = filled(4, 0x04);
  ev.quotes = std::vector<Quote>{
      {"sha256", filled(2, 0x05), filled(2, 0x06), {{0, filled(2, 7)}, {16, filled(2, 8)}}}};
  ev.bus_key = filled(32, 0x09);
  ev.binding = "sha3-512(tee_nonce|ak_public|bus_key)";
  ev.event_log = filled(3, 0x0A);
  Event e1{1, "receivingManifest", "ready", "comp-1", 1700000000000, {{"k", "v"}}};
  Event e2{2, "running", "starting", "comp-1", 1700000000001, {}};
  State st{"receivingData",
           "comp-1",
           "inProgress",
           7,
           {{"algorithm", 0, "", true, 100}, {"dataset", 1, "b.csv.zip", false, 50}},
           1};
  return {
      {h(T::kHello, 1),
       Hello{"agent-1", "0.1.0", {"snp", "vtpm"}, true, "idle", "", 5, filled(32, 0x5A)}},
      {h(T::kHelloOk, 1), HelloOk{4}},
      {h(T::kPing, 2), Ping{}},
      {h(T::kPong, 2), Pong{}},
      {h(T::kStateGet, 3), StateGet{}},
      {h(T::kState, 3), st},
      {h(T::kManifestPut, 4), ManifestPut{sample_manifest()}},
      {h(T::kUploadBegin, 5),
       UploadBegin{"dataset", 1, "b.csv.zip", 1000, filled(32, 0x22), filled(64, 0x0C)}},
      {h(T::kUploadReady, 5), UploadReady{9, 0, 65536, 8}},
      {h(T::kUploadChunk, 6), UploadChunk{9, 65536}},
      {h(T::kUploadCredit, 7), UploadCredit{9, 131072, 2}},
      {h(T::kUploadEnd, 8), UploadEnd{9}},
      {h(T::kUploadAbort, 9), UploadAbort{9}},
      {h(T::kResultChallenge, 10), ResultChallenge{}},
      {h(T::kChallenge, 10), Challenge{filled(32, 0xC1)}},
      {h(T::kResultGet, 11), ResultGet{kKeyA, filled(64, 0x5E)}},
      {h(T::kResultReady, 11), ResultReady{3, 4096, filled(32, 0xD1)}},
      {h(T::kResultCredit, 12), ResultCredit{3, 4}},
      {h(T::kResultChunk, 13), ResultChunk{3, 0}},
      {h(T::kResultEnd, 14), ResultEnd{3, 4096, filled(32, 0xD1)}},
      {h(T::kResultAck, 15), ResultAck{3}},
      {h(T::kAttestationGet, 16),
       AttestationGet{"snp-vtpm", filled(64, 0xAA), filled(32, 0xBB), true}},
      {h(T::kEvidence, 16), ev},
      {h(T::kComputationStop, 17), ComputationStop{"operator"}},
      {h(T::kEventsSince, 18), EventsSince{0, 100}},
      {h(T::kEvents, 18), Events{{e1, e2}, true}},
      {h(T::kEvent, 19), e1},
      {h(T::kEventAck, 19), EventAck{1}},
      {h(T::kLog, 20), Log{"comp-1", "stdout", "hello world", 3}},
      {h(T::kOk, 8), Ok{"dataset", 1000}},
      {h(T::kError, 21), ErrorBody{"bad_state", "not now", "running"}},
  };
}

// Packs arbitrary msgpack for hostile-input tests.
class Packer {
 public:
  Packer() : pk_(buf_) {}
  Packer(const Packer&) = delete;
  Packer& operator=(const Packer&) = delete;
  Packer& map(std::uint32_t n) { return pk_.pack_map(n), *this; }
  Packer& array(std::uint32_t n) { return pk_.pack_array(n), *this; }
  Packer& str(std::string_view s) {
    pk_.pack_str(static_cast<std::uint32_t>(s.size()));
    pk_.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
    return *this;
  }
  Packer& bin(const Bytes& b) {
    pk_.pack_bin(static_cast<std::uint32_t>(b.size()));
    pk_.pack_bin_body(reinterpret_cast<const char*>(b.data()),
                      static_cast<std::uint32_t>(b.size()));
    return *this;
  }
  Packer& u(std::uint64_t v) { return pk_.pack_uint64(v), *this; }
  Packer& i(std::int64_t v) { return pk_.pack_int64(v), *this; }
  Packer& b(bool v) { return (v ? pk_.pack_true() : pk_.pack_false()), *this; }
  Packer& nil() { return pk_.pack_nil(), *this; }
  Packer& raw(std::string_view bytes) { return buf_.write(bytes.data(), bytes.size()), *this; }
  std::string bytes() const { return std::string(buf_.data(), buf_.size()); }
  ByteView view() {
    return ByteView(reinterpret_cast<const std::uint8_t*>(buf_.data()), buf_.size());
  }

 private:
  msgpack::sbuffer buf_;
  msgpack::packer<msgpack::sbuffer> pk_;
};

inline ByteView view(const std::string& s) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

// A valid header for type t, packed.
inline std::string header_bytes(std::string_view type, std::uint64_t v = 1, std::uint64_t id = 7) {
  Packer p;
  p.map(4).str("v").u(v).str("type").str(type).str("id").u(id).str("cid").str("c");
  return p.bytes();
}

}  // namespace cocos::messages::testing
