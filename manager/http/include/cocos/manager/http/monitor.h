// The manager's HTTP face: a Model fed by the bus loop (through observer()) and an HTTP server
// on its own threads serving the dashboard (embedded static assets), the read-only JSON API,
// the live event stream (Server-Sent Events) and Prometheus metrics. See manager/http/README.md.
//
// Off unless the operator asks (`--http ADDR:PORT`); "PORT" or ":PORT" alone binds loopback.
// Thread-safe; destroying the Monitor closes the streams and stops and joins the server.
#pragma once

#include <memory>
#include <string>

#include "cocos/common/result.h"
#include "cocos/manager/agent_session.h"
#include "cocos/manager/http/model.h"

namespace cocos::manager::http {

struct ListenAddress {
  std::string host;  // "127.0.0.1" when not given
  int port = 0;      // 0: any free port
};
// "ADDR:PORT", ":PORT", "PORT", "[::1]:PORT". Error "usage" naming the problem.
Result<ListenAddress> parse_listen_address(const std::string& text);

class Monitor {
 public:
  // Binds and starts serving. Errors: "usage" (bad address), "io_error" (cannot bind).
  static Result<std::unique_ptr<Monitor>> start(const std::string& address);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  std::string url() const;  // http://HOST:PORT/
  int port() const;
  Model& model();
  // Callbacks that feed the model; hand them to the session (RunConfig::monitor).
  SessionObserver observer();

 private:
  struct Impl;
  explicit Monitor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cocos::manager::http
