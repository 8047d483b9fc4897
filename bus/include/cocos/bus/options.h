// Socket options of every bus socket, set deliberately: frame size cap, queue depths, bounded
// linger (shutdown never hangs), reconnect backoff, ZMTP heartbeats, send timeout, CURVE keys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cocos/bus/curve.h"
#include "cocos/messages/limits.h"

namespace cocos::bus {

struct LinkOptions {
  messages::Limits limits;  // decoder limits for what this side receives
  // ZMQ_MAXMSGSIZE, a hard per-frame cap enforced by libzmq, which DROPS THE CONNECTION of a peer
  // that exceeds it. It sits above limits.max_raw/max_body so that merely oversize frames reach
  // the decoder and get a `too_large` reply on a connection that stays usable.
  std::int64_t max_frame_bytes = 17 * 1024 * 1024;
  int sndhwm = 1000;  // messages queued per peer before sends block (then fail after send_timeout)
  int rcvhwm = 1000;
  int linger_ms = 200;         // pending outbound messages are dropped this long after close
  int send_timeout_ms = 5000;  // a send that cannot be queued fails with "timeout"
  int reconnect_ivl_ms = 100;  // first reconnect delay; doubles up to reconnect_ivl_max_ms
  int reconnect_ivl_max_ms = 5000;
  int heartbeat_ivl_ms = 1000;      // ZMTP PING interval
  int heartbeat_timeout_ms = 5000;  // no traffic for this long: the connection is dropped
  int heartbeat_ttl_ms = 10000;     // the remote drops us if it hears nothing for this long
  std::optional<CurveClientKeys> curve_client;  // DEALER / SUB: encrypt, authenticate to server
  std::optional<CurveKeyPair> curve_server;     // ROUTER / PUB: be a CURVE server
};

}  // namespace cocos::bus
