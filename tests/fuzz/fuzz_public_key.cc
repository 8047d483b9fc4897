// Fuzzes the public-key parser (manifest userKey: PEM or DER, RSA/ECDSA/Ed25519) and signature
// verification with attacker-chosen signature bytes (upload.begin / result.get signatures):
// neither may crash, and a random signature must never verify.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "cocos/common/keys.h"

namespace {
struct Keys {
  cocos::PublicKey ed = cocos::PrivateKey::generate(cocos::KeyType::kEd25519)->public_key();
  cocos::PublicKey ec = cocos::PrivateKey::generate(cocos::KeyType::kEcdsa)->public_key();
};
const Keys& keys() {
  static const Keys k;
  return k;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  const std::string_view text(reinterpret_cast<const char*>(rest.data()), rest.size());
  static const std::uint8_t msg[] = "cocos-cpp fuzz statement";
  switch (data[0] % 3) {
    case 0: {
      auto k = cocos::PublicKey::parse(text);
      if (k) (void)k->verify(msg, rest);
      break;
    }
    case 1:
      if (keys().ed.verify(msg, rest)) std::abort();  // a forged Ed25519 signature verified
      break;
    default:
      if (keys().ec.verify(msg, rest)) std::abort();  // a forged ECDSA signature verified
      break;
  }
  return 0;
}
