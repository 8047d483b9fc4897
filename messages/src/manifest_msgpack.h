// Internal: the manifest's msgpack map form (the `manifest` field of manifest.put).
#pragma once

#include <msgpack.hpp>
#include <string>

#include "cocos/common/result.h"
#include "cocos/messages/manifest.h"

namespace cocos::messages::detail {

std::string pack_manifest(const Manifest& m);
// Reads and validates; errors name the field under `path` (e.g. "manifest.datasets[0].hash").
Result<Manifest> read_manifest(const msgpack::object& o, const std::string& path);

}  // namespace cocos::messages::detail
