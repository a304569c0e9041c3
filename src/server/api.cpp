#include "server/api.h"

#include <algorithm>

#include "core/clock.h"
#include "core/error.h"
#include "server/json_fields.h"

namespace hearth::server {

std::optional<int64_t> request_keep_alive(const nlohmann::json& body) {
  const auto it = body.find("keep_alive");
  if (it == body.end() || it->is_null()) return std::nullopt;
  try {
    if (it->is_number()) {
      const double seconds = it->get<double>();
      if (seconds < 0) return -1;
      return static_cast<int64_t>(std::min(seconds, 1e9) * 1e9);
    }
    if (it->is_string()) return parse_keep_alive_ns(it->get<std::string>());
  } catch (const Error& e) {
    throw HttpError(400, e.what(), "keep_alive");
  }
  throw HttpError(400, std::string("invalid value for \"keep_alive\": expected a duration or a number of seconds, got ") +
                           json_type_name(*it),
                  "keep_alive");
}

ModelRequest prepare_model(Api& api, const std::string& name, const nlohmann::json* options,
                           std::optional<int64_t> keep_alive_ns, int64_t start_ns) {
  ModelRequest r;
  r.start_ns = start_ns;
  r.keep_alive_ns = keep_alive_ns;
  try {
    r.entry = api.catalog.resolve(name);
  } catch (const NotFound& e) {
    throw HttpError(404, e.what(), "model");
  }
  // The Modelfile's parameters first, the request's over them.
  apply_options(r.entry.params, r.options, "parameters.");
  if (options) apply_options(*options, r.options, "options.");
  LoadKey key;
  key.path = r.entry.path;
  key.n_ctx = r.options.num_ctx.value_or(0);
  key.threads = r.options.num_thread.value_or(api.config.threads);
  try {
    auto lease = api.scheduler.acquire(r.entry, key);
    lease->set_keep_alive(keep_alive_ns);
    if (lease->loaded_now()) r.load_ns = lease->model().load_ns();
    r.lease = std::move(lease);
  } catch (const QueueFull& e) {
    throw HttpError(503, e.what());
  } catch (const Error& e) {
    throw HttpError(500, std::string("cannot load model '") + name + "': " + e.what());
  }
  return r;
}

void fit_prompt(std::vector<int32_t>& tokens, const LoadedModel& model, const RequestOptions& options, bool truncate) {
  const auto n_ctx = static_cast<size_t>(model.n_ctx());
  if (tokens.size() <= n_ctx) return;
  if (!truncate)
    throw HttpError(400, "the prompt has " + std::to_string(tokens.size()) + " tokens, more than the context of " +
                             std::to_string(n_ctx) + " (raise num_ctx, or ask for \"truncate\": true)");
  // Room to generate: the request's num_predict, else a quarter of the context.
  const int64_t want = options.gen.num_predict > 0 ? options.gen.num_predict : static_cast<int64_t>(n_ctx / 4);
  const size_t room = static_cast<size_t>(std::clamp<int64_t>(want, 1, static_cast<int64_t>(n_ctx / 2)));
  const size_t keep = n_ctx - room;
  const tokenizer::Vocab& vocab = model.model().vocab();
  const bool bos = !tokens.empty() && tokens.front() == vocab.bos();
  std::vector<int32_t> out;
  if (bos) out.push_back(tokens.front());
  out.insert(out.end(), tokens.end() - static_cast<std::ptrdiff_t>(keep - out.size()), tokens.end());
  tokens = std::move(out);
}

}  // namespace hearth::server
