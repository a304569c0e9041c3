#include "server/options.h"

#include <string>

#include "server/json_fields.h"

namespace hearth::server {

namespace {

[[noreturn]] void bad_value(const char* where, const char* key, const std::string& why) {
  throw HttpError(400, "invalid value for \"" + std::string(where) + key + "\": " + why, std::string(where) + key);
}

// ollama options hearth has no implementation of, with the value that means
// "off": any other value is refused rather than silently ignored.
struct Neutral {
  const char* name;
  double off;
};
// (Load settings that do not change the text, such as num_gpu, num_batch or
// use_mmap, are accepted and unused, as unknown names are.)
constexpr Neutral kUnimplemented[] = {{"typical_p", 1.0},        {"mirostat", 0.0},         {"tfs_z", 1.0},
                                      {"presence_penalty", 0.0}, {"frequency_penalty", 0.0}};

}  // namespace

void apply_options(const nlohmann::json& options, RequestOptions& out, const char* where) {
  sampling::Params& s = out.gen.sampling;
  if (auto v = opt_integer(options, "seed", where)) {
    s.seed = static_cast<uint64_t>(*v);
    s.random_seed = *v < 0;  // ollama: -1 is a random seed
  }
  if (auto v = opt_integer(options, "num_predict", where)) {
    if (*v < -2) bad_value(where, "num_predict", "must be -1 (no limit) or a count of tokens, got " + std::to_string(*v));
    out.gen.num_predict = *v < 0 ? -1 : *v;
  }
  if (auto v = opt_integer(options, "top_k", where)) s.top_k = static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(*v, 1 << 30)));
  if (auto v = opt_number(options, "top_p", where)) {
    if (*v < 0) bad_value(where, "top_p", "must be from 0 to 1");
    s.top_p = static_cast<float>(*v);
  }
  if (auto v = opt_number(options, "min_p", where)) {
    if (*v < 0 || *v > 1) bad_value(where, "min_p", "must be from 0 to 1");
    s.min_p = static_cast<float>(*v);
  }
  if (auto v = opt_number(options, "temperature", where)) {
    if (*v < 0) bad_value(where, "temperature", "must not be negative");
    s.temperature = static_cast<float>(*v);
  }
  if (auto v = opt_number(options, "repeat_penalty", where)) {
    if (*v <= 0) bad_value(where, "repeat_penalty", "must be positive");
    s.repeat_penalty = static_cast<float>(*v);
  }
  if (auto v = opt_integer(options, "repeat_last_n", where)) {
    if (*v < -1) bad_value(where, "repeat_last_n", "must be -1 (the whole context), 0 (off) or a count");
    s.repeat_last_n = static_cast<int>(std::min<int64_t>(*v, 1 << 20));
  }
  if (auto v = opt_strings(options, "stop", where)) out.gen.stop = *v;
  if (auto v = opt_integer(options, "num_ctx", where)) {
    if (*v < 1 || *v > (1 << 22)) bad_value(where, "num_ctx", "must be from 1 to 4194304");
    out.num_ctx = *v;
  }
  if (auto v = opt_integer(options, "num_thread", where)) {
    if (*v < 0 || *v > 1024) bad_value(where, "num_thread", "must be from 0 (one per core) to 1024");
    if (*v > 0) out.num_thread = static_cast<int>(*v);
  }
  for (const Neutral& n : kUnimplemented)
    if (auto v = opt_number(options, n.name, where); v && *v != n.off)
      bad_value(where, n.name, "hearth does not implement it (only " + std::to_string(n.off) + ", off, is accepted)");
}

}  // namespace hearth::server
