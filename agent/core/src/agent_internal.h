// Private pieces of Agent shared by its .cc files (lifecycle, uploads, results).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "cocos/agent/core/agent.h"
#include "cocos/agent/core/files.h"

namespace cocos::agent {

struct Agent::UploadSession {
  UploadItem item;
  std::string stored_name;  // datasets: final name under datasets/
  Bytes declared_sha3;
  Bytes signature;
  std::string key;  // the declared key of this very item
  std::optional<UploadSink> sink;
  std::optional<Error> failed;  // first error while streaming, reported by upload_end
  std::uint64_t discarded = 0;  // bytes thrown away after a failure (credits keep flowing)
  std::uint32_t unreported_chunks = 0;
};

struct Agent::ResultStream {
  std::size_t consumer = 0;
  UniqueFd fd;
  std::uint64_t size = 0;
  std::uint64_t offset = 0;
  bool ended = false;
};

std::uint64_t now_ms();

}  // namespace cocos::agent
