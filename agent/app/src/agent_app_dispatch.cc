// Request dispatch: each manager request becomes one Agent call and exactly one reply. Errors
// carry the agent's state. attestation.get runs on the attestation worker, and upload.end of a
// zipped dataset waits for the unpack worker; their replies are sent from the loop thread when
// the worker posts the outcome back.
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "agent_app.h"
#include "cocos/messages/errors.h"
#include "cocos/messages/manifest.h"
#include "conversions.h"

namespace cocos::agent::app {
namespace {

constexpr std::uint32_t kEventsSinceDefault = 100;
constexpr std::uint32_t kEventsSinceMax = 500;

}  // namespace

void AgentApp::reply_error(const bus::Incoming& in, const Error& e) {
  spdlog::info("{} #{} -> error {}: {}", messages::wire_name(in.type()), in.msg.header.id, e.code,
               e.message);
  if (auto st = link_->channel().reply_error(in, e.code, e.message,
                                             std::string(state_name(agent_->state())));
      !st) {
    spdlog::warn("reply: {}", st.error().to_string());
  }
}

void AgentApp::on_message(bus::Incoming&& in) {
  using T = messages::MessageType;
  switch (in.type()) {
    case T::kUploadChunk:
      if (const auto* c = in.body<messages::UploadChunk>()) {
        agent_->upload_chunk(c->upload_id, c->offset, in.take_raw());
      }
      return;
    case T::kResultCredit:
      if (const auto* c = in.body<messages::ResultCredit>()) {
        agent_->result_credit(c->stream_id, c->credits);
      }
      return;
    default:
      break;
  }
  if (messages::info(in.type()).cls != messages::MessageClass::kRequest) {
    spdlog::debug("ignoring notice {}", messages::wire_name(in.type()));
    return;
  }
  handle_request(in);
}

void AgentApp::handle_request(bus::Incoming& in) {
  using T = messages::MessageType;
  auto reply = [&](messages::Body body) {
    if (auto st = link_->reply(in, std::move(body)); !st) {
      spdlog::warn("reply {}: {}", messages::wire_name(in.type()), st.error().to_string());
    }
  };
  switch (in.type()) {
    case T::kPing:
      reply(messages::Pong{});
      return;
    case T::kStateGet: {
      StateReport r = agent_->state_report();
      messages::State s;
      s.state = r.state;
      s.computation_id = r.computation_id;
      s.status = r.status;
      s.seq = r.seq;
      for (const auto& i : r.items) {
        messages::ItemStatus m;
        m.item = i.item;
        m.index = i.index;
        m.filename = i.filename;
        m.received = i.received;
        m.bytes = i.bytes;
        s.items.push_back(std::move(m));
      }
      s.consumers_pending = r.consumers_pending;
      reply(std::move(s));
      return;
    }
    case T::kManifestPut: {
      const auto& m = in.body<messages::ManifestPut>()->manifest;
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(messages::manifest_to_json(m));
      } catch (const nlohmann::json::exception& e) {
        reply_error(in, make_error("bad_manifest", e.what()));
        return;
      }
      if (auto st = agent_->manifest_put(j); !st) {
        reply_error(in, st.error());
        return;
      }
      reply(messages::Ok{});
      // PCR16 measurement of the accepted manifest (cocos does the same), off the loop thread.
      if (attester_->has_vtpm()) {
        std::string canonical = messages::canonical_manifest_json(m);
        AttestationAdapter* att = attester_.get();
        attest_worker_->submit([att, canonical] {
          if (auto st = att->extend_manifest_measurement(as_bytes(canonical)); !st) {
            spdlog::warn("PCR16 manifest measurement: {}", st.error().to_string());
          } else {
            spdlog::info("PCR16 extended with the manifest measurement");
          }
        });
      }
      return;
    }
    case T::kUploadBegin: {
      const auto* b = in.body<messages::UploadBegin>();
      UploadBeginRequest req;
      req.item = b->item;
      req.index = b->index;
      req.filename = b->filename;
      req.size = b->size;
      req.sha3 = b->sha3_256;
      req.signature = b->signature;
      auto r = agent_->upload_begin(req);
      if (!r) {
        reply_error(in, r.error());
        return;
      }
      messages::UploadReady ready;
      ready.upload_id = r->upload_id;
      ready.offset = r->offset;
      ready.chunk_size = r->chunk_size;
      ready.credits = r->credits;
      spdlog::info("upload {} of {} bytes: id {} from offset {}", b->item, b->size, r->upload_id,
                   r->offset);
      reply(ready);
      return;
    }
    case T::kUploadEnd: {
      // Answered now, or (a zipped dataset) once it is unpacked: keep what the reply needs.
      const messages::Header header = in.msg.header;
      agent_->upload_end(in.body<messages::UploadEnd>()->upload_id,
                         [this, header](Result<UploadDone> r) {
                           bus::Incoming answered;
                           answered.msg.header = header;
                           if (!r) {
                             reply_error(answered, r.error());
                             return;
                           }
                           messages::Ok ok;
                           ok.item = r->item;
                           ok.bytes = r->bytes;
                           if (auto st = link_->reply(answered, std::move(ok)); !st) {
                             spdlog::warn("reply upload.end: {}", st.error().to_string());
                           }
                         });
      return;
    }
    case T::kUploadAbort: {
      if (auto st = agent_->upload_abort(in.body<messages::UploadAbort>()->upload_id); !st) {
        reply_error(in, st.error());
        return;
      }
      reply(messages::Ok{});
      return;
    }
    case T::kResultChallenge: {
      auto c = agent_->result_challenge();
      if (!c) {
        reply_error(in, c.error());
        return;
      }
      messages::Challenge ch;
      ch.challenge = *c;
      reply(std::move(ch));
      return;
    }
    case T::kResultGet: {
      const auto* g = in.body<messages::ResultGet>();
      auto r = agent_->result_get(g->consumer_key, g->signature);
      if (!r) {
        reply_error(in, r.error());
        return;
      }
      messages::ResultReady ready;
      ready.stream_id = r->stream_id;
      ready.size = r->size;
      ready.sha3_256 = r->sha3;
      reply(std::move(ready));
      return;
    }
    case T::kResultAck: {
      if (auto st = agent_->result_ack(in.body<messages::ResultAck>()->stream_id); !st) {
        reply_error(in, st.error());
        return;
      }
      reply(messages::Ok{});
      return;
    }
    case T::kAttestationGet:
      start_attestation(in, *in.body<messages::AttestationGet>());
      return;
    case T::kComputationStop: {
      const auto& reason = in.body<messages::ComputationStop>()->reason;
      if (auto st = agent_->stop(reason); !st) {
        reply_error(in, st.error());
        return;
      }
      reply(messages::Ok{});
      return;
    }
    case T::kEventsSince: {
      const auto* q = in.body<messages::EventsSince>();
      std::uint32_t max = q->max == 0 ? kEventsSinceDefault : std::min(q->max, kEventsSinceMax);
      bool more = false;
      messages::Events ev;
      for (const auto& r : agent_->events_since(q->seq, max, &more)) {
        ev.events.push_back(to_event_body(r));
      }
      ev.more = more;
      reply(std::move(ev));
      return;
    }
    default:
      reply_error(in, make_error(std::string(messages::err::kUnknownType),
                                 "the agent does not serve " +
                                     std::string(messages::wire_name(in.type()))));
      return;
  }
}

void AgentApp::start_attestation(const bus::Incoming& in, const messages::AttestationGet& req) {
  if (req.bind_bus_key && bus_key_.empty()) {
    reply_error(in, make_error("attestation_unavailable",
                               "bind_bus_key needs CURVE (this agent runs without a bus key)"));
    return;
  }
  // What the reply needs once the worker is done: the request's header (id, cid).
  const messages::Header header = in.msg.header;
  AttestationAdapter* att = attester_.get();
  LoopQueue* q = queue_.get();
  const Bytes bus_key = bus_key_;
  bool queued = attest_worker_->submit([this, att, q, req, header, bus_key] {
    auto ev = att->attest(req, bus_key);
    q->post([this, header, ev = std::move(ev)]() mutable {
      bus::Incoming answered;
      answered.msg.header = header;
      if (!ev) {
        reply_error(answered, ev.error());
        return;
      }
      if (auto st = link_->reply(answered, std::move(*ev)); !st) {
        spdlog::warn("evidence reply: {}", st.error().to_string());
      }
    });
  });
  if (!queued) reply_error(in, make_error("busy", "too many attestation requests queued"));
}

}  // namespace cocos::agent::app
