// libFuzzer target: the bus frame decoder. Input = up to 4 frames, each a little-endian u32
// length followed by that many bytes (the last frame takes what is left if the length overruns).
// Besides "no crash", checks the round-trip property: whatever decodes re-encodes to frames that
// decode to the same message.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "cocos/messages/codec.h"

using namespace cocos::messages;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<ByteView> frames;
  std::size_t pos = 0;
  while (pos < size && frames.size() < 4) {
    if (size - pos < 4) break;
    std::uint32_t len = static_cast<std::uint32_t>(data[pos]) |
                        (static_cast<std::uint32_t>(data[pos + 1]) << 8) |
                        (static_cast<std::uint32_t>(data[pos + 2]) << 16) |
                        (static_cast<std::uint32_t>(data[pos + 3]) << 24);
    pos += 4;
    std::size_t n = len < size - pos ? len : size - pos;
    frames.emplace_back(data + pos, n);
    pos += n;
  }
  Limits limits;
  Header h;
  bool header_ok = false;
  auto r = decode_message(frames, limits, &h, &header_ok);
  if (!r.ok()) {
    if (should_answer_decode_failure(header_ok, h)) {
      auto reply = make_decode_error_reply(header_ok, h, r.error());
      (void)encode_message(reply);
    }
    return 0;
  }
  auto f = encode_message(*r);
  auto hb = decode_header(
      ByteView(reinterpret_cast<const std::uint8_t*>(f.header.data()), f.header.size()), limits);
  if (!hb.ok() || !(*hb == r->header)) std::abort();
  auto bb = decode_body(
      hb->type, ByteView(reinterpret_cast<const std::uint8_t*>(f.body.data()), f.body.size()),
      limits);
  if (!bb.ok() || !(*bb == r->body)) std::abort();
  return 0;
}
