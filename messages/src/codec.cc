// Header and whole-message encoding/decoding, and the error replies for failed decodes.
#include "cocos/messages/codec.h"

#include "bodies_codec.h"
#include "cocos/messages/errors.h"
#include "msgpack_io.h"

namespace cocos::messages {

using detail::MapReader;
using detail::MapWriter;

std::string encode_header(const Header& h) {
  MapWriter w;
  w.u64("v", h.v);
  w.str("type", wire_name(h.type));
  w.u64("id", h.id);
  w.str("cid", h.cid);
  return w.finish();
}

std::string encode_body(const Body& b) {
  return detail::encode_body_bytes(b);
}

Result<Header> decode_header(ByteView frame, const Limits& limits) {
  return decode_header(frame, limits, nullptr);
}

Result<Header> decode_header(ByteView frame, const Limits& limits, Header* partial) {
  if (frame.size() > limits.max_header) {
    return make_error(std::string(err::kTooLarge), "header: " + std::to_string(frame.size()) +
                                                       " bytes, limit " +
                                                       std::to_string(limits.max_header));
  }
  auto oh = detail::unpack_strict(frame, limits, "header");
  if (!oh) return oh.take_error();
  auto r = MapReader::open(oh->get(), "");
  if (!r) {
    Error e = r.take_error();
    e.message = "header: " + e.message;
    return e;
  }
  if (partial) {
    // Whatever else is wrong with the header, a readable id (and cid) lets the error reply
    // reach the request that caused it.
    const msgpack::object* id = r->find("id");
    if (id && id->type == msgpack::type::POSITIVE_INTEGER) partial->id = id->via.u64;
    const msgpack::object* cid = r->find("cid");
    if (cid && cid->type == msgpack::type::STR)
      partial->cid.assign(cid->via.str.ptr, cid->via.str.size);
  }
  Header h;
  std::string type;
  r->u64("v", h.v);
  r->str("type", type);
  r->u64("id", h.id);
  r->str("cid", h.cid, false);
  if (!r->ok()) {
    Error e = r->error();
    e.message = "header: " + e.message;
    return e;
  }
  if (h.v != kProtocolVersion) {
    return make_error(std::string(err::kUnsupportedVersion),
                      "header: protocol version " + std::to_string(h.v) + " (this side speaks " +
                          std::to_string(kProtocolVersion) + ")");
  }
  auto t = parse_message_type(type);
  if (!t) {
    std::string shown = type.size() > 64 ? type.substr(0, 64) + "..." : type;
    return make_error(std::string(err::kUnknownType),
                      "header: unknown message type '" + shown + "'");
  }
  h.type = *t;
  return h;
}

Result<Body> decode_body(MessageType t, ByteView frame, const Limits& limits) {
  if (frame.size() > limits.max_body) {
    return make_error(std::string(err::kTooLarge), "body: " + std::to_string(frame.size()) +
                                                       " bytes, limit " +
                                                       std::to_string(limits.max_body));
  }
  auto oh = detail::unpack_strict(frame, limits, "body");
  if (!oh) return oh.take_error();
  auto b = detail::decode_body_object(t, oh->get());
  if (!b) {
    Error e = b.take_error();
    e.message = std::string(wire_name(t)) + " body: " + e.message;
    return e;
  }
  return b;
}

EncodedFrames encode_message(const Envelope& e) {
  return EncodedFrames{encode_header(e.header), encode_body(e.body)};
}

Result<Envelope> decode_message(std::span<const ByteView> frames, const Limits& limits,
                                Header* header_out, bool* header_ok) {
  if (header_ok) *header_ok = false;
  if (frames.empty()) return make_error(std::string(err::kBadMessage), "message has no frames");
  Header partial{kProtocolVersion, MessageType::kError, 0, {}};
  auto h = decode_header(frames[0], limits, &partial);
  if (!h) {
    if (header_out) *header_out = partial;
    return h.take_error();
  }
  if (header_out) *header_out = *h;
  if (header_ok) *header_ok = true;
  const std::size_t want = info(h->type).raw_frame ? 3 : 2;
  if (frames.size() != want) {
    return make_error(std::string(err::kBadMessage),
                      std::string(wire_name(h->type)) + ": expected " + std::to_string(want) +
                          " frames, got " + std::to_string(frames.size()));
  }
  if (want == 3 && frames[2].size() > limits.max_raw) {
    return make_error(std::string(err::kTooLarge),
                      std::string(wire_name(h->type)) + ": raw frame of " +
                          std::to_string(frames[2].size()) + " bytes, limit " +
                          std::to_string(limits.max_raw));
  }
  auto b = decode_body(h->type, frames[1], limits);
  if (!b) return b.take_error();
  return Envelope{std::move(*h), std::move(*b)};
}

Envelope make_error_reply(const Header& request, std::string_view code, std::string message,
                          std::optional<std::string> state) {
  return Envelope{make_header(MessageType::kError, request.id, request.cid),
                  ErrorBody{std::string(code), std::move(message), std::move(state)}};
}

Envelope make_error_reply(const Header& request, const Error& e, std::optional<std::string> state) {
  return make_error_reply(request, e.code, e.message, std::move(state));
}

bool should_answer_decode_failure(bool header_ok, const Header& header) {
  return !header_ok || info(header.type).cls != MessageClass::kReply;
}

Envelope make_decode_error_reply(bool header_ok, const Header& header, const Error& e) {
  if (header_ok) return make_error_reply(header, e);
  return make_error_reply(Header{kProtocolVersion, MessageType::kError, header.id, header.cid}, e);
}

}  // namespace cocos::messages
