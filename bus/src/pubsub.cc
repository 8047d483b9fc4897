// EventPublisher / EventSubscriber.
#include "cocos/bus/pubsub.h"

#include <spdlog/spdlog.h>

#include "cocos/bus/channel.h"

namespace cocos::bus {

std::string event_topic(std::string_view agent_id, messages::MessageType t) {
  return "cocos." + std::string(agent_id) + "." + std::string(messages::wire_name(t));
}

Result<EventPublisher> EventPublisher::make(zmq::context_t& ctx, const std::string& endpoint,
                                            std::string agent_id, const LinkOptions& o, bool bind) {
  try {
    zmq::socket_t s(ctx, zmq::socket_type::pub);
    apply_options(s, o);
    std::string ep = endpoint;
    if (bind) {
      auto r = bind_endpoint(s, endpoint);
      if (!r) return r.take_error();
      ep = *r;
    } else {
      s.connect(endpoint);
    }
    return Result<EventPublisher>(EventPublisher(std::move(s), std::move(agent_id), ep));
  } catch (const zmq::error_t& e) {
    return make_error("io_error", "event publisher '" + endpoint + "': " + e.what());
  }
}

Result<EventPublisher> EventPublisher::bind(zmq::context_t& ctx, const std::string& endpoint,
                                            std::string agent_id, LinkOptions o) {
  return make(ctx, endpoint, std::move(agent_id), o, true);
}

Result<EventPublisher> EventPublisher::connect(zmq::context_t& ctx, const std::string& endpoint,
                                               std::string agent_id, LinkOptions o) {
  return make(ctx, endpoint, std::move(agent_id), o, false);
}

Status EventPublisher::publish(const messages::Envelope& env) {
  const std::string topic = event_topic(agent_id_, env.header.type);
  auto f = messages::encode_message(env);
  try {
    (void)socket_.send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    (void)socket_.send(zmq::buffer(f.header), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    (void)socket_.send(zmq::buffer(f.body), zmq::send_flags::dontwait);
  } catch (const zmq::error_t& e) {
    return make_error("io_error", std::string("publish: ") + e.what());
  }
  return ok_status();
}

Result<EventSubscriber> EventSubscriber::make(zmq::context_t& ctx, const std::string& endpoint,
                                              const LinkOptions& o,
                                              const std::vector<std::string>& prefixes, bool bind) {
  try {
    zmq::socket_t s(ctx, zmq::socket_type::sub);
    apply_options(s, o);
    for (const auto& p : prefixes) s.set(zmq::sockopt::subscribe, p);
    std::string ep = endpoint;
    if (bind) {
      auto r = bind_endpoint(s, endpoint);
      if (!r) return r.take_error();
      ep = *r;
    } else {
      s.connect(endpoint);
    }
    return EventSubscriber(std::move(s), o.limits, ep);
  } catch (const zmq::error_t& e) {
    return make_error("io_error", "event subscriber '" + endpoint + "': " + e.what());
  }
}

Result<EventSubscriber> EventSubscriber::connect(zmq::context_t& ctx, const std::string& endpoint,
                                                 LinkOptions o, std::vector<std::string> prefixes) {
  return make(ctx, endpoint, o, prefixes, false);
}

Result<EventSubscriber> EventSubscriber::bind(zmq::context_t& ctx, const std::string& endpoint,
                                              LinkOptions o, std::vector<std::string> prefixes) {
  return make(ctx, endpoint, o, prefixes, true);
}

Status EventSubscriber::subscribe(const std::string& prefix) {
  try {
    socket_.set(zmq::sockopt::subscribe, prefix);
  } catch (const zmq::error_t& e) {
    return make_error("io_error", std::string("subscribe: ") + e.what());
  }
  return ok_status();
}

bool EventSubscriber::spin_until_readable(Clock::time_point deadline) {
  const auto until = std::min(last_message_ + spin_, deadline);
  while (Clock::now() < until) {
    // A zero-timeout poll also processes the socket's pending commands (a pipe that became
    // readable), so it sees a message as soon as the I/O thread hands it over.
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::milliseconds(0)) > 0) return true;
  }
  return false;
}

Result<std::optional<Published>> EventSubscriber::receive(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  try {
    while (true) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() < 0) left = std::chrono::milliseconds(0);
      zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
      if (!spin_until_readable(deadline) && zmq::poll(&item, 1, left) == 0) {
        return std::optional<Published>();
      }
      last_message_ = Clock::now();
      std::vector<zmq::message_t> frames;
      zmq::message_t part;
      bool more = true;
      while (more) {
        (void)socket_.recv(part, zmq::recv_flags::none);
        more = part.more();
        if (frames.size() < 3) {
          frames.push_back(std::move(part));
        } else {
          frames.clear();  // too many frames: poison the message, keep draining
          frames.resize(4);
        }
      }
      if (frames.size() == 3) {
        std::vector<messages::ByteView> v{
            {static_cast<const std::uint8_t*>(frames[1].data()), frames[1].size()},
            {static_cast<const std::uint8_t*>(frames[2].data()), frames[2].size()}};
        auto env = messages::decode_message(v, limits_);
        const std::string topic = frames[0].to_string();
        if (env && topic.rfind("cocos.", 0) == 0) {
          std::string rest = topic.substr(6);
          std::string suffix = "." + std::string(messages::wire_name(env->header.type));
          if (rest.size() > suffix.size() &&
              rest.compare(rest.size() - suffix.size(), suffix.size(), suffix) == 0) {
            return std::optional<Published>(
                Published{topic, rest.substr(0, rest.size() - suffix.size()), std::move(*env)});
          }
        }
      }
      ++malformed_;
      spdlog::debug("bus: subscriber dropped a malformed message");
    }
  } catch (const zmq::error_t& e) {
    return make_error("io_error", std::string("subscriber receive: ") + e.what());
  }
}

}  // namespace cocos::bus
