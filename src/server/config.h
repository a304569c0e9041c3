#pragma once
// hearth serve's settings, from the environment as ollama reads its own
// (HEARTH_* first, then the OLLAMA_* name where ollama has one, so that an
// existing setup works unchanged).
#include <cstdint>
#include <string>
#include <vector>

#include "tensor/dtype.h"

namespace hearth::server {

struct Address {
  std::string host = "127.0.0.1";
  int port = 11434;
};

// "host", "host:port", ":port", "[v6]:port", with an optional http:// or
// https:// in front, as OLLAMA_HOST takes it. Throws hearth::Error.
Address parse_address(const std::string& text);
// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback(const std::string& host);

// keep_alive as ollama takes it: a duration string ("5m", "1h30m", "10s",
// "-1"), or a number of seconds; negative: forever (returned as -1).
// Throws hearth::Error.
int64_t parse_keep_alive_ns(const std::string& text);

struct ServerConfig {
  Address address;
  std::string api_key;               // HEARTH_API_KEY; empty: none required
  std::vector<std::string> origins;  // HEARTH_ORIGINS / OLLAMA_ORIGINS, added to the localhost ones
  int64_t keep_alive_ns = 5LL * 60 * 1000000000;  // HEARTH_KEEP_ALIVE / OLLAMA_KEEP_ALIVE
  int max_loaded_models = 1;         // HEARTH_MAX_LOADED_MODELS / OLLAMA_MAX_LOADED_MODELS
  int num_parallel = 4;              // HEARTH_NUM_PARALLEL / OLLAMA_NUM_PARALLEL
  int max_queue = 512;               // HEARTH_MAX_QUEUE / OLLAMA_MAX_QUEUE
  int64_t default_ctx = 4096;        // HEARTH_CONTEXT_LENGTH / OLLAMA_CONTEXT_LENGTH (per slot)
  int threads = 0;                   // HEARTH_NUM_THREAD; 0: physical cores
  tensor::DType kv_type = tensor::DType::F16;  // HEARTH_KV_CACHE_TYPE / OLLAMA_KV_CACHE_TYPE: f16, f32, q8_0

  static ServerConfig from_environment();
};

// Whether a browser page from `origin` may call the API: the localhost
// origins ollama allows by default (http(s)://localhost, 127.0.0.1, 0.0.0.0
// with any port, app://, file://, tauri://, vscode-webview://) plus the
// configured ones, which may end in "*" as a wildcard.
bool origin_allowed(const ServerConfig& config, const std::string& origin);

}  // namespace hearth::server
