// MessageType: every message of the bus, its wire string, its class (request, reply, notice)
// and, for a request, the reply type it expects (besides `error`, which any request may get).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace cocos::messages {

inline constexpr std::uint64_t kProtocolVersion = 1;

enum class MessageType : std::uint8_t {
  kHello,
  kHelloOk,
  kPing,
  kPong,
  kStateGet,
  kState,
  kManifestPut,
  kUploadBegin,
  kUploadReady,
  kUploadChunk,
  kUploadCredit,
  kUploadEnd,
  kUploadAbort,
  kResultChallenge,
  kChallenge,
  kResultGet,
  kResultReady,
  kResultCredit,
  kResultChunk,
  kResultEnd,
  kResultAck,
  kAttestationGet,
  kEvidence,
  kComputationStop,
  kEventsSince,
  kEvents,
  kEvent,
  kEventAck,
  kLog,
  kOk,
  kError,
};

enum class MessageClass : std::uint8_t {
  kRequest,  // exactly one reply: its reply type or `error`
  kReply,    // answers a request; carries the request's id; never answered
  kNotice,   // no reply
};

struct MessageInfo {
  MessageType type;
  std::string_view wire;  // e.g. "upload.begin"
  MessageClass cls;
  std::optional<MessageType> reply;  // requests only
  bool raw_frame;                    // carries frame 3 (upload.chunk, result.chunk)
};

// All messages, in enum order.
std::span<const MessageInfo> all_messages();
const MessageInfo& info(MessageType t);
inline std::string_view wire_name(MessageType t) {
  return info(t).wire;
}
std::optional<MessageType> parse_message_type(std::string_view wire);

}  // namespace cocos::messages
