#pragma once
// hearth serve: the HTTP server (cpp-httplib) with the ollama, OpenAI and
// model-management routes, in front of the scheduler. Also enforces the API
// key (HEARTH_API_KEY: "Authorization: Bearer <key>" on every endpoint but
// / and /api/version) and the browser origins allowed (CORS).
#include <memory>

#include "server/catalog.h"
#include "server/config.h"

namespace hearth::server {

class HttpServer {
 public:
  HttpServer(ServerConfig config, std::unique_ptr<Catalog> catalog);
  ~HttpServer();

  // Binds the configured address (port 0: any free port) and returns the
  // port. Throws hearth::Error when the address cannot be bound.
  int bind();
  // Answers requests until stop() (from another thread or a signal handler
  // thread).
  void serve();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hearth::server
