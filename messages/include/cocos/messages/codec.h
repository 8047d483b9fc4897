// Encoding and strict decoding of whole bus messages: the header (frame 1), the typed body
// (frame 2) and the optional raw frame 3. The bus moves frames; this file gives them meaning.
//
// Decoding contract: never throws, never reads past a frame, enforces Limits; every failure is
// an Error with code bad_message / too_large / unsupported_version / unknown_type and a message
// naming the field ("field 'size': expected uint, got str"). Unknown extra fields in a map are
// ignored (forward compatibility: a newer peer may add optional fields). Duplicate keys, trailing
// bytes after the map and non-map top levels are rejected. Thread-compatible (no shared state).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "cocos/common/result.h"
#include "cocos/messages/bodies.h"
#include "cocos/messages/limits.h"

namespace cocos::messages {

using ByteView = std::span<const std::uint8_t>;

struct Header {
  std::uint64_t v = kProtocolVersion;
  MessageType type = MessageType::kPing;
  std::uint64_t id = 0;  // request id; a reply carries its request's id
  std::string cid;       // computation id ("" when none)
  bool operator==(const Header&) const = default;
};

struct Envelope {
  Header header;
  Body body;
};

// msgpack bytes of frame 1 / frame 2.
std::string encode_header(const Header& h);
std::string encode_body(const Body& b);

// Frame 1. Errors: too_large, bad_message, unsupported_version (v != 1), unknown_type. With
// `partial`, the id and cid are stored there as soon as they were read, so that a message of an
// unknown type or version can be answered with its id.
Result<Header> decode_header(ByteView frame, const Limits& limits = {});
Result<Header> decode_header(ByteView frame, const Limits& limits, Header* partial);
// Frame 2 of a message of type `t`.
Result<Body> decode_body(MessageType t, ByteView frame, const Limits& limits = {});

// The frames of one message as the bus sends them (raw, when present, is sent as frame 3 by the
// caller: only upload.chunk and result.chunk have one).
struct EncodedFrames {
  std::string header;
  std::string body;
};
EncodedFrames encode_message(const Envelope& e);
inline EncodedFrames encode_message(const Header& h, const Body& b) {
  return encode_message(Envelope{h, b});
}

// Decodes a whole message from its frames (routing id already stripped): 2 frames, or 3 for the
// raw-carrying types (exactly those). The raw frame is checked against limits.max_raw but not
// copied; the caller keeps it. On failure `header_out`, when non-null, receives the header if it
// could be decoded (header_ok = true), or else a header whose id/cid are those read before the
// failure (0 / "" if none), so the caller can answer with the right id (make_decode_error_reply).
Result<Envelope> decode_message(std::span<const ByteView> frames, const Limits& limits = {},
                                Header* header_out = nullptr, bool* header_ok = nullptr);

// Builds a header for a message of type t.
inline Header make_header(MessageType t, std::uint64_t id, std::string cid = {}) {
  return Header{kProtocolVersion, t, id, std::move(cid)};
}

// The `error` reply for request `request` (same id and cid).
Envelope make_error_reply(const Header& request, std::string_view code, std::string message,
                          std::optional<std::string> state = std::nullopt);
Envelope make_error_reply(const Header& request, const Error& e,
                          std::optional<std::string> state = std::nullopt);

// Whether a message that failed to decode must be answered with `error`, and the reply. Rule:
// answer unless the header decoded and names a reply type (replies are never answered, so two
// peers can never loop on errors). When the header did not decode, the reply carries the id and
// cid that could be read (unknown type, unsupported version), else id 0 and cid "".
bool should_answer_decode_failure(bool header_ok, const Header& header);
Envelope make_decode_error_reply(bool header_ok, const Header& header, const Error& e);

// The reply type a request of type t expects (nullopt for replies and notices).
inline std::optional<MessageType> expected_reply(MessageType t) {
  return info(t).reply;
}

}  // namespace cocos::messages
