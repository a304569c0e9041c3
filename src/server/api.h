#pragma once
// What the HTTP handlers share, and the steps every model request takes:
// find the model, apply its Modelfile parameters and the request's options,
// take a lease on a loaded instance, check the prompt against the context.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/batch_generator.h"
#include "server/catalog.h"
#include "server/config.h"
#include "server/metrics.h"
#include "server/options.h"
#include "server/scheduler.h"

namespace httplib {
class Server;
}

namespace hearth::server {

struct Api {
  ServerConfig config;
  Catalog& catalog;
  Scheduler& scheduler;
  Metrics& metrics;
};

struct ModelRequest {
  ModelEntry entry;
  RequestOptions options;
  std::optional<int64_t> keep_alive_ns;
  std::shared_ptr<Lease> lease;
  int64_t start_ns = 0;  // when the request arrived (steady clock)
  int64_t load_ns = 0;   // spent loading the model for this request
};

// keep_alive as a request gives it: a duration string or seconds; null or
// absent: nullopt. Throws HttpError 400.
std::optional<int64_t> request_keep_alive(const nlohmann::json& body);

// Resolves the model (HttpError 404 when unknown), applies its params and
// `options`, and loads it. HttpError 503 when the queue is full.
ModelRequest prepare_model(Api& api, const std::string& name, const nlohmann::json* options,
                           std::optional<int64_t> keep_alive_ns, int64_t start_ns);

// Refuses (HttpError 400) a prompt longer than the context, naming both
// lengths, unless truncate: then only its end is kept (and the first token
// when it is BOS), leaving room to generate.
void fit_prompt(std::vector<int32_t>& tokens, const LoadedModel& model, const RequestOptions& options, bool truncate);

// The structured-output constraint for ollama's `format` ("json" or a JSON
// schema); nullptr for none. HttpError 400 for a schema that cannot be
// enforced.
// (Schemas keep their key order: pass them parsed as ordered_json, see
// ordered_member.)
std::unique_ptr<runtime::TokenConstraint> format_constraint(LoadedModel& model, const nlohmann::ordered_json& format);

// The pooled, normalised embedding of each text (HttpError 400 for a model
// that does not embed, or an input past the context without truncate);
// tokens_read adds up the tokens of all inputs.
std::vector<std::vector<float>> embed_texts(LoadedModel& model, const std::vector<std::string>& inputs, bool truncate,
                                            int64_t& tokens_read);

// The routes of each API.
void register_ollama_routes(httplib::Server& http, Api& api);
void register_openai_routes(httplib::Server& http, Api& api);
// /api/tags, /api/show, /api/ps, /api/version, /api/delete, /api/copy, /metrics.
void register_model_routes(httplib::Server& http, Api& api);
// /api/pull, /api/create, HEAD and POST /api/blobs/:digest.
void register_store_routes(httplib::Server& http, Api& api);

}  // namespace hearth::server
