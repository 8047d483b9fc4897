// Every rejection path of the strict decoder: shape, types, sizes, depth, trailing bytes,
// duplicates, header version/type, and the typed error each produces.
#include <gtest/gtest.h>

#include "cocos/messages/codec.h"
#include "samples.h"

namespace cocos::messages {
namespace {

using testing::Packer;
using testing::view;

void expect_error(const Result<Body>& r, std::string_view code, std::string_view message_part) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, code) << r.error().message;
  EXPECT_NE(r.error().message.find(message_part), std::string::npos) << r.error().message;
}

void upload_begin_without(std::string_view skip, Packer& p) {
  int n = 5 - (skip.empty() ? 0 : 1);
  p.map(static_cast<std::uint32_t>(n));
  if (skip != "item") p.str("item").str("algorithm");
  if (skip != "size") p.str("size").u(10);
  if (skip != "sha3_256") p.str("sha3_256").bin(Bytes(32, 1));
  if (skip != "signature") p.str("signature").bin(Bytes(4, 2));
  if (skip != "extra") p.str("future_field").str("ignored");
}

TEST(Reject, ValidBaseline) {
  Packer p;
  upload_begin_without("", p);
  auto r = decode_body(MessageType::kUploadBegin, p.view());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(std::get<UploadBegin>(*r).size, 10u);
}

TEST(Reject, UnknownFieldsAreIgnored) {
  Packer p;
  p.map(2).str("seq").u(3).str("some_new_field").array(1).u(1);
  auto r = decode_body(MessageType::kEventAck, p.view());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<EventAck>(*r).seq, 3u);
}

TEST(Reject, MissingRequiredField) {
  for (auto f : {"item", "size", "sha3_256", "signature"}) {
    Packer p;
    upload_begin_without(f, p);
    expect_error(decode_body(MessageType::kUploadBegin, p.view()), "bad_message",
                 std::string("field '") + f + "': missing");
  }
}

TEST(Reject, WrongTypeNamesFieldAndTypes) {
  Packer p;
  p.map(4).str("item").str("algorithm").str("size").str("10").str("sha3_256").bin(Bytes(32, 1));
  p.str("signature").bin({});
  expect_error(decode_body(MessageType::kUploadBegin, p.view()), "bad_message",
               "field 'size': expected uint, got str");
}

TEST(Reject, NegativeIntegerForUint) {
  Packer p;
  p.map(1).str("seq").i(-1);
  expect_error(decode_body(MessageType::kEventAck, p.view()), "bad_message",
               "field 'seq': expected uint, got int");
}

TEST(Reject, Uint32OutOfRange) {
  Packer p;
  p.map(2).str("stream_id").u(1).str("credits").u(1ull << 32);
  expect_error(decode_body(MessageType::kResultCredit, p.view()), "bad_message",
               "field 'credits': value 4294967296 out of range");
}

TEST(Reject, WrongBinaryLength) {
  Packer p;
  p.map(1).str("challenge").bin(Bytes(31, 0));
  expect_error(decode_body(MessageType::kChallenge, p.view()), "bad_message",
               "field 'challenge': expected 32 bytes, got 31");
}

TEST(Reject, EnumeratedStringOutOfSet) {
  Packer p;
  p.map(3).str("computation_id").str("c").str("stream").str("stdin").str("line").str("x");
  expect_error(decode_body(MessageType::kLog, p.view()), "bad_message",
               "field 'stream': 'stdin' is not one of stdout, stderr, agent");
}

TEST(Reject, DatasetUploadNeedsIndexAndFilename) {
  Packer p;
  p.map(4).str("item").str("dataset").str("size").u(1).str("sha3_256").bin(Bytes(32, 1));
  p.str("signature").bin({});
  expect_error(decode_body(MessageType::kUploadBegin, p.view()), "bad_message",
               "field 'index': missing");
}

TEST(Reject, NonceTooLongIsBadNonce) {
  Packer p;
  p.map(2).str("type").str("snp").str("tee_nonce").bin(Bytes(65, 0));
  expect_error(decode_body(MessageType::kAttestationGet, p.view()), "bad_nonce", "tee_nonce");
  Packer q;
  q.map(2).str("type").str("vtpm").str("vtpm_nonce").bin(Bytes(33, 0));
  expect_error(decode_body(MessageType::kAttestationGet, q.view()), "bad_nonce", "vtpm_nonce");
}

TEST(Reject, NonMapTopLevel) {
  Packer p;
  p.array(1).u(1);
  expect_error(decode_body(MessageType::kPing, p.view()), "bad_message",
               "top level: expected map, got array");
  Packer s;
  s.str("hello");
  expect_error(decode_body(MessageType::kPing, s.view()), "bad_message", "expected map, got str");
}

TEST(Reject, NestedNonMap) {
  Packer p;
  p.map(2).str("events").array(1).u(5).str("more").b(false);
  expect_error(decode_body(MessageType::kEvents, p.view()), "bad_message",
               "field 'events[0]': expected map, got uint");
}

TEST(Reject, NestedFieldPathInError) {
  Packer p;
  p.map(5).str("state").str("s").str("computation_id").str("c").str("status").str("x");
  p.str("seq").u(1).str("items").array(1).map(3).str("item").str("algorithm");
  p.str("received").b(true).str("bytes").str("9");
  expect_error(decode_body(MessageType::kState, p.view()), "bad_message",
               "field 'items[0].bytes': expected uint, got str");
}

TEST(Reject, TrailingBytes) {
  Packer p;
  p.map(0).u(1);
  expect_error(decode_body(MessageType::kPing, p.view()), "bad_message", "1 trailing bytes");
}

TEST(Reject, Truncated) {
  Packer p;
  p.map(1).str("seq");
  expect_error(decode_body(MessageType::kEventAck, p.view()), "bad_message", "truncated");
}

TEST(Reject, EmptyFrame) {
  expect_error(decode_body(MessageType::kPing, ByteView{}), "bad_message", "empty frame");
}

TEST(Reject, InvalidMsgpackByte) {
  std::string s = "\xc1";
  expect_error(decode_body(MessageType::kPing, view(s)), "bad_message", "malformed msgpack");
}

TEST(Reject, DuplicateKey) {
  Packer p;
  p.map(2).str("seq").u(1).str("seq").u(2);
  expect_error(decode_body(MessageType::kEventAck, p.view()), "bad_message", "duplicate key 'seq'");
}

TEST(Reject, NonStringKey) {
  Packer p;
  p.map(1).u(1).u(2);
  expect_error(decode_body(MessageType::kPing, p.view()), "bad_message", "map key is uint");
}

TEST(Reject, ExtValue) {
  Packer p;
  p.map(1).str("x").raw(std::string("\xd4\x01\x00", 3));  // fixext1
  expect_error(decode_body(MessageType::kPing, p.view()), "bad_message", "ext");
}

TEST(Reject, OversizeString) {
  Limits lim;
  lim.max_string = 16;
  Packer p;
  p.map(1).str("reason").str(std::string(17, 'x'));
  expect_error(decode_body(MessageType::kComputationStop, p.view(), lim), "too_large",
               "string longer than 16");
}

TEST(Reject, OversizeBinary) {
  Limits lim;
  lim.max_bin = 8;
  Packer p;
  p.map(1).str("challenge").bin(Bytes(32, 0));
  expect_error(decode_body(MessageType::kChallenge, p.view(), lim), "too_large",
               "binary longer than 8");
}

TEST(Reject, OversizeArray) {
  Limits lim;
  lim.max_array = 3;
  Packer p;
  p.map(1).str("x").array(4).u(1).u(2).u(3).u(4);
  expect_error(decode_body(MessageType::kPing, p.view(), lim), "too_large", "array longer than 3");
}

TEST(Reject, OversizeMap) {
  Limits lim;
  lim.max_map = 2;
  Packer p;
  p.map(3).str("a").u(1).str("b").u(1).str("c").u(1);
  expect_error(decode_body(MessageType::kPing, p.view(), lim), "too_large", "map larger than 2");
}

TEST(Reject, NestingTooDeep) {
  Packer p;
  p.map(1).str("x");
  for (int i = 0; i < 40; ++i) p.array(1);
  p.u(1);
  expect_error(decode_body(MessageType::kPing, p.view()), "too_large", "nesting deeper than 16");
}

TEST(Reject, BodyFrameTooLarge) {
  Limits lim;
  lim.max_body = 10;
  Packer p;
  p.map(1).str("reason").str(std::string(20, 'r'));
  expect_error(decode_body(MessageType::kComputationStop, p.view(), lim), "too_large", "limit 10");
}

TEST(RejectHeader, UnsupportedVersion) {
  auto h = testing::header_bytes("ping", 2);
  auto r = decode_header(view(h));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "unsupported_version");
}

TEST(RejectHeader, UnknownType) {
  auto h = testing::header_bytes("launch.missiles");
  auto r = decode_header(view(h));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "unknown_type");
  EXPECT_NE(r.error().message.find("launch.missiles"), std::string::npos);
}

TEST(RejectHeader, MissingIdAndWrongTypes) {
  Packer p;
  p.map(2).str("v").u(1).str("type").str("ping");
  auto r = decode_header(p.view());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_message");
  EXPECT_NE(r.error().message.find("field 'id': missing"), std::string::npos);

  Packer q;
  q.map(3).str("v").u(1).str("type").u(3).str("id").u(1);
  r = decode_header(q.view());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("field 'type': expected str, got uint"), std::string::npos);
}

TEST(RejectHeader, TooLarge) {
  Limits lim;
  lim.max_header = 8;
  auto h = testing::header_bytes("ping");
  auto r = decode_header(view(h), lim);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "too_large");
}

TEST(RejectHeader, CidIsOptional) {
  Packer p;
  p.map(3).str("v").u(1).str("type").str("ping").str("id").u(9);
  auto r = decode_header(p.view());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->id, 9u);
  EXPECT_EQ(r->cid, "");
}

TEST(RejectManifestPut, InvalidManifestIsBadManifest) {
  Manifest m = testing::sample_manifest();
  m.datasets[1].filename = m.datasets[0].filename;
  auto bytes = encode_body(ManifestPut{m});
  auto r = decode_body(MessageType::kManifestPut, view(bytes));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_manifest");
  EXPECT_NE(r.error().message.find("duplicate"), std::string::npos);
}

TEST(RejectManifestPut, StructuralErrorNamesNestedField) {
  Packer p;
  p.map(1).str("manifest").map(1).str("id").u(1);
  auto r = decode_body(MessageType::kManifestPut, p.view());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_message");
  EXPECT_NE(r.error().message.find("field 'manifest.id': expected str, got uint"),
            std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace cocos::messages
