// cocos-curve-keygen PREFIX: writes a new CURVE key pair to PREFIX.pub and PREFIX.key (Z85).
#include <cstdio>

#include "cocos/bus/curve.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: cocos-curve-keygen PREFIX   (writes PREFIX.pub, PREFIX.key)\n");
    return 2;
  }
  auto kp = cocos::bus::generate_curve_keypair();
  if (!kp) {
    std::fprintf(stderr, "%s\n", kp.error().to_string().c_str());
    return 1;
  }
  if (auto s = cocos::bus::write_curve_keypair(*kp, argv[1]); !s) {
    std::fprintf(stderr, "%s\n", s.error().to_string().c_str());
    return 1;
  }
  std::printf("%s\n", kp->public_z85.c_str());
  return 0;
}
