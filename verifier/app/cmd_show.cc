// `show`: every field of a report (raw, hex, with certificate table), an evidence file or a TCG
// event log (with its replayed PCR values).
#include <nlohmann/json.hpp>
#include <ostream>

#include "cocos/igvm/measure.h"
#include "commands.h"
#include "describe.h"

namespace cocos::verifier::app {

int cmd_show(const ShowArgs& a, const Io& io) {
  auto file = igvm::read_file_bounded(a.file, evidence::kMaxEvidenceBytes);
  if (!file) return unusable(io, file.error());
  Fields f;
  std::string kind;
  auto rep = snp::load_report(*file);
  if (rep) {
    kind = "snp-report";
    f = describe_report(rep->report);
    for (auto& kv : describe_cert_table(rep->certs)) f.push_back(kv);
    for (auto& w : rep->warnings) f.emplace_back("warning", w);
  } else {
    auto ev = evidence::decode_evidence(*file);
    if (ev) {
      kind = "evidence";
      f = describe_evidence(*ev);
    } else {
      auto log = vtpm::parse_event_log(*file);
      if (!log) {
        return unusable(
            io, make_error("bad_input", "neither a report (" + rep.error().message +
                                            ") nor evidence (" + ev.error().message +
                                            ") nor an event log (" + log.error().message + ")"));
      }
      kind = "event-log";
      f = describe_event_log(*log);
    }
  }
  if (a.json) {
    nlohmann::ordered_json j;
    j["kind"] = kind;
    for (const auto& [k, v] : f) j["fields"][k] = v;
    io.out << j.dump(2) << "\n";
  } else {
    io.out << kind << "\n";
    for (const auto& [k, v] : f) io.out << "  " << k << ": " << v << "\n";
  }
  return kExitValid;
}

}  // namespace cocos::verifier::app
