// ollama's generation and embedding endpoints: /api/generate, /api/chat,
// /api/embed, /api/embeddings — same JSON fields, NDJSON streams, and
// durations in nanoseconds.
#include <httplib.h>

#include "core/clock.h"
#include "core/error.h"
#include "server/api.h"
#include "server/json_fields.h"
#include "server/prompts.h"
#include "server/routes.h"

namespace hearth::server {

namespace {

const char* done_reason(runtime::StopReason r) {
  switch (r) {
    case runtime::StopReason::Length:
    case runtime::StopReason::ContextFull: return "length";
    default: return "stop";
  }
}

// The closing fields of a generate or chat answer.
void add_timings(nlohmann::ordered_json& out, const ModelRequest& r, const runtime::JobResult& result) {
  out["done_reason"] = done_reason(result.reason);
  out["total_duration"] = now_ns() - r.start_ns;
  out["load_duration"] = r.load_ns;
  out["prompt_eval_count"] = result.timings.prompt_tokens;
  out["prompt_eval_duration"] = result.timings.prompt_ns;
  out["eval_count"] = result.timings.eval_tokens;
  out["eval_duration"] = result.timings.eval_ns;
}

void record(Api& api, const Generation& g, const runtime::JobResult& result) {
  api.metrics.tokens(result.timings.prompt_tokens, result.timings.eval_tokens);
  if (g.first_text_ns() > 0) api.metrics.first_token(static_cast<double>(g.first_text_ns() - g.submitted_ns()) * 1e-9);
  if (result.timings.eval_ns > 0 && result.timings.eval_tokens > 0)
    api.metrics.generation_rate(static_cast<double>(result.timings.eval_tokens) * 1e9 /
                                static_cast<double>(result.timings.eval_ns));
}

// A request that names a model but has nothing to generate: load it (or,
// with keep_alive 0, unload it), as ollama does.
void load_or_unload(Api& api, httplib::Response& res, const nlohmann::json& body, const std::string& name,
                    bool chat) {
  const auto keep_alive = request_keep_alive(body);
  nlohmann::ordered_json out = {{"model", name}, {"created_at", rfc3339_now()}};
  if (chat) out["message"] = {{"role", "assistant"}, {"content", ""}};
  else out["response"] = "";
  out["done"] = true;
  if (keep_alive && *keep_alive == 0) {
    try {
      api.scheduler.unload(api.catalog.resolve(name).path);
    } catch (const NotFound& e) {
      throw HttpError(404, e.what(), "model");
    }
    out["done_reason"] = "unload";
  } else {
    ModelRequest r = prepare_model(api, name, opt_object(body, "options"), keep_alive, now_ns());
    out["done_reason"] = "load";
  }
  send_json(res, out);
}

struct Reply {
  bool chat;
  std::string model;
  bool want_context;
};

nlohmann::ordered_json piece(const Reply& reply, const std::string& text) {
  nlohmann::ordered_json out = {{"model", reply.model}, {"created_at", rfc3339_now()}};
  if (reply.chat) out["message"] = {{"role", "assistant"}, {"content", text}};
  else out["response"] = text;
  out["done"] = false;
  return out;
}

nlohmann::ordered_json final_object(const Reply& reply, const ModelRequest& r, const runtime::JobResult& result,
                                    const std::string& text) {
  nlohmann::ordered_json out = piece(reply, text);
  out["done"] = true;
  add_timings(out, r, result);
  if (reply.want_context) out["context"] = result.context;
  return out;
}

// Runs the generation and answers: one object, or an NDJSON stream.
void answer(Api& api, httplib::Response& res, ModelRequest r, std::vector<int32_t> prompt, const Reply& reply,
            bool streaming, std::unique_ptr<runtime::TokenConstraint> constraint) {
  auto generation = Generation::start(r.lease->model(), std::move(prompt), r.options, std::move(constraint));
  if (!streaming) {
    std::string text;
    const runtime::JobResult result = generation->finish(text);
    if (!result.error.empty()) throw HttpError(500, result.error);
    record(api, *generation, result);
    return send_json(res, final_object(reply, r, result, text));
  }
  auto state = std::make_shared<StreamState>();
  state->generation = generation;
  state->write_event = [&api, reply, state_ptr = state.get()](const Generation::Event& e) -> std::string {
    if (!e.end) return piece(reply, e.text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    if (!e.end->error.empty()) return nlohmann::ordered_json({{"error", e.end->error}}).dump() + "\n";
    record(api, *state_ptr->generation, *e.end);
    return final_object(reply, state_ptr->request, *e.end, "").dump() + "\n";
  };
  state->request = std::move(r);
  stream(res, "application/x-ndjson", state);
}

std::unique_ptr<runtime::TokenConstraint> constraint_for(ModelRequest& r, const nlohmann::json& body,
                                                         const std::string& raw_body) {
  const auto it = body.find("format");
  if (it == body.end() || it->is_null() || (it->is_string() && it->get<std::string>().empty())) return nullptr;
  return format_constraint(r.lease->model(), ordered_member(raw_body, {"format"}));
}

void refuse_images(const nlohmann::json& body) {
  if (const nlohmann::json* images = opt_array(body, "images"); images && !images->empty())
    throw HttpError(400, "this model reads text only: images are not supported", "images");
}

void handle_generate(Api& api, const httplib::Request& req, httplib::Response& res) {
  const int64_t start = now_ns();
  const nlohmann::json body = parse_body(req.body);
  const std::string name = required_string(body, "model");
  const std::string prompt = opt_string(body, "prompt").value_or("");
  refuse_images(body);
  std::vector<int32_t> context;
  if (const nlohmann::json* c = opt_array(body, "context"))
    for (const auto& t : *c) {
      if (!t.is_number_integer()) throw HttpError(400, "\"context\" must be an array of token ids", "context");
      context.push_back(t.get<int32_t>());
    }
  if (prompt.empty() && context.empty()) return load_or_unload(api, res, body, name, false);
  const auto system = opt_string(body, "system");
  const auto tmpl = opt_string(body, "template");
  const bool raw = opt_bool(body, "raw").value_or(false);
  const bool streaming = opt_bool(body, "stream").value_or(true);
  const bool truncate = opt_bool(body, "truncate").value_or(false);
  const auto suffix = opt_string(body, "suffix");
  if (suffix && !suffix->empty()) throw HttpError(400, "\"suffix\" (fill-in-the-middle) is not supported", "suffix");

  ModelRequest r = prepare_model(api, name, opt_object(body, "options"), request_keep_alive(body), start);
  LoadedModel& model = r.lease->model();
  if (!model.generates()) throw HttpError(400, "\"" + name + "\" is an embedding model: it does not generate text");
  for (int32_t t : context)
    if (t < 0 || t >= model.model().vocab().size())
      throw HttpError(400, "\"context\" holds token id " + std::to_string(t) + ", outside the vocabulary", "context");
  ChatPrompt p = completion_prompt(model.model(), r.entry, prompt, system, raw, tmpl, context);
  fit_prompt(p.tokens, model, r.options, truncate);
  auto constraint = constraint_for(r, body, req.body);
  answer(api, res, std::move(r), std::move(p.tokens), Reply{false, name, true}, streaming, std::move(constraint));
}

void handle_chat(Api& api, const httplib::Request& req, httplib::Response& res) {
  const int64_t start = now_ns();
  const nlohmann::json body = parse_body(req.body);
  const std::string name = required_string(body, "model");
  const nlohmann::json* messages = opt_array(body, "messages");
  if (!messages || messages->empty()) return load_or_unload(api, res, body, name, true);
  const nlohmann::ordered_json normalized = normalize_messages(*messages);
  nlohmann::ordered_json tools;
  if (const nlohmann::json* t = opt_array(body, "tools")) tools = *t;
  const auto tmpl = opt_string(body, "template");
  const bool streaming = opt_bool(body, "stream").value_or(true);
  const bool truncate = opt_bool(body, "truncate").value_or(false);

  ModelRequest r = prepare_model(api, name, opt_object(body, "options"), request_keep_alive(body), start);
  LoadedModel& model = r.lease->model();
  if (!model.generates()) throw HttpError(400, "\"" + name + "\" is an embedding model: it does not generate text");
  ChatPrompt p = chat_prompt(model.model(), r.entry, normalized, tools, tmpl);
  fit_prompt(p.tokens, model, r.options, truncate);
  auto constraint = constraint_for(r, body, req.body);
  answer(api, res, std::move(r), std::move(p.tokens), Reply{true, name, false}, streaming, std::move(constraint));
}

std::vector<std::string> embed_inputs(const nlohmann::json& body, const char* key) {
  const auto it = body.find(key);
  if (it == body.end() || it->is_null()) return {};
  if (it->is_string()) return {it->get<std::string>()};
  if (it->is_array()) {
    std::vector<std::string> out;
    for (const auto& s : *it) {
      if (!s.is_string()) throw HttpError(400, std::string("\"") + key + "\" must be a string or an array of strings", key);
      out.push_back(s.get<std::string>());
    }
    return out;
  }
  throw HttpError(400, std::string("\"") + key + "\" must be a string or an array of strings", key);
}

}  // namespace

// Shared with the OpenAI endpoint: embeddings of each input, and the number
// of tokens read.
std::vector<std::vector<float>> embed_texts(LoadedModel& model, const std::vector<std::string>& inputs, bool truncate,
                                            int64_t& tokens_read) {
  if (model.generates())
    throw HttpError(400, "\"" + model.entry().name + "\" does not support embeddings: it is a " +
                             model.model().hparams().arch + " text-generation model, not an embedding model");
  const tokenizer::Vocab& vocab = model.model().vocab();
  const auto n_ctx = static_cast<size_t>(model.model().hparams().n_ctx_train);
  std::vector<std::vector<float>> out;
  for (const std::string& text : inputs) {
    std::vector<int32_t> ids = vocab.encode(text, vocab.add_bos(), false);
    if (vocab.add_eos() && vocab.eos() >= 0) ids.push_back(vocab.eos());
    if (ids.size() > n_ctx) {
      if (!truncate)
        throw HttpError(400, "the input has " + std::to_string(ids.size()) + " tokens, more than the model's context of " +
                                 std::to_string(n_ctx));
      const bool sep = vocab.add_eos() && vocab.eos() >= 0;
      ids.resize(n_ctx);
      if (sep) ids.back() = vocab.eos();
    }
    tokens_read += static_cast<int64_t>(ids.size());
    out.push_back(model.embed(ids));
  }
  return out;
}

void register_ollama_routes(httplib::Server& http, Api& api) {
  http.Post("/api/generate", wrap(api, "/api/generate", ErrorStyle::Ollama,
                                  [&api](const auto& req, auto& res) { handle_generate(api, req, res); }));
  http.Post("/api/chat",
            wrap(api, "/api/chat", ErrorStyle::Ollama, [&api](const auto& req, auto& res) { handle_chat(api, req, res); }));
  http.Post("/api/embed", wrap(api, "/api/embed", ErrorStyle::Ollama, [&api](const auto& req, auto& res) {
    const int64_t start = now_ns();
    const nlohmann::json body = parse_body(req.body);
    const std::string name = required_string(body, "model");
    const std::vector<std::string> inputs = embed_inputs(body, "input");
    const bool truncate = opt_bool(body, "truncate").value_or(true);
    ModelRequest r = prepare_model(api, name, opt_object(body, "options"), request_keep_alive(body), start);
    int64_t tokens = 0;
    const auto embeddings = embed_texts(r.lease->model(), inputs, truncate, tokens);
    api.metrics.tokens(tokens, 0);
    send_json(res, {{"model", name},
                    {"embeddings", embeddings},
                    {"total_duration", now_ns() - start},
                    {"load_duration", r.load_ns},
                    {"prompt_eval_count", tokens}});
  }));
  http.Post("/api/embeddings", wrap(api, "/api/embeddings", ErrorStyle::Ollama, [&api](const auto& req, auto& res) {
    const nlohmann::json body = parse_body(req.body);
    const std::string name = required_string(body, "model");
    const std::string prompt = opt_string(body, "prompt").value_or("");
    ModelRequest r = prepare_model(api, name, opt_object(body, "options"), request_keep_alive(body), now_ns());
    if (prompt.empty()) return send_json(res, {{"embedding", nlohmann::json::array()}});
    int64_t tokens = 0;
    const auto embeddings = embed_texts(r.lease->model(), {prompt}, true, tokens);
    api.metrics.tokens(tokens, 0);
    send_json(res, {{"embedding", embeddings.front()}});
  }));
}

}  // namespace hearth::server
