// Round trips of every message through encode/decode, the message table, frame handling and
// the error replies built for failed decodes.
#include "cocos/messages/codec.h"

#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "cocos/messages/errors.h"
#include "samples.h"

namespace cocos::messages {
namespace {

using testing::sample_messages;
using testing::view;

Result<Envelope> decode_encoded(const EncodedFrames& f, const std::string& raw = {},
                                bool with_raw = false) {
  std::vector<ByteView> frames{view(f.header), view(f.body)};
  if (with_raw) frames.push_back(view(raw));
  return decode_message(frames);
}

TEST(MessageTable, EveryTypeHasAUniqueWireNameAndRoundTripsByName) {
  std::set<std::string_view> names;
  ASSERT_EQ(all_messages().size(), std::variant_size_v<Body>);
  for (std::size_t i = 0; i < all_messages().size(); ++i) {
    const auto& m = all_messages()[i];
    EXPECT_EQ(static_cast<std::size_t>(m.type), i);
    EXPECT_TRUE(names.insert(m.wire).second) << m.wire;
    EXPECT_EQ(parse_message_type(m.wire), m.type);
    EXPECT_EQ(m.reply.has_value(), m.cls == MessageClass::kRequest) << m.wire;
    if (m.reply) {
      EXPECT_EQ(info(*m.reply).cls, MessageClass::kReply) << m.wire;
    }
  }
  EXPECT_FALSE(parse_message_type("nope").has_value());
}

TEST(MessageTable, ClassesFollowThePlan) {
  for (auto t : {MessageType::kLog, MessageType::kUploadChunk, MessageType::kUploadCredit,
                 MessageType::kResultChunk, MessageType::kResultCredit, MessageType::kResultEnd}) {
    EXPECT_EQ(info(t).cls, MessageClass::kNotice) << wire_name(t);
  }
  EXPECT_EQ(expected_reply(MessageType::kUploadBegin), MessageType::kUploadReady);
  EXPECT_EQ(expected_reply(MessageType::kEvent), MessageType::kEventAck);
  EXPECT_EQ(expected_reply(MessageType::kResultAck), MessageType::kOk);
  EXPECT_EQ(expected_reply(MessageType::kAttestationGet), MessageType::kEvidence);
  EXPECT_TRUE(info(MessageType::kUploadChunk).raw_frame);
  EXPECT_TRUE(info(MessageType::kResultChunk).raw_frame);
  EXPECT_FALSE(info(MessageType::kResultEnd).raw_frame);
}

TEST(RoundTrip, EveryMessageType) {
  auto samples = sample_messages();
  std::set<MessageType> covered;
  for (const auto& env : samples) {
    ASSERT_EQ(env.header.type, type_of(env.body)) << wire_name(env.header.type);
    auto f = encode_message(env);
    const bool raw = info(env.header.type).raw_frame;
    auto back = decode_encoded(f, "chunkbytes", raw);
    ASSERT_TRUE(back.ok()) << wire_name(env.header.type) << ": " << back.error().to_string();
    EXPECT_EQ(back->header, env.header);
    EXPECT_EQ(back->body, env.body) << wire_name(env.header.type);
    covered.insert(env.header.type);
  }
  EXPECT_EQ(covered.size(), all_messages().size());
}

TEST(RoundTrip, OptionalFieldsAbsent) {
  Evidence ev;
  ev.platform = "snp";
  ev.tee_nonce = Bytes(64, 1);
  ev.vtpm_nonce = Bytes(32, 0);
  ev.snp_report = Bytes(1184, 2);
  ev.binding = "none";
  for (Body b : {Body(ev), Body(Ok{}), Body(ErrorBody{"busy", "later", std::nullopt}),
                 Body(UploadBegin{"algorithm", 0, "", 5, Bytes(32, 1), Bytes(3, 2)})}) {
    auto bytes = encode_body(b);
    auto back = decode_body(type_of(b), view(bytes));
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(*back, b);
  }
}

TEST(Frames, ChunkNeedsExactlyThreeFramesOthersTwo) {
  auto chunk = encode_message(make_header(MessageType::kUploadChunk, 1), UploadChunk{1, 0});
  auto r = decode_encoded(chunk);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_message");
  EXPECT_NE(r.error().message.find("expected 3 frames"), std::string::npos);

  auto ping = encode_message(make_header(MessageType::kPing, 1), Ping{});
  r = decode_encoded(ping, "x", true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_message");
}

TEST(Frames, RawFrameOverLimitIsTooLarge) {
  auto chunk = encode_message(make_header(MessageType::kResultChunk, 1), ResultChunk{1, 0});
  std::string raw(1025, 'x');
  Limits lim;
  lim.max_raw = 1024;
  std::vector<ByteView> frames{view(chunk.header), view(chunk.body), view(raw)};
  auto r = decode_message(frames, lim);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "too_large");
  raw.resize(1024);
  frames[2] = view(raw);
  EXPECT_TRUE(decode_message(frames, lim).ok());
}

TEST(Frames, NoFramesIsBadMessage) {
  auto r = decode_message({});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_message");
}

TEST(ErrorReplies, CarryRequestIdWhenHeaderDecoded) {
  std::string bad_body = "\x93\x01\x02\x03";  // an array, not a map
  auto hdr = encode_header(make_header(MessageType::kUploadEnd, 42, "cid-9"));
  std::vector<ByteView> frames{view(hdr), view(bad_body)};
  Header h;
  bool header_ok = false;
  auto r = decode_message(frames, {}, &h, &header_ok);
  ASSERT_FALSE(r.ok());
  ASSERT_TRUE(header_ok);
  EXPECT_TRUE(should_answer_decode_failure(header_ok, h));
  auto reply = make_decode_error_reply(header_ok, h, r.error());
  EXPECT_EQ(reply.header.type, MessageType::kError);
  EXPECT_EQ(reply.header.id, 42u);
  EXPECT_EQ(reply.header.cid, "cid-9");
  EXPECT_EQ(std::get<ErrorBody>(reply.body).code, "bad_message");
}

TEST(ErrorReplies, IdZeroWhenHeaderUnreadable) {
  std::string junk = "\xc1";  // never-used msgpack byte
  std::string body = "\x80";
  std::vector<ByteView> frames{view(junk), view(body)};
  Header h;
  bool header_ok = true;
  auto r = decode_message(frames, {}, &h, &header_ok);
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(header_ok);
  EXPECT_TRUE(should_answer_decode_failure(header_ok, h));
  auto reply = make_decode_error_reply(header_ok, h, r.error());
  EXPECT_EQ(reply.header.id, 0u);
  EXPECT_EQ(reply.header.cid, "");
}

TEST(ErrorReplies, UnknownTypeAndVersionAreAnsweredWithTheirId) {
  for (auto [type, v, code] :
       {std::tuple{"launch", 1, "unknown_type"}, std::tuple{"ping", 9, "unsupported_version"}}) {
    auto hdr = testing::header_bytes(type, static_cast<std::uint64_t>(v), 55);
    std::string body = "\x80";
    std::vector<ByteView> frames{view(hdr), view(body)};
    Header h;
    bool header_ok = true;
    auto r = decode_message(frames, {}, &h, &header_ok);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, code);
    EXPECT_FALSE(header_ok);
    EXPECT_TRUE(should_answer_decode_failure(header_ok, h));
    auto reply = make_decode_error_reply(header_ok, h, r.error());
    EXPECT_EQ(reply.header.id, 55u);
    EXPECT_EQ(reply.header.cid, "c");
  }
}

TEST(ErrorReplies, RepliesAreNeverAnswered) {
  auto hdr = encode_header(make_header(MessageType::kPong, 5));
  std::string bad_body = "\x01";
  std::vector<ByteView> frames{view(hdr), view(bad_body)};
  Header h;
  bool header_ok = false;
  ASSERT_FALSE(decode_message(frames, {}, &h, &header_ok).ok());
  ASSERT_TRUE(header_ok);
  EXPECT_FALSE(should_answer_decode_failure(header_ok, h));
  Header req = make_header(MessageType::kPing, 1);
  EXPECT_TRUE(should_answer_decode_failure(true, req));
}

}  // namespace
}  // namespace cocos::messages
