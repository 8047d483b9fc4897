// SNP reports through the Linux configfs-tsm interface (Documentation/ABI/testing/
// configfs-tsm): for each request we create a private entry under `root`
// (/sys/kernel/config/tsm/report/<entry>), write `inblob` (REPORT_DATA) and `privlevel` (the
// VMPL), read `outblob` (the report; the kernel asks the PSP during this read) and `auxblob`
// (the GHCB certificate table), then remove the entry.
//
// Every write to an entry's attributes bumps its `generation`. We know how many writes we made,
// so if `generation` differs after reading the blobs, another writer touched our entry between
// our writes and the reads and the report may belong to someone else's inblob: the attempt is
// thrown away and repeated with a fresh entry (at most `max_attempts` times, then "busy").
// Files are written like go-configfs-tsm (os.WriteFile: O_WRONLY|O_CREAT|O_TRUNC).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "cocos/attestation/snp_provider.h"

namespace cocos::attestation {

inline constexpr const char* kDefaultTsmRoot = "/sys/kernel/config/tsm/report";

struct ConfigfsTsmConfig {
  std::string root = kDefaultTsmRoot;
  std::uint32_t vmpl = 2;  // cocos ATTESTATION_VMPL default
  int max_attempts = 3;
  // Test hook: called right after mkdir of an entry, where the kernel would populate it.
  std::function<void(const std::string& entry_dir)> on_entry_created_for_test;
};

class ConfigfsTsmProvider : public SnpProvider {
 public:
  explicit ConfigfsTsmProvider(ConfigfsTsmConfig config) : config_(std::move(config)) {}
  Result<SnpReport> get_report(std::span<const std::uint8_t, 64> report_data) override;
  std::string name() const override { return "configfs-tsm"; }

  // True when `root` is an existing directory (the report subsystem is mounted).
  static bool available(const std::string& root);

 private:
  struct Attempt {
    bool raced = false;
    SnpReport report;
  };
  Result<Attempt> attempt(std::span<const std::uint8_t, 64> report_data);
  ConfigfsTsmConfig config_;
  std::uint64_t counter_ = 0;
};

}  // namespace cocos::attestation
