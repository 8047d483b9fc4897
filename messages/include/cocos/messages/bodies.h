// Typed bodies of every bus message (frame 2), one struct per MessageType, plus the Body variant.
// Field names and types are the wire's (see messages/PROTOCOL.md); each struct names its type
// in kType. Plain values: copyable, comparable, no invariants beyond what decode checks.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cocos/common/encoding.h"
#include "cocos/messages/manifest.h"
#include "cocos/messages/types.h"

namespace cocos::messages {

#define COCOS_BODY(Name, T)                            \
  static constexpr MessageType kType = MessageType::T; \
  bool operator==(const Name&) const = default

struct Hello {
  COCOS_BODY(Hello, kHello);
  std::string agent_id;
  std::string version;
  std::vector<std::string> capabilities;
  bool simulated_snp = false;
  std::string state;
  std::string computation_id;
  std::uint64_t last_seq = 0;
  Bytes bus_key;  // CURVE public key (32 bytes) or empty
};
struct HelloOk {
  COCOS_BODY(HelloOk, kHelloOk);
  std::uint64_t acked_seq = 0;
};
struct Ping {
  COCOS_BODY(Ping, kPing);
};
struct Pong {
  COCOS_BODY(Pong, kPong);
};
struct StateGet {
  COCOS_BODY(StateGet, kStateGet);
};
struct ItemStatus {
  std::string item;         // "algorithm" | "requirements" | "dataset"
  std::uint32_t index = 0;  // datasets: position in the manifest
  std::string filename;     // datasets
  bool received = false;
  std::uint64_t bytes = 0;  // bytes held (complete or partial)
  bool operator==(const ItemStatus&) const = default;
};
struct State {
  COCOS_BODY(State, kState);
  std::string state;
  std::string computation_id;
  std::string status;
  std::uint64_t seq = 0;  // last event sequence number issued
  std::vector<ItemStatus> items;
  std::uint64_t consumers_pending = 0;
};
struct ManifestPut {
  COCOS_BODY(ManifestPut, kManifestPut);
  Manifest manifest;
};
struct UploadBegin {
  COCOS_BODY(UploadBegin, kUploadBegin);
  std::string item;         // "algorithm" | "requirements" | "dataset"
  std::uint32_t index = 0;  // datasets
  std::string filename;     // datasets
  std::uint64_t size = 0;
  Bytes sha3_256;   // 32 bytes
  Bytes signature;  // over upload_statement(cid, item, sha3_256)
};
struct UploadReady {
  COCOS_BODY(UploadReady, kUploadReady);
  std::uint64_t upload_id = 0;
  std::uint64_t offset = 0;  // resume point
  std::uint32_t chunk_size = 0;
  std::uint32_t credits = 0;
};
struct UploadChunk {
  COCOS_BODY(UploadChunk, kUploadChunk);
  std::uint64_t upload_id = 0;
  std::uint64_t offset = 0;
};
struct UploadCredit {
  COCOS_BODY(UploadCredit, kUploadCredit);
  std::uint64_t upload_id = 0;
  std::uint64_t acked = 0;  // bytes durably written
  std::uint32_t credits = 0;
};
struct UploadEnd {
  COCOS_BODY(UploadEnd, kUploadEnd);
  std::uint64_t upload_id = 0;
};
struct UploadAbort {
  COCOS_BODY(UploadAbort, kUploadAbort);
  std::uint64_t upload_id = 0;
};
struct ResultChallenge {
  COCOS_BODY(ResultChallenge, kResultChallenge);
};
struct Challenge {
  COCOS_BODY(Challenge, kChallenge);
  Bytes challenge;  // 32 bytes
};
struct ResultGet {
  COCOS_BODY(ResultGet, kResultGet);
  std::string consumer_key;  // PEM
  Bytes signature;           // over result_challenge_statement(cid, challenge)
};
struct ResultReady {
  COCOS_BODY(ResultReady, kResultReady);
  std::uint64_t stream_id = 0;
  std::uint64_t size = 0;
  Bytes sha3_256;
};
struct ResultCredit {
  COCOS_BODY(ResultCredit, kResultCredit);
  std::uint64_t stream_id = 0;
  std::uint32_t credits = 0;
};
struct ResultChunk {
  COCOS_BODY(ResultChunk, kResultChunk);
  std::uint64_t stream_id = 0;
  std::uint64_t offset = 0;
};
struct ResultEnd {
  COCOS_BODY(ResultEnd, kResultEnd);
  std::uint64_t stream_id = 0;
  std::uint64_t size = 0;
  Bytes sha3_256;
};
struct ResultAck {
  COCOS_BODY(ResultAck, kResultAck);
  std::uint64_t stream_id = 0;
};
struct AttestationGet {
  COCOS_BODY(AttestationGet, kAttestationGet);
  std::string type = "snp";  // "snp" | "vtpm" | "snp-vtpm"
  Bytes tee_nonce;           // <= 64 bytes (zero-padded to 64 by the agent)
  Bytes vtpm_nonce;          // <= 32 bytes (zero-padded to 32)
  bool bind_bus_key = false;
};
struct Quote {
  std::string hash_alg;  // "sha1" | "sha256" | "sha384" | "sha512"
  Bytes attest;          // marshalled TPMS_ATTEST
  Bytes signature;       // marshalled TPMT_SIGNATURE
  std::map<std::uint32_t, Bytes> pcrs;
  bool operator==(const Quote&) const = default;
};
struct Evidence {
  COCOS_BODY(Evidence, kEvidence);
  std::string platform;  // "snp" | "vtpm" | "snp-vtpm"
  bool simulated = false;
  Bytes tee_nonce;                  // 64 bytes
  Bytes vtpm_nonce;                 // 32 bytes
  std::optional<Bytes> snp_report;  // 1184 bytes; absent for vtpm
  std::map<std::string, Bytes> certs;
  std::optional<Bytes> ak_public;            // absent for snp
  std::optional<std::vector<Quote>> quotes;  // absent for snp
  std::optional<Bytes> bus_key;              // 32 bytes, only with bind_bus_key
  std::string binding;
  std::optional<Bytes> event_log;  // TCG firmware event log (vtpm, snp-vtpm), when there is one
};
struct ComputationStop {
  COCOS_BODY(ComputationStop, kComputationStop);
  std::string reason;
};
struct EventsSince {
  COCOS_BODY(EventsSince, kEventsSince);
  std::uint64_t seq = 0;  // return events with seq > this
  std::uint32_t max = 0;  // 0: the agent's default
};
struct Event {
  COCOS_BODY(Event, kEvent);
  std::uint64_t seq = 0;
  std::string state;
  std::string status;
  std::string computation_id;
  std::uint64_t timestamp_ms = 0;
  std::map<std::string, std::string> details;
};
struct Events {
  COCOS_BODY(Events, kEvents);
  std::vector<Event> events;
  bool more = false;
};
struct EventAck {
  COCOS_BODY(EventAck, kEventAck);
  std::uint64_t seq = 0;  // cumulative: every event <= seq is stored
};
struct Log {
  COCOS_BODY(Log, kLog);
  std::string computation_id;
  std::string stream;  // "stdout" | "stderr" | "agent"
  std::string line;
  std::uint64_t dropped = 0;  // lines dropped before this one (rate limit / full queue)
};
struct Ok {
  COCOS_BODY(Ok, kOk);
  std::optional<std::string> item;     // upload.end: the item completed
  std::optional<std::uint64_t> bytes;  // upload.end: its size
};
struct ErrorBody {
  COCOS_BODY(ErrorBody, kError);
  std::string code;
  std::string message;
  std::optional<std::string> state;  // the agent's state, when the agent replies
};

#undef COCOS_BODY

// In MessageType order: std::variant index == static_cast<size_t>(MessageType).
using Body =
    std::variant<Hello, HelloOk, Ping, Pong, StateGet, State, ManifestPut, UploadBegin, UploadReady,
                 UploadChunk, UploadCredit, UploadEnd, UploadAbort, ResultChallenge, Challenge,
                 ResultGet, ResultReady, ResultCredit, ResultChunk, ResultEnd, ResultAck,
                 AttestationGet, Evidence, ComputationStop, EventsSince, Events, Event, EventAck,
                 Log, Ok, ErrorBody>;

inline MessageType type_of(const Body& b) {
  return static_cast<MessageType>(b.index());
}

}  // namespace cocos::messages
