// The message table: wire names, classes and reply types.
#include "cocos/messages/types.h"

#include <array>

namespace cocos::messages {
namespace {

using T = MessageType;
constexpr auto kReq = MessageClass::kRequest;
constexpr auto kRep = MessageClass::kReply;
constexpr auto kNot = MessageClass::kNotice;

const std::array<MessageInfo, 31> kTable = {{
    {T::kHello, "hello", kReq, T::kHelloOk, false},
    {T::kHelloOk, "hello.ok", kRep, std::nullopt, false},
    {T::kPing, "ping", kReq, T::kPong, false},
    {T::kPong, "pong", kRep, std::nullopt, false},
    {T::kStateGet, "state.get", kReq, T::kState, false},
    {T::kState, "state", kRep, std::nullopt, false},
    {T::kManifestPut, "manifest.put", kReq, T::kOk, false},
    {T::kUploadBegin, "upload.begin", kReq, T::kUploadReady, false},
    {T::kUploadReady, "upload.ready", kRep, std::nullopt, false},
    {T::kUploadChunk, "upload.chunk", kNot, std::nullopt, true},
    {T::kUploadCredit, "upload.credit", kNot, std::nullopt, false},
    {T::kUploadEnd, "upload.end", kReq, T::kOk, false},
    {T::kUploadAbort, "upload.abort", kReq, T::kOk, false},
    {T::kResultChallenge, "result.challenge", kReq, T::kChallenge, false},
    {T::kChallenge, "challenge", kRep, std::nullopt, false},
    {T::kResultGet, "result.get", kReq, T::kResultReady, false},
    {T::kResultReady, "result.ready", kRep, std::nullopt, false},
    {T::kResultCredit, "result.credit", kNot, std::nullopt, false},
    {T::kResultChunk, "result.chunk", kNot, std::nullopt, true},
    {T::kResultEnd, "result.end", kNot, std::nullopt, false},
    {T::kResultAck, "result.ack", kReq, T::kOk, false},
    {T::kAttestationGet, "attestation.get", kReq, T::kEvidence, false},
    {T::kEvidence, "evidence", kRep, std::nullopt, false},
    {T::kComputationStop, "computation.stop", kReq, T::kOk, false},
    {T::kEventsSince, "events.since", kReq, T::kEvents, false},
    {T::kEvents, "events", kRep, std::nullopt, false},
    {T::kEvent, "event", kReq, T::kEventAck, false},
    {T::kEventAck, "event.ack", kRep, std::nullopt, false},
    {T::kLog, "log", kNot, std::nullopt, false},
    {T::kOk, "ok", kRep, std::nullopt, false},
    {T::kError, "error", kRep, std::nullopt, false},
}};

}  // namespace

std::span<const MessageInfo> all_messages() {
  return kTable;
}

const MessageInfo& info(MessageType t) {
  return kTable[static_cast<std::size_t>(t)];
}

std::optional<MessageType> parse_message_type(std::string_view wire) {
  for (const auto& m : kTable) {
    if (m.wire == wire) return m.type;
  }
  return std::nullopt;
}

}  // namespace cocos::messages
