// Agent uploads: upload.begin/chunk/end/abort for the algorithm, its requirements and datasets.
// Each item is checked against its OWN manifest entry: the declared SHA3-256, and a signature
// by that entry's key over upload_statement(cid, item, sha3), so a signature made for another
// item, another computation or by another provider is refused.
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

#include "agent_internal.h"
#include "cocos/common/keys.h"

namespace cocos::agent {

std::string Agent::item_key(const UploadItem& item) {
  switch (item.kind) {
    case UploadItem::Kind::kAlgorithm:
      return "algorithm";
    case UploadItem::Kind::kRequirements:
      return "requirements";
    case UploadItem::Kind::kDataset:
      return "dataset-" + std::to_string(item.index);
  }
  return "unknown";
}

Result<UploadItem> Agent::resolve_item(const UploadBeginRequest& req, std::string* stored_name,
                                       const std::string** key, const Bytes** declared) const {
  const ComputationSpec& spec = *ps_.spec;
  if (req.item == "algorithm") {
    if (ps_.algorithm.received) return make_error("already_received", "algorithm already received");
    *key = &spec.algorithm.user_key;
    *declared = &spec.algorithm.sha3;
    return UploadItem::algorithm();
  }
  if (req.item == "requirements") {
    if (!spec.algorithm.requirements_sha3) {
      return make_error("unknown_item", "the manifest declares no requirements file");
    }
    if (ps_.requirements.received) {
      return make_error("already_received", "requirements already received");
    }
    *key = &spec.algorithm.user_key;
    *declared = &*spec.algorithm.requirements_sha3;
    return UploadItem::requirements();
  }
  if (req.item == "dataset") {
    if (req.index >= spec.datasets.size()) {
      return make_error("unknown_item", "dataset index " + std::to_string(req.index) +
                                            " is not declared (the manifest has " +
                                            std::to_string(spec.datasets.size()) + ")");
    }
    const DatasetSpec& d = spec.datasets[req.index];
    std::string name = d.filename;
    if (name.empty()) {
      if (!is_plain_name(req.filename)) {
        return make_error("bad_message", "dataset filename must be a plain file name");
      }
      name = req.filename;
    } else if (!req.filename.empty() && req.filename != name) {
      return make_error("unknown_item", "dataset " + std::to_string(req.index) +
                                            " is declared as '" + name + "', not '" + req.filename +
                                            "'");
    }
    if (ps_.datasets[req.index].received) {
      return make_error("already_received",
                        "dataset " + std::to_string(req.index) + " already received");
    }
    *key = &d.user_key;
    *declared = &d.sha3;
    *stored_name = name;
    return UploadItem::dataset(req.index, name);
  }
  return make_error("unknown_item", "item must be algorithm, requirements or dataset");
}

Result<UploadReady> Agent::upload_begin(const UploadBeginRequest& req) {
  if (!ps_.spec) return state_error("upload.begin");
  std::string stored_name;
  const std::string* key = nullptr;
  const Bytes* declared = nullptr;
  auto item = resolve_item(req, &stored_name, &key, &declared);
  if (!item) return item.take_error();
  const bool is_dataset = item->kind == UploadItem::Kind::kDataset;
  const State want = is_dataset ? State::kReceivingData : State::kReceivingAlgorithm;
  if (sm_.state() != want) return state_error("upload.begin of " + item->describe());
  if (req.sha3.size() != 32) return make_error("bad_message", "sha3_256 must be 32 bytes");
  if (req.size > opt_.max_upload_bytes) {
    return make_error("too_large", item->describe() + " is " + std::to_string(req.size) +
                                       " bytes; the limit is " +
                                       std::to_string(opt_.max_upload_bytes));
  }
  if (req.sha3 != *declared) {
    return make_error("hash_mismatch", item->describe() + ": announced SHA3-256 " +
                                           to_hex(req.sha3) + " but the manifest declares " +
                                           to_hex(*declared));
  }
  // Checked up front (the statement binds the declared hash) so a bad upload costs no transfer;
  // upload.end checks the bytes against that same hash.
  auto pub = parse_declared_key(*key, item->describe());
  if (!pub) return pub.take_error();
  const std::string statement = upload_statement(ps_.spec->id, *item, *declared);
  if (auto v = pub->verify(as_bytes(statement), req.signature); !v) {
    return make_error("bad_signature", item->describe() +
                                           ": signature does not verify with the key the "
                                           "manifest declares for this item and computation");
  }
  // One open upload per item: a new begin (after a reconnect) supersedes the old one. An item
  // whose archive is being unpacked has no open upload any more; it is answered busy until then.
  const std::string ikey = item_key(*item);
  for (const auto& [id, u] : unpacking_) {
    if (item_key(u.session->item) == ikey) {
      return make_error("busy", item->describe() + " is being unpacked; upload.end of upload " +
                                    std::to_string(id) + " answers when it is done");
    }
  }
  for (auto it = uploads_.begin(); it != uploads_.end();) {
    if (item_key(it->second->item) == ikey) {
      it = uploads_.erase(it);
    } else {
      ++it;
    }
  }
  auto sink = UploadSink::open(comp_dir() + "/staging/" + ikey, req.size, *declared);
  if (!sink) return sink.take_error();
  auto s = std::make_unique<UploadSession>();
  s->item = *item;
  s->stored_name = stored_name;
  s->declared_sha3 = *declared;
  s->signature = req.signature;
  s->key = *key;
  UploadReady ready;
  ready.offset = sink->offset();
  s->sink = std::move(*sink);
  ready.upload_id = next_id_++;
  ready.chunk_size = opt_.chunk_size;
  ready.credits = opt_.upload_credits;
  uploads_[ready.upload_id] = std::move(s);
  return ready;
}

void Agent::upload_chunk(std::uint64_t upload_id, std::uint64_t offset, Chunk data) {
  auto it = uploads_.find(upload_id);
  if (it == uploads_.end()) return;  // aborted, superseded or from before a restart: drop
  UploadSession& s = *it->second;
  if (s.failed) {
    // Keep credits flowing so the sender reaches upload.end and learns the error there.
    s.discarded += data.size();
  } else if (offset != s.sink->offset() || data.size() > opt_.chunk_size) {
    // A re-sent chunk we already hold, a gap or a wrong length: dropped (PROTOCOL.md §7.1).
    // upload.end then answers size_mismatch and the sender resumes from the durable offset.
  } else if (auto st = s.sink->write(offset, std::move(data)); !st) {
    s.failed = st.error();
  }
  s.unreported_chunks += 1;
  const bool complete = !s.failed && s.sink->offset() == s.sink->size();
  if (s.unreported_chunks >= std::max<std::uint32_t>(1, opt_.upload_credits / 2) || complete ||
      s.failed) {
    // `acked` reports the bytes in the file so far, where a resume would start. Mid-stream the
    // chunks still queued for the writer thread are not waited for: waiting (as up to 3dfcc52)
    // idled the hashing thread for one disk write per credit batch. Memory stays bounded all the
    // same: the writer holds at most UploadSink::kMaxQueued chunks and write() blocks beyond
    // that, and a write error surfaces at the next write(). After the last chunk the writer is
    // caught up once, so the last credit reports every byte (fdatasync waits for upload.end).
    if (complete && !s.failed) {
      if (auto st = s.sink->flush(); !st) s.failed = st.error();
    }
    const std::uint64_t acked = s.failed ? 0 : s.sink->written();
    outbox_.upload_credit(upload_id, acked, s.unreported_chunks);
    s.unreported_chunks = 0;
  }
}

void Agent::upload_end(std::uint64_t upload_id, UploadEndReply reply) {
  auto it = uploads_.find(upload_id);
  if (it == uploads_.end()) {
    // A retried upload.end (its reply was lost) answers like the first time.
    if (auto done = finished_uploads_.find(upload_id); done != finished_uploads_.end()) {
      return reply(done->second);
    }
    if (auto u = unpacking_.find(upload_id); u != unpacking_.end()) {
      u->second.replies.push_back(std::move(reply));  // answered when the unpacker is done
      return;
    }
    return reply(make_error("unknown_item", "no open upload " + std::to_string(upload_id)));
  }
  std::unique_ptr<UploadSession> s = std::move(it->second);
  uploads_.erase(it);
  if (s->failed) {
    s->sink->discard();
    return reply(*s->failed);
  }
  if (s->sink->offset() < s->sink->size()) {
    // Chunks were lost (a dropped connection): keep what is on disk for a resume.
    (void)s->sink->flush();
    const std::uint64_t have = s->sink->written();
    return reply(make_error("size_mismatch", s->item.describe() + ": " + std::to_string(have) +
                                                 " of " + std::to_string(s->sink->size()) +
                                                 " bytes received; resume with upload.begin"));
  }
  if (auto st = s->sink->finish(); !st) return reply(st.take_error());
  const bool unpack =
      s->item.kind == UploadItem::Kind::kDataset && ps_.spec->datasets[s->item.index].decompress;
  if (unpack) {
    if (!opt_.unpack_zip) {
      s->sink->discard();
      return reply(make_error("internal", "no zip unpacker configured"));
    }
    if (auto st = make_dirs(unpack_staging_dir()); !st) {
      s->sink->discard();
      return reply(st.take_error());
    }
    const std::string zip = s->sink->path();
    Unpacking& u = unpacking_[upload_id];
    u.session = std::move(s);
    u.replies.push_back(std::move(reply));
    opt_.unpack_zip(zip, unpack_staging_dir(), u.cancel.get_token(),
                    [this, upload_id](Result<UnpackedTree> tree) {
                      finish_unpack(upload_id, std::move(tree));
                    });
    return;
  }
  std::string target;
  switch (s->item.kind) {
    case UploadItem::Kind::kAlgorithm:
      target = comp_dir() + "/algorithm/algo";
      break;
    case UploadItem::Kind::kRequirements:
      target = comp_dir() + "/algorithm/requirements.txt";
      break;
    case UploadItem::Kind::kDataset:
      target = comp_dir() + "/datasets/" + s->stored_name;
      break;
  }
  Status placed = ok_status();
  if (std::rename(s->sink->path().c_str(), target.c_str()) != 0) {
    placed = errno_error(target, errno);
  } else {
    // Only the algorithm is executable; inputs are read-only for the run.
    ::chmod(target.c_str(), s->item.kind == UploadItem::Kind::kAlgorithm ? 0700 : 0400);
    placed = fsync_dir(std::filesystem::path(target).parent_path().string());
  }
  if (placed) placed = record_item(*s, target);
  if (!placed) {
    s->sink->discard();
    return reply(placed.take_error());
  }
  const UploadDone done = remember_finished(upload_id, *s);
  after_item_received();
  reply(done);
}

void Agent::finish_unpack(std::uint64_t upload_id, Result<UnpackedTree> tree) {
  auto it = unpacking_.find(upload_id);
  // Gone: the computation was stopped or replaced meanwhile (its replies were answered then).
  // Dropping `tree` removes what was unpacked.
  if (it == unpacking_.end()) return;
  Unpacking u = std::move(it->second);
  unpacking_.erase(it);
  UploadSession& s = *u.session;
  const std::string datasets = comp_dir() + "/datasets";
  Status placed = tree ? tree->commit(datasets) : Status(tree.take_error());
  if (placed) placed = fsync_dir(datasets);
  if (placed) placed = record_item(s, "");
  std::optional<UploadDone> done;
  if (placed) {
    ::unlink(s.sink->path().c_str());  // the archive itself is not kept
    done = remember_finished(upload_id, s);
    after_item_received();
  } else {
    s.sink->discard();
  }
  for (auto& reply : u.replies) {
    if (done) {
      reply(*done);
    } else {
      reply(placed.error());
    }
  }
}

UploadDone Agent::remember_finished(std::uint64_t upload_id, const UploadSession& s) {
  UploadDone done{s.item.describe(), s.sink->size()};
  finished_uploads_[upload_id] = done;
  while (finished_uploads_.size() > 64) finished_uploads_.erase(finished_uploads_.begin());
  return done;
}

std::string Agent::unpack_staging_dir() const {
  return opt_.work_dir + "/unpacking";
}

Status Agent::upload_abort(std::uint64_t upload_id) {
  auto it = uploads_.find(upload_id);
  if (it == uploads_.end()) return ok_status();  // already gone: abort is idempotent
  it->second->sink->discard();
  uploads_.erase(it);
  return ok_status();
}

Status Agent::record_item(UploadSession& s, const std::string& target) {
  ItemProgress* progress = nullptr;
  switch (s.item.kind) {
    case UploadItem::Kind::kAlgorithm:
      progress = &ps_.algorithm;
      break;
    case UploadItem::Kind::kRequirements:
      progress = &ps_.requirements;
      break;
    case UploadItem::Kind::kDataset:
      progress = &ps_.datasets[s.item.index];
      break;
  }
  const std::uint64_t bytes = s.sink->size();
  progress->received = true;
  progress->bytes = bytes;
  progress->stored_name = target.empty() ? std::string() : s.stored_name;
  if (auto st = persist(); !st) {
    progress->received = false;
    return st;
  }
  emit(EventStatus::kInProgress, {{"item", s.item.describe()}, {"bytes", std::to_string(bytes)}});
  return ok_status();
}

void Agent::after_item_received() {
  if (sm_.state() == State::kReceivingAlgorithm) {
    const bool need_req = ps_.spec->algorithm.requirements_sha3.has_value();
    if (!ps_.algorithm.received || (need_req && !ps_.requirements.received)) return;
    auto r = fire(Event::kAlgorithmReceived);
    if (!r) {
      warn(r.error().message);
      return;
    }
    if (*r == State::kRunning) {
      enter_running();
      return;
    }
    if (auto st = persist(); !st) {
      fail("cannot persist state: " + st.error().to_string());
      return;
    }
    emit(EventStatus::kInProgress);
    return;
  }
  if (sm_.state() == State::kReceivingData) {
    for (const auto& d : ps_.datasets) {
      if (!d.received) return;
    }
    auto r = fire(Event::kDataReceived);
    if (!r) {
      warn(r.error().message);
      return;
    }
    enter_running();
  }
}

}  // namespace cocos::agent
