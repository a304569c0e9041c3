#include "server/config.h"

#include <cctype>
#include <cstdlib>
#include <string_view>

#include "core/error.h"

namespace hearth::server {

namespace {

const char* env(const char* hearth_name, const char* ollama_name = nullptr) {
  const char* v = std::getenv(hearth_name);
  if (v && *v) return v;
  if (ollama_name) {
    v = std::getenv(ollama_name);
    if (v && *v) return v;
  }
  return nullptr;
}

int to_int(std::string_view text, const char* what, int lo, int hi) {
  int64_t v = 0;
  if (text.empty() || text.size() > 9) fail(what, ": '", text, "' is not a number from ", lo, " to ", hi);
  for (char c : text) {
    if (c < '0' || c > '9') fail(what, ": '", text, "' is not a number from ", lo, " to ", hi);
    v = v * 10 + (c - '0');
  }
  if (v < lo || v > hi) fail(what, ": ", v, " is not from ", lo, " to ", hi);
  return static_cast<int>(v);
}

std::vector<std::string> split_commas(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = text.substr(start, end - start);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.remove_prefix(1);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    start = end + 1;
  }
  return out;
}

bool wildcard_match(std::string_view pattern, std::string_view text) {
  if (!pattern.empty() && pattern.back() == '*') {
    pattern.remove_suffix(1);
    return text.substr(0, pattern.size()) == pattern;
  }
  return pattern == text;
}

}  // namespace

Address parse_address(const std::string& input) {
  std::string_view text = input;
  Address a;
  for (std::string_view scheme : {"http://", "https://"})
    if (text.substr(0, scheme.size()) == scheme) text.remove_prefix(scheme.size());
  while (!text.empty() && text.back() == '/') text.remove_suffix(1);
  if (text.empty()) return a;
  std::string_view host = text, port;
  if (text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) fail("address '", input, "': unclosed '['");
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') fail("address '", input, "': expected ':' after ']'");
      port = rest.substr(1);
    }
  } else if (const size_t colon = text.rfind(':'); colon != std::string_view::npos) {
    if (text.find(':') != colon) fail("address '", input, "': an IPv6 address needs brackets, as [::1]:11434");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (!host.empty()) a.host = std::string(host);
  if (!port.empty()) a.port = to_int(port, "port", 0, 65535);
  return a;
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

int64_t parse_keep_alive_ns(const std::string& input) {
  std::string_view text = input;
  if (text.empty()) fail("keep_alive is empty");
  bool negative = false;
  if (text.front() == '-') negative = true, text.remove_prefix(1);
  // A plain number: seconds.
  if (text.find_first_not_of("0123456789.") == std::string_view::npos) {
    const double seconds = std::strtod(std::string(text).c_str(), nullptr);
    if (negative) return -1;
    if (seconds > 1e9) return -1;
    return static_cast<int64_t>(seconds * 1e9);
  }
  // Go's time.ParseDuration units.
  double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    const size_t num_start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (i == num_start) fail("keep_alive '", input, "' is not a duration such as 5m, 1h or 30s");
    const double v = std::strtod(std::string(text.substr(num_start, i - num_start)).c_str(), nullptr);
    const size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    double scale;
    if (unit == "h") scale = 3600e9;
    else if (unit == "m") scale = 60e9;
    else if (unit == "s") scale = 1e9;
    else if (unit == "ms") scale = 1e6;
    else if (unit == "us" || unit == "\xc2\xb5s") scale = 1e3;
    else if (unit == "ns") scale = 1;
    else fail("keep_alive '", input, "' has an unknown unit '", unit, "' (use h, m, s, ms)");
    total += v * scale;
  }
  if (negative) return -1;
  if (total > 1e18) return -1;
  return static_cast<int64_t>(total);
}

ServerConfig ServerConfig::from_environment() {
  ServerConfig c;
  if (const char* v = env("HEARTH_HOST", "OLLAMA_HOST")) c.address = parse_address(v);
  if (const char* v = env("HEARTH_API_KEY")) c.api_key = v;
  if (const char* v = env("HEARTH_ORIGINS", "OLLAMA_ORIGINS")) c.origins = split_commas(v);
  if (const char* v = env("HEARTH_KEEP_ALIVE", "OLLAMA_KEEP_ALIVE")) c.keep_alive_ns = parse_keep_alive_ns(v);
  if (const char* v = env("HEARTH_MAX_LOADED_MODELS", "OLLAMA_MAX_LOADED_MODELS"))
    c.max_loaded_models = to_int(v, "HEARTH_MAX_LOADED_MODELS", 1, 64);
  if (const char* v = env("HEARTH_NUM_PARALLEL", "OLLAMA_NUM_PARALLEL"))
    c.num_parallel = to_int(v, "HEARTH_NUM_PARALLEL", 1, 256);
  if (const char* v = env("HEARTH_MAX_QUEUE", "OLLAMA_MAX_QUEUE")) c.max_queue = to_int(v, "HEARTH_MAX_QUEUE", 1, 1000000);
  if (const char* v = env("HEARTH_CONTEXT_LENGTH", "OLLAMA_CONTEXT_LENGTH"))
    c.default_ctx = to_int(v, "HEARTH_CONTEXT_LENGTH", 16, 1 << 22);
  if (const char* v = env("HEARTH_NUM_THREAD")) c.threads = to_int(v, "HEARTH_NUM_THREAD", 1, 1024);
  if (const char* v = env("HEARTH_KV_CACHE_TYPE", "OLLAMA_KV_CACHE_TYPE")) {
    const std::string_view t = v;
    if (t == "f16") c.kv_type = tensor::DType::F16;
    else if (t == "f32") c.kv_type = tensor::DType::F32;
    else if (t == "q8_0") c.kv_type = tensor::DType::Q8_0;
    else fail("HEARTH_KV_CACHE_TYPE: '", t, "' is not one of f16, f32, q8_0");
  }
  return c;
}

bool origin_allowed(const ServerConfig& config, const std::string& origin) {
  static const std::vector<std::string> defaults = {
      "http://localhost",   "https://localhost",   "http://localhost:*",   "https://localhost:*",
      "http://127.0.0.1",   "https://127.0.0.1",   "http://127.0.0.1:*",   "https://127.0.0.1:*",
      "http://0.0.0.0",     "https://0.0.0.0",     "http://0.0.0.0:*",     "https://0.0.0.0:*",
      "app://*",            "file://*",            "tauri://*",            "vscode-webview://*"};
  for (const auto& p : defaults)
    if (wildcard_match(p, origin)) return true;
  for (const auto& p : config.origins)
    if (p == "*" || wildcard_match(p, origin)) return true;
  return false;
}

}  // namespace hearth::server
