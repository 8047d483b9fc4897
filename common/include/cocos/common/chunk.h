// Chunk: a read-only byte buffer that owns its storage, so one received frame (or one block read
// from a file) can be handed from thread to thread and finally written, without being copied.
//
// The owner is type-erased: anything that keeps the bytes alive (a received zmq message, a
// std::vector) is moved into a shared holder, and the Chunk only exposes the bytes. Chunks are
// move-only on purpose: a chunk has one consumer at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

namespace cocos {

class Chunk {
 public:
  Chunk() = default;
  Chunk(Chunk&&) noexcept = default;
  Chunk& operator=(Chunk&&) noexcept = default;
  Chunk(const Chunk&) = delete;
  Chunk& operator=(const Chunk&) = delete;

  // Takes `owner` (moved onto the heap once) and exposes the bytes `view(owner)` returns; the
  // view must stay valid as long as the owner lives and must not depend on the owner's address
  // before the move (true for zmq messages and vectors, whose storage is on the heap).
  template <class Owner, class View>
  static Chunk adopt(Owner&& owner, View view) {
    auto holder = std::make_shared<std::decay_t<Owner>>(std::forward<Owner>(owner));
    Chunk c;
    c.bytes_ = view(*holder);
    c.owner_ = std::move(holder);
    return c;
  }

  // A chunk holding a copy of `bytes` (tests, and callers whose buffer does not outlive them).
  static Chunk copy_of(std::span<const std::uint8_t> bytes) {
    return adopt(std::vector<std::uint8_t>(bytes.begin(), bytes.end()),
                 [](const std::vector<std::uint8_t>& v) { return std::span(v); });
  }

  std::span<const std::uint8_t> bytes() const { return bytes_; }
  std::size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }

 private:
  std::shared_ptr<const void> owner_;
  std::span<const std::uint8_t> bytes_;
};

}  // namespace cocos
