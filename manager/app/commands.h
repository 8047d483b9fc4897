// The subcommands of cocos-manager: one options struct and one handler per subcommand. Each
// handler returns the process exit code (0 success, 1 failure; usage errors are CLI11's, 2) and
// prints its own error message.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cocos::manager::app {

struct KeysOptions {
  std::string type = "ed25519";
  std::string out;
};
int run_keys(const KeysOptions& o);

struct ChecksumOptions {
  std::string path;
  bool manifest = false;  // hash the manifest's canonical JSON (what the agent measures)
  bool base64 = false;
};
int run_checksum(const ChecksumOptions& o);

struct SignOptions {
  std::string key;
  std::string computation;
  std::string item;
  std::uint32_t index = 0;
  std::string filename;
  std::string file;
  std::string out;
};
int run_sign(const SignOptions& o);

}  // namespace cocos::manager::app
