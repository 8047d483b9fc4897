// The benchmark report: named numbers in the order they were measured, a note per benchmark
// (what bounded it, what was skipped), printed as a table for people or one JSON object.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace cocos::bench {

struct Metric {
  std::string key;
  double value = 0;
  std::string unit;    // "MiB/s", "us", "/s", ...
  std::string target;  // e.g. ">= 0.85" (empty: none)
};

class Report {
 public:
  void set(const std::string& key, double value, const std::string& unit,
           const std::string& target = "");
  void note(const std::string& bench, const std::string& text);
  void skipped(const std::string& bench, const std::string& why);
  std::optional<double> get(const std::string& key) const;
  const std::vector<Metric>& metrics() const { return metrics_; }

  void print_table(std::FILE* out) const;
  // {"key": number, ..., "notes": {bench: text}, "skipped": {bench: why}, "machine": {...}}
  std::string to_json(const std::string& mode) const;

 private:
  std::vector<Metric> metrics_;
  std::vector<std::pair<std::string, std::string>> notes_, skipped_;
};

// nproc, CPU model and memory, for the report header.
struct MachineInfo {
  unsigned cpus = 0;
  std::string cpu_model;
  double mem_gib = 0;
  std::string loadavg;  // /proc/loadavg's 1, 5 and 15 minute figures when the report was made
};
MachineInfo machine_info();

}  // namespace cocos::bench
