// configfs-tsm report requests (see configfs_tsm_provider.h).
#include "cocos/attestation/configfs_tsm_provider.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <random>

#include "cocos/attestation/cert_table.h"
#include "cocos/attestation/evidence.h"
#include "file_io.h"

namespace cocos::attestation {
namespace {

constexpr std::size_t kMaxBlob = 1 << 20;

Result<std::uint64_t> read_generation(const std::string& entry) {
  auto text = read_file_bounded(entry + "/generation", 64);
  if (!text) return text.take_error();
  std::uint64_t v = 0;
  const char* b = reinterpret_cast<const char*>(text->data());
  auto [p, ec] = std::from_chars(b, b + text->size(), v);
  if (ec != std::errc() || p == b) {
    return make_error("internal", entry + "/generation is not a number");
  }
  return v;
}

// Removes the entry when the attempt ends, whatever happened (the kernel keeps it otherwise).
struct EntryGuard {
  std::string path;
  ~EntryGuard() {
    if (::rmdir(path.c_str()) != 0) {
      spdlog::warn("attestation: cannot remove configfs-tsm entry {}: {}", path, errno_text(errno));
    }
  }
};

}  // namespace

bool ConfigfsTsmProvider::available(const std::string& root) {
  struct stat st {};
  return ::stat(root.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<ConfigfsTsmProvider::Attempt> ConfigfsTsmProvider::attempt(
    std::span<const std::uint8_t, 64> report_data) {
  std::random_device rd;
  const std::string entry = config_.root + "/cocos-" + std::to_string(::getpid()) + "-" +
                            std::to_string(++counter_) + "-" + std::to_string(rd());
  if (::mkdir(entry.c_str(), 0700) != 0) {
    return make_error("attestation_unavailable",
                      "configfs-tsm: cannot create " + entry + ": " + errno_text(errno));
  }
  EntryGuard guard{entry};
  if (config_.on_entry_created_for_test) config_.on_entry_created_for_test(entry);

  auto start = read_generation(entry);
  if (!start) return start.take_error();
  if (auto s = write_file(entry + "/inblob", report_data); !s) return s.take_error();
  const std::string level = std::to_string(config_.vmpl);
  if (auto s = write_file(entry + "/privlevel", as_bytes(level)); !s) return s.take_error();
  const std::uint64_t expected = *start + 2;  // our two writes

  auto out = read_file_bounded(entry + "/outblob", kMaxBlob);
  if (!out) return out.take_error();
  auto aux = read_file_bounded(entry + "/auxblob", kMaxBlob);
  if (!aux && aux.error().code != "not_found") return aux.take_error();  // no certs supplied
  auto end = read_generation(entry);
  if (!end) return end.take_error();

  Attempt a;
  if (*end != expected) {
    spdlog::warn("attestation: configfs-tsm entry {} generation {} != expected {}: raced", entry,
                 *end, expected);
    a.raced = true;
    return a;
  }
  if (auto s = check_report(*out, report_data, "configfs-tsm"); !s) return s.take_error();
  a.report.report = std::move(*out);
  if (aux) {
    auto certs = parse_cert_table(*aux);
    if (!certs) return certs.take_error();
    a.report.certs = std::move(*certs);
  }
  return a;
}

Result<SnpReport> ConfigfsTsmProvider::get_report(std::span<const std::uint8_t, 64> report_data) {
  for (int i = 0; i < config_.max_attempts; ++i) {
    auto a = attempt(report_data);
    if (!a) return a.take_error();
    if (!a->raced) return std::move(a->report);
  }
  return make_error("busy", "configfs-tsm: another writer changed the report entry in each of " +
                                std::to_string(config_.max_attempts) + " attempts");
}

}  // namespace cocos::attestation
