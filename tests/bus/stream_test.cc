// Streams 256 MiB manager -> agent over a real tcp link with the credit helpers, the way
// uploads work (upload.chunk + raw frame, upload.credit back), and checks that memory stays
// flat (VmRSS growth bounded) and the bytes arrive intact (SHA3-256 on both ends).
#include <gtest/gtest.h>

#include <fstream>

#include "cocos/bus/credit.h"
#include "cocos/common/hash.h"
#include "helpers.h"

#if defined(COCOS_SANITIZE_BUILD)
// ASan keeps freed memory in a quarantine (256 MiB by default), which would show up as RSS
// growth; a small one keeps the memory bound below meaningful in sanitizer builds too.
extern "C" const char* __asan_default_options() {
  return "quarantine_size_mb=8";
}
#endif

namespace cocos::bus {
namespace {

using namespace testing;

std::int64_t vm_rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

// Deterministic content of the chunk starting at `offset`.
void fill(std::uint8_t* p, std::size_t n, std::uint64_t offset) {
  std::uint64_t x = offset * 0x9E3779B97F4A7C15ull + 1;
  for (std::size_t i = 0; i < n; ++i) {
    if ((i & 7) == 0) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
    }
    p[i] = static_cast<std::uint8_t>(x >> ((i & 7) * 8));
  }
}

TEST(Stream, TwoHundredFiftySixMiBWithFlatMemory) {
  zmq::context_t ctx;
  auto mgr = ManagerEndpoint::bind(ctx, "tcp://127.0.0.1:*");
  ASSERT_TRUE(mgr.ok());
  auto agent = AgentLink::connect(ctx, mgr->endpoint(), "sink");
  ASSERT_TRUE(agent.ok());
  ASSERT_TRUE(
      agent->send({make_header(MessageType::kLog, 1), messages::Log{"", "agent", "up", 0}}).ok());
  ASSERT_TRUE(pump({{&mgr->channel(), nullptr}}, [&] { return !mgr->agents().empty(); }));

  StreamParams p;
  p.size = 256ull * 1024 * 1024;
  p.chunk_size = 1024 * 1024;
  p.window = 8;
  const std::uint64_t upload_id = 1;
  CreditReceiver rx(p);
  CreditSender tx(p, rx.initial_credits());
  Hasher tx_hash(HashAlg::kSha3_256), rx_hash(HashAlg::kSha3_256);
  std::string failure;

  const std::int64_t rss_start = vm_rss_kib();
  std::int64_t rss_max = rss_start;

  MessageHandler agent_h = [&](Incoming&& in) {
    const auto* c = in.body<messages::UploadChunk>();
    if (!c) return;
    auto data = in.raw_bytes();
    if (auto s = rx.accept(c->offset, data.size()); !s) {
      failure = s.error().to_string();
      return;
    }
    rx_hash.update(data);  // consumed straight from the received frame
    if (auto g = rx.take_grant(); g > 0) {
      (void)agent->send({make_header(MessageType::kUploadCredit, 0),
                         messages::UploadCredit{upload_id, rx.received(), g}});
    }
  };
  MessageHandler mgr_h = [&](Incoming&& in) {
    if (const auto* cr = in.body<messages::UploadCredit>()) tx.grant(cr->credits);
  };
  auto send_window = [&] {
    while (tx.can_send()) {
      zmq::message_t chunk(tx.next_length());  // filled in place, sent without copying
      fill(static_cast<std::uint8_t*>(chunk.data()), chunk.size(), tx.next_offset());
      tx_hash.update(std::span(static_cast<const std::uint8_t*>(chunk.data()), chunk.size()));
      auto s = mgr->send("sink",
                         {make_header(MessageType::kUploadChunk, 0),
                          messages::UploadChunk{upload_id, tx.next_offset()}},
                         &chunk);
      if (!s) {
        failure = s.error().to_string();
        return;
      }
      tx.on_sent();
    }
  };
  int rounds = 0;
  const bool done = pump(
      {{&mgr->channel(), mgr_h}, {&agent->channel(), agent_h}},
      [&] {
        send_window();
        if (++rounds % 16 == 0) rss_max = std::max(rss_max, vm_rss_kib());
        return rx.complete() || !failure.empty();
      },
      50s);
  ASSERT_TRUE(failure.empty()) << failure;
  ASSERT_TRUE(done);
  EXPECT_TRUE(tx.all_sent());
  EXPECT_EQ(rx.received(), p.size);
  EXPECT_EQ(rx_hash.finish(), tx_hash.finish());
  rss_max = std::max(rss_max, vm_rss_kib());
  // 256 MiB went through; growth must stay near the window (8 MiB), far below the total.
  EXPECT_LT(rss_max - rss_start, 64 * 1024) << "RSS grew by " << (rss_max - rss_start) << " KiB";
}

}  // namespace
}  // namespace cocos::bus
