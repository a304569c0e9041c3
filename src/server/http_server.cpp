#include "server/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include "core/error.h"
#include "server/api.h"
#include "server/metrics.h"
#include "server/routes.h"
#include "server/scheduler.h"

namespace hearth::server {

namespace {

// Handler threads: every open stream holds one for its whole length.
constexpr size_t kHandlerThreads = 128;
constexpr size_t kMaxBodyBytes = size_t{64} << 20;
// Blob uploads (POST /api/blobs/...) stream to disk and may be whole models.
constexpr size_t kMaxUploadBytes = size_t{1} << 40;

bool upload_endpoint(const std::string& path) { return path.rfind("/api/blobs/", 0) == 0; }

bool open_endpoint(const std::string& path) { return path == "/" || path == "/api/version"; }

ErrorStyle style_for(const std::string& path) {
  return path.rfind("/v1/", 0) == 0 ? ErrorStyle::OpenAI : ErrorStyle::Ollama;
}

// Constant-time comparison, so the key cannot be guessed byte by byte.
bool same_secret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

}  // namespace

struct HttpServer::Impl {
  Impl(ServerConfig c, std::unique_ptr<Catalog> cat)
      : config(std::move(c)), catalog(std::move(cat)), scheduler(config), api{config, *catalog, scheduler, metrics} {}

  ServerConfig config;
  std::unique_ptr<Catalog> catalog;
  Metrics metrics;
  Scheduler scheduler;
  Api api;
  httplib::Server http;

  // CORS and the API key, before any route.
  httplib::Server::HandlerResponse gate(const httplib::Request& req, httplib::Response& res) {
    const std::string origin = req.get_header_value("Origin");
    if (!origin.empty()) {
      if (!origin_allowed(config, origin)) {
        send_error(res, style_for(req.path), 403, "origin '" + origin + "' is not allowed (HEARTH_ORIGINS)");
        return httplib::Server::HandlerResponse::Handled;
      }
      res.set_header("Access-Control-Allow-Origin", origin);
      res.set_header("Vary", "Origin");
    }
    if (!upload_endpoint(req.path) && req.get_header_value<uint64_t>("Content-Length") > kMaxBodyBytes) {
      send_error(res, style_for(req.path), 413, "the request body is too large");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.method == "OPTIONS") {
      res.set_header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS");
      res.set_header("Access-Control-Allow-Headers",
                     req.has_header("Access-Control-Request-Headers")
                         ? req.get_header_value("Access-Control-Request-Headers")
                         : "Authorization, Content-Type, User-Agent, Accept, X-Requested-With");
      res.set_header("Access-Control-Max-Age", "86400");
      res.status = 204;
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!config.api_key.empty() && !open_endpoint(req.path)) {
      const std::string auth = req.get_header_value("Authorization");
      const std::string prefix = "Bearer ";
      if (auth.rfind(prefix, 0) != 0 || !same_secret(auth.substr(prefix.size()), config.api_key)) {
        res.set_header("WWW-Authenticate", "Bearer");
        send_error(res, style_for(req.path), 401, "unauthorized: this server needs an API key (Authorization: Bearer ...)");
        metrics.request(req.path, 401);
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  }
};

HttpServer::HttpServer(ServerConfig config, std::unique_ptr<Catalog> catalog)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(catalog))) {
  Impl& s = *impl_;
  s.http.new_task_queue = [] { return new httplib::ThreadPool(kHandlerThreads); };
  // Streams send a small chunk per token: no Nagle delay on them.
  s.http.set_tcp_nodelay(true);
  // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, with which a
  // second server on the same port would start and share its connections.
  s.http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s.http.set_payload_max_length(kMaxUploadBytes);  // others are held to kMaxBodyBytes by gate()
  s.http.set_read_timeout(60, 0);
  s.http.set_write_timeout(60, 0);
  s.http.set_pre_routing_handler([&s](const httplib::Request& req, httplib::Response& res) { return s.gate(req, res); });
  s.http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 404) send_error(res, style_for(req.path), 404, "no such endpoint: " + req.method + " " + req.path);
    else if (res.status == 413) send_error(res, style_for(req.path), 413, "the request body is too large");
    else send_error(res, style_for(req.path), res.status, "HTTP " + std::to_string(res.status));
  });
  register_model_routes(s.http, s.api);
  register_store_routes(s.http, s.api);
  register_ollama_routes(s.http, s.api);
  register_openai_routes(s.http, s.api);
}

HttpServer::~HttpServer() { stop(); }

int HttpServer::bind() {
  Impl& s = *impl_;
  const Address& a = s.config.address;
  if (a.port == 0) {
    const int port = s.http.bind_to_any_port(a.host);
    if (port < 0) fail("cannot listen on ", a.host, ": the address is not available");
    return port;
  }
  if (!s.http.bind_to_port(a.host, a.port))
    fail("cannot listen on ", a.host, ":", a.port, ": the address is in use or not available (HEARTH_HOST)");
  return a.port;
}

void HttpServer::serve() { impl_->http.listen_after_bind(); }

void HttpServer::stop() {
  if (impl_) impl_->http.stop();
}

}  // namespace hearth::server
