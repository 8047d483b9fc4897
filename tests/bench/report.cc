// Table and JSON output of the benchmark report.
#include "report.h"

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

namespace cocos::bench {

void Report::set(const std::string& key, double value, const std::string& unit,
                 const std::string& target) {
  for (auto& m : metrics_) {
    if (m.key == key) {
      m = Metric{key, value, unit, target};
      return;
    }
  }
  metrics_.push_back(Metric{key, value, unit, target});
}

void Report::note(const std::string& bench, const std::string& text) {
  notes_.emplace_back(bench, text);
}

void Report::skipped(const std::string& bench, const std::string& why) {
  skipped_.emplace_back(bench, why);
}

std::optional<double> Report::get(const std::string& key) const {
  for (const auto& m : metrics_) {
    if (m.key == key) return m.value;
  }
  return std::nullopt;
}

void Report::print_table(std::FILE* out) const {
  const MachineInfo mi = machine_info();
  std::fprintf(out, "machine: %u cpus, %s, %.1f GiB; load average %s\n\n", mi.cpus,
               mi.cpu_model.c_str(), mi.mem_gib, mi.loadavg.c_str());
  std::fprintf(out, "%-32s %14s  %-8s %s\n", "key", "value", "unit", "target");
  std::fprintf(out, "%-32s %14s  %-8s %s\n", "--------------------------------", "--------------",
               "--------", "------");
  for (const auto& m : metrics_) {
    std::fprintf(out, "%-32s %14.3f  %-8s %s\n", m.key.c_str(), m.value, m.unit.c_str(),
                 m.target.c_str());
  }
  if (!notes_.empty()) std::fprintf(out, "\nnotes:\n");
  for (const auto& [b, t] : notes_) std::fprintf(out, "  %s: %s\n", b.c_str(), t.c_str());
  if (!skipped_.empty()) std::fprintf(out, "\nskipped:\n");
  for (const auto& [b, t] : skipped_) std::fprintf(out, "  %s: %s\n", b.c_str(), t.c_str());
}

std::string Report::to_json(const std::string& mode) const {
  nlohmann::ordered_json j;
  for (const auto& m : metrics_) j[m.key] = m.value;
  nlohmann::ordered_json notes = nlohmann::ordered_json::object();
  for (const auto& [b, t] : notes_) {
    notes[b] = notes.contains(b) ? notes[b].get<std::string>() + "; " + t : t;
  }
  nlohmann::ordered_json skipped = nlohmann::ordered_json::object();
  for (const auto& [b, t] : skipped_) skipped[b] = t;
  const MachineInfo mi = machine_info();
  j["mode"] = mode;
  j["machine"] = {{"cpus", mi.cpus},
                  {"cpu_model", mi.cpu_model},
                  {"mem_gib", mi.mem_gib},
                  {"loadavg", mi.loadavg}};
  j["notes"] = notes;
  j["skipped"] = skipped;
  return j.dump(2);
}

MachineInfo machine_info() {
  MachineInfo mi;
  mi.cpus = std::thread::hardware_concurrency();
  std::ifstream cpu("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpu, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto c = line.find(':');
      if (c != std::string::npos) mi.cpu_model = line.substr(c + 2);
      break;
    }
  }
  std::ifstream mem("/proc/meminfo");
  while (std::getline(mem, line)) {
    if (line.rfind("MemTotal:", 0) == 0) {
      mi.mem_gib = std::strtod(line.c_str() + 9, nullptr) / (1024.0 * 1024.0);
      break;
    }
  }
  std::ifstream load("/proc/loadavg");
  std::string a, b, c;
  load >> a >> b >> c;
  mi.loadavg = a + " " + b + " " + c;
  return mi;
}

}  // namespace cocos::bench
