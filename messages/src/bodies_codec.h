// Internal: per-type body encoding/decoding, used by codec.cc.
#pragma once

#include <msgpack.hpp>
#include <string>

#include "cocos/common/result.h"
#include "cocos/messages/bodies.h"

namespace cocos::messages::detail {

std::string encode_body_bytes(const Body& b);
Result<Body> decode_body_object(MessageType t, const msgpack::object& o);

}  // namespace cocos::messages::detail
