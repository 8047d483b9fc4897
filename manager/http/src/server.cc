// Monitor: the cpp-httplib server (routes, JSON errors, SSE) on its own threads.
#include <httplib.h>
#include <sys/socket.h>

#include <charconv>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "assets.h"
#include "cocos/manager/http/monitor.h"

namespace cocos::manager::http {

namespace {

constexpr std::size_t kDefaultPage = 100;
// SSE: a comment line this often keeps proxies open and notices a vanished client.
constexpr std::uint64_t kKeepaliveMs = 10000;

void send_json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body, "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& code,
                const std::string& message) {
  nlohmann::json j = {{"error", {{"code", code}, {"message", message}, {"status", status}}}};
  send_json(res, status, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// Reads an unsigned query parameter; false (and a 400 sent) when it is not a number.
bool query_uint(const httplib::Request& req, httplib::Response& res, const char* name,
                std::uint64_t& value) {
  if (!req.has_param(name)) return true;
  std::string v = req.get_param_value(name);
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
  if (ec != std::errc() || p != v.data() + v.size() || v.empty()) {
    send_error(res, 400, "bad_request",
               std::string("query parameter '") + name + "' must be an unsigned integer");
    return false;
  }
  return true;
}

// offset/limit paging; limit defaults to kDefaultPage and is capped at kMaxPage.
bool paging(const httplib::Request& req, httplib::Response& res, std::size_t& offset,
            std::size_t& limit) {
  std::uint64_t o = 0, l = kDefaultPage;
  if (!query_uint(req, res, "offset", o) || !query_uint(req, res, "limit", l)) return false;
  offset = static_cast<std::size_t>(std::min<std::uint64_t>(o, 1u << 30));
  limit = static_cast<std::size_t>(std::clamp<std::uint64_t>(l, 1, kMaxPage));
  return true;
}

// Wraps a handler: our handlers never let an exception reach httplib (bad_alloc, json).
httplib::Server::Handler guarded(httplib::Server::Handler h) {
  return [h = std::move(h)](const httplib::Request& req, httplib::Response& res) {
    try {
      h(req, res);
    } catch (const std::exception& e) {
      send_error(res, 500, "internal", e.what());
    } catch (...) {
      send_error(res, 500, "internal", "unexpected failure");
    }
  };
}

}  // namespace

Result<ListenAddress> parse_listen_address(const std::string& text) {
  ListenAddress a;
  std::string port = text;
  auto colon = text.rfind(':');
  if (colon != std::string::npos) {
    a.host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']')
    a.host = a.host.substr(1, a.host.size() - 2);
  if (a.host.empty()) a.host = "127.0.0.1";
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), a.port);
  if (port.empty() || ec != std::errc() || p != port.data() + port.size() || a.port < 0 ||
      a.port > 65535)
    return make_error("usage", "--http wants ADDR:PORT (or PORT), got '" + text + "'");
  return a;
}

struct Monitor::Impl {
  Model model;
  httplib::Server server;
  ListenAddress address;
  std::thread thread;

  void routes();
  void stream(const httplib::Request& req, httplib::Response& res);
};

void Monitor::Impl::stream(const httplib::Request&, httplib::Response& res) {
  auto client = model.subscribe();
  if (!client) {
    send_error(res, 503, "too_many_streams", "too many live event streams; try again later");
    return;
  }
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Accel-Buffering", "no");
  auto first = std::make_shared<bool>(true);
  Model* m = &model;
  res.set_chunked_content_provider(
      "text/event-stream",
      [client, first](std::size_t, httplib::DataSink& sink) {
        try {
          if (*first) {
            *first = false;
            const std::string hello = "retry: 2000\n: cocos-manager event stream\n\n";
            return sink.write(hello.data(), hello.size());
          }
          auto events = client->take(kKeepaliveMs);
          if (!events) {  // dropped (too slow) or shutting down
            sink.done();
            return true;
          }
          std::string out;
          for (const auto& e : *events) out += "event: event\ndata: " + e + "\n\n";
          if (out.empty()) out = ": keepalive\n\n";
          return sink.write(out.data(), out.size());
        } catch (...) {
          return false;
        }
      },
      [m, client](bool) { m->unsubscribe(client); });
}

void Monitor::Impl::routes() {
  server.Get("/api/agents", guarded([this](const httplib::Request& req, httplib::Response& res) {
               std::size_t off, lim;
               if (paging(req, res, off, lim)) send_json(res, 200, model.agents_json(off, lim));
             }));
  server.Get("/api/computations",
             guarded([this](const httplib::Request& req, httplib::Response& res) {
               std::size_t off, lim;
               if (paging(req, res, off, lim))
                 send_json(res, 200, model.computations_json(off, lim));
             }));
  server.Get(R"(/api/computations/([^/]+))",
             guarded([this](const httplib::Request& req, httplib::Response& res) {
               std::string id = req.matches[1];
               auto doc = model.computation_json(id);
               if (!doc)
                 send_error(res, 404, "not_found", "no computation '" + id + "'");
               else
                 send_json(res, 200, *doc);
             }));
  server.Get(R"(/api/computations/([^/]+)/events)",
             guarded([this](const httplib::Request& req, httplib::Response& res) {
               std::string id = req.matches[1];
               std::uint64_t since = 0, limit = kDefaultPage;
               if (!query_uint(req, res, "since", since) || !query_uint(req, res, "limit", limit))
                 return;
               auto doc = model.computation_events_json(
                   id, since,
                   static_cast<std::size_t>(std::clamp<std::uint64_t>(limit, 1, kMaxPage)));
               if (!doc)
                 send_error(res, 404, "not_found", "no computation '" + id + "'");
               else
                 send_json(res, 200, *doc);
             }));
  server.Get("/api/events", guarded([this](const httplib::Request& req, httplib::Response& res) {
               std::size_t off, lim;
               if (paging(req, res, off, lim))
                 send_json(res, 200, model.recent_events_json(off, lim));
             }));
  server.Get("/api/events/stream", guarded([this](const httplib::Request& req,
                                                  httplib::Response& res) { stream(req, res); }));
  server.Get("/metrics", guarded([this](const httplib::Request&, httplib::Response& res) {
               res.set_header("Cache-Control", "no-store");
               res.set_content(model.metrics_text(), "text/plain; version=0.0.4; charset=utf-8");
             }));
  server.Get(R"(/[^/]*)", guarded([](const httplib::Request& req, httplib::Response& res) {
               const Asset* a = find_asset(req.path);
               if (!a) {
                 send_error(res, 404, "not_found", "no such path: " + req.path);
                 return;
               }
               res.set_content(a->body.data(), a->body.size(), std::string(a->content_type));
             }));
  // Everything else (unknown paths, other methods): a JSON 404 / 405.
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;  // a handler already wrote its error
    if (req.method != "GET" && req.method != "HEAD")
      send_error(res, 405, "method_not_allowed", "the API is read-only");
    else
      send_error(res, res.status, res.status == 404 ? "not_found" : "error",
                 "no such path: " + req.path);
  });
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        send_error(res, 500, "internal", "unexpected failure");
      });
  server.set_logger([this](const httplib::Request&, const httplib::Response& res) {
    model.count_request(res.status);
  });
}

Monitor::Monitor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Monitor::~Monitor() {
  impl_->model.close_streams();
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

Result<std::unique_ptr<Monitor>> Monitor::start(const std::string& address) {
  auto addr = parse_listen_address(address);
  if (!addr) return addr.take_error();
  try {
    auto impl = std::make_unique<Impl>();
    impl->address = *addr;
    // Enough workers for every allowed live stream plus the API.
    impl->server.new_task_queue = [] { return new httplib::ThreadPool(kMaxSseClients + 8); };
    impl->server.set_read_timeout(5, 0);
    impl->server.set_write_timeout(5, 0);
    impl->server.set_payload_max_length(64 * 1024);
    // httplib's default also sets SO_REUSEPORT, which would let a second manager share the
    // port silently; SO_REUSEADDR alone still allows a quick restart.
    impl->server.set_socket_options([](int sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    impl->routes();
    if (addr->port == 0) {
      int port = impl->server.bind_to_any_port(addr->host);
      if (port <= 0) return make_error("io_error", "cannot listen on " + addr->host + ":0");
      impl->address.port = port;
    } else if (!impl->server.bind_to_port(addr->host, addr->port)) {
      return make_error("io_error", "cannot listen on " + address);
    }
    Impl* raw = impl.get();
    impl->thread = std::thread([raw] { raw->server.listen_after_bind(); });
    // stop() only works once the accept loop runs: wait for it so the destructor cannot race.
    for (int i = 0; i < 5000 && !raw->server.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return std::unique_ptr<Monitor>(new Monitor(std::move(impl)));
  } catch (const std::exception& e) {
    return make_error("io_error", std::string("http server: ") + e.what());
  }
}

std::string Monitor::url() const {
  const std::string& h = impl_->address.host;
  std::string host = h.find(':') != std::string::npos ? "[" + h + "]" : h;
  if (h == "0.0.0.0") host = "127.0.0.1";
  return "http://" + host + ":" + std::to_string(impl_->address.port) + "/";
}

int Monitor::port() const {
  return impl_->address.port;
}

Model& Monitor::model() {
  return impl_->model;
}

SessionObserver Monitor::observer() {
  Model* m = &impl_->model;
  SessionObserver o;
  o.on_hello = [m](const messages::Hello& h, std::uint64_t acked) { m->on_hello(h, acked); };
  o.on_event = [m](const StoredEvent& e) { m->on_event(e); };
  o.on_log = [m](const std::string& a, const messages::Log& l) { m->on_log(a, l); };
  o.on_seen = [m](const std::string& a) { m->on_seen(a); };
  o.on_event_ack = [m](const std::string& a, std::uint64_t seq, std::uint64_t acked) {
    m->on_event_ack(a, seq, acked);
  };
  o.on_transfer = [m](const std::string& cid, const std::string& item, std::uint64_t done,
                      std::uint64_t total) { m->on_transfer(cid, item, done, total); };
  return o;
}

}  // namespace cocos::manager::http
