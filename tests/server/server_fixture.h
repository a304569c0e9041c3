#pragma once
// A hearth server in the test process, on a free loopback port, serving the
// bundled stories260K model (by path) and whatever else a test names; and an
// HTTP client for it.
#include <httplib.h>

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "server/catalog.h"
#include "server/config.h"
#include "server/http_server.h"

namespace hearth::server::testing {

inline const std::string kStories = HEARTH_SOURCE_DIR "/models/stories260K.gguf";

// An empty model store of the test's own (models are named by path).
inline std::unique_ptr<Catalog> empty_store() {
  static int n = 0;
  return make_catalog(std::filesystem::temp_directory_path() /
                      ("hearth-server-store-" + std::to_string(::getpid()) + "-" + std::to_string(n++)));
}

class TestServer {
 public:
  explicit TestServer(ServerConfig config = default_config(), std::unique_ptr<Catalog> catalog = empty_store()) {
    config.address = {"127.0.0.1", 0};
    http_ = std::make_unique<HttpServer>(config, std::move(catalog));
    port_ = http_->bind();
    thread_ = std::thread([this] { http_->serve(); });
  }
  ~TestServer() {
    http_->stop();
    thread_.join();
  }
  static ServerConfig default_config() {
    ServerConfig c;
    c.threads = 2;
    c.default_ctx = 512;
    return c;
  }
  int port() const { return port_; }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(120, 0);
    return c;
  }
  // POST a JSON body; the answer's status and body.
  httplib::Result post(const std::string& path, const nlohmann::json& body, const httplib::Headers& headers = {}) const {
    return client().Post(path, headers, body.dump(), "application/json");
  }
  httplib::Result post_raw(const std::string& path, const std::string& body) const {
    return client().Post(path, body, "application/json");
  }
  httplib::Result get(const std::string& path, const httplib::Headers& headers = {}) const {
    return client().Get(path, headers);
  }

 private:
  std::unique_ptr<HttpServer> http_;
  int port_ = 0;
  std::thread thread_;
};

inline nlohmann::json json_of(const httplib::Result& r) { return nlohmann::json::parse(r->body); }

// The lines of an NDJSON body, parsed.
inline std::vector<nlohmann::json> ndjson(const std::string& body) {
  std::vector<nlohmann::json> out;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    if (end > start) out.push_back(nlohmann::json::parse(body.substr(start, end - start)));
    start = end + 1;
  }
  return out;
}

// The JSON payloads of an SSE body's "data:" lines ("[DONE]" as a string).
inline std::vector<nlohmann::json> sse(const std::string& body) {
  std::vector<nlohmann::json> out;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    const std::string line = body.substr(start, end - start);
    if (line.rfind("data: ", 0) == 0) {
      const std::string data = line.substr(6);
      out.push_back(data == "[DONE]" ? nlohmann::json("[DONE]") : nlohmann::json::parse(data));
    }
    start = end + 1;
  }
  return out;
}

}  // namespace hearth::server::testing
