// OpenAI's endpoints: /v1/chat/completions, /v1/completions, /v1/models,
// /v1/models/{model}, /v1/embeddings — the request fields OpenAI's SDKs send,
// mapped onto ollama's options as ollama's own compatibility layer maps
// them, and answers (SSE "data:" chunks included) in OpenAI's shapes.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <random>

#include "core/clock.h"
#include "core/error.h"
#include "server/api.h"
#include "server/json_fields.h"
#include "server/prompts.h"
#include "server/routes.h"

namespace hearth::server {

namespace {

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string completion_id(const char* prefix) {
  static std::atomic<uint64_t> counter{0};
  static const uint64_t salt = std::random_device{}();
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s-%llx%04llx", prefix, static_cast<unsigned long long>(salt & 0xffffffffffull),
                static_cast<unsigned long long>(++counter & 0xffff));
  return buf;
}

const char* finish_reason(runtime::StopReason r) {
  return r == runtime::StopReason::Length || r == runtime::StopReason::ContextFull ? "length" : "stop";
}

// OpenAI's sampling fields onto ollama's option names.
nlohmann::json options_from(const nlohmann::json& body) {
  nlohmann::json o = nlohmann::json::object();
  if (auto v = opt_number(body, "temperature")) o["temperature"] = *v;
  if (auto v = opt_number(body, "top_p")) o["top_p"] = *v;
  if (auto v = opt_integer(body, "seed")) o["seed"] = *v;
  if (auto v = opt_number(body, "frequency_penalty")) o["frequency_penalty"] = *v;
  if (auto v = opt_number(body, "presence_penalty")) o["presence_penalty"] = *v;
  if (auto v = opt_strings(body, "stop")) o["stop"] = *v;
  auto max_tokens = opt_integer(body, "max_completion_tokens");
  if (!max_tokens) max_tokens = opt_integer(body, "max_tokens");
  if (max_tokens) {
    if (*max_tokens < 1) throw HttpError(400, "\"max_tokens\" must be at least 1", "max_tokens");
    o["num_predict"] = *max_tokens;
  }
  if (auto n = opt_integer(body, "n"); n && *n != 1) throw HttpError(400, "only n = 1 is supported", "n");
  // ollama's own options may come along (its OpenAI layer does not read
  // them, but clients of hearth may).
  if (const nlohmann::json* extra = opt_object(body, "options"))
    for (const auto& [k, v] : extra->items()) o[k] = v;
  return o;
}

// response_format as ollama's `format`: null, "json", or a schema (its keys
// in the request's order, from the raw body).
nlohmann::ordered_json format_from(const nlohmann::json& body, const std::string& raw_body) {
  const nlohmann::json* rf = opt_object(body, "response_format");
  if (!rf) return nullptr;
  const std::string type = opt_string(*rf, "type", "response_format.").value_or("text");
  if (type == "text") return nullptr;
  if (type == "json_object") return "json";
  if (type == "json_schema") {
    const nlohmann::json* js = opt_object(*rf, "json_schema", "response_format.");
    if (!js) throw HttpError(400, "\"response_format.json_schema\" is required for type json_schema", "response_format");
    const nlohmann::json* schema = opt_object(*js, "schema", "response_format.json_schema.");
    if (!schema) throw HttpError(400, "\"response_format.json_schema.schema\" is required", "response_format");
    return ordered_member(raw_body, {"response_format", "json_schema", "schema"});
  }
  throw HttpError(400, "\"response_format.type\" must be text, json_object or json_schema", "response_format");
}

nlohmann::ordered_json usage(int64_t prompt, int64_t completion) {
  return {{"prompt_tokens", prompt}, {"completion_tokens", completion}, {"total_tokens", prompt + completion}};
}

struct Shape {
  bool chat;
  std::string id, model;
  int64_t created;
  int64_t prompt_tokens;
};

nlohmann::ordered_json envelope(const Shape& s, bool chunk) {
  return {{"id", s.id},
          {"object", s.chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion"},
          {"created", s.created},
          {"model", s.model},
          {"system_fingerprint", "fp_hearth"}};
}

std::string sse(const nlohmann::ordered_json& j) {
  return "data: " + j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
}

void run_completion(Api& api, httplib::Response& res, ModelRequest r, std::vector<int32_t> prompt, Shape shape,
                    bool streaming, bool include_usage, std::unique_ptr<runtime::TokenConstraint> constraint) {
  shape.prompt_tokens = static_cast<int64_t>(prompt.size());
  auto generation = Generation::start(r.lease->model(), std::move(prompt), r.options, std::move(constraint));
  if (!streaming) {
    std::string text;
    const runtime::JobResult result = generation->finish(text);
    if (!result.error.empty()) throw HttpError(500, result.error);
    api.metrics.tokens(result.timings.prompt_tokens, result.timings.eval_tokens);
    nlohmann::ordered_json out = envelope(shape, false);
    nlohmann::ordered_json choice = {{"index", 0}};
    if (shape.chat) choice["message"] = {{"role", "assistant"}, {"content", text}};
    else choice["text"] = text, choice["logprobs"] = nullptr;
    choice["finish_reason"] = finish_reason(result.reason);
    out["choices"] = nlohmann::ordered_json::array({choice});
    out["usage"] = usage(shape.prompt_tokens, result.timings.eval_tokens);
    return send_json(res, out);
  }
  auto state = std::make_shared<StreamState>();
  state->generation = generation;
  state->request = std::move(r);
  auto first = std::make_shared<bool>(true);
  state->write_event = [&api, shape, include_usage, first](const Generation::Event& e) -> std::string {
    auto chunk = [&](const nlohmann::ordered_json& delta_or_text, const nlohmann::ordered_json& reason) {
      nlohmann::ordered_json out = envelope(shape, true);
      nlohmann::ordered_json choice = {{"index", 0}};
      if (shape.chat) choice["delta"] = delta_or_text;
      else choice["text"] = delta_or_text, choice["logprobs"] = nullptr;
      choice["finish_reason"] = reason;
      out["choices"] = nlohmann::ordered_json::array({choice});
      return sse(out);
    };
    if (!e.end) {
      nlohmann::ordered_json delta = {{"content", e.text}};
      if (*first) delta = {{"role", "assistant"}, {"content", e.text}};
      *first = false;
      return chunk(shape.chat ? delta : nlohmann::ordered_json(e.text), nullptr);
    }
    const runtime::JobResult& result = *e.end;
    if (!result.error.empty())
      return sse({{"error", {{"message", result.error}, {"type", "api_error"}, {"param", nullptr}, {"code", nullptr}}}});
    api.metrics.tokens(result.timings.prompt_tokens, result.timings.eval_tokens);
    std::string out = chunk(shape.chat ? nlohmann::ordered_json::object() : nlohmann::ordered_json(""),
                            finish_reason(result.reason));
    if (include_usage) {
      nlohmann::ordered_json u = envelope(shape, true);
      u["choices"] = nlohmann::ordered_json::array();
      u["usage"] = usage(shape.prompt_tokens, result.timings.eval_tokens);
      out += sse(u);
    }
    return out;
  };
  state->write_after_end = [] { return std::string("data: [DONE]\n\n"); };
  stream(res, "text/event-stream", state);
}

bool include_usage_of(const nlohmann::json& body) {
  const nlohmann::json* so = opt_object(body, "stream_options");
  return so && opt_bool(*so, "include_usage", "stream_options.").value_or(false);
}

void handle_chat(Api& api, const httplib::Request& req, httplib::Response& res) {
  const int64_t start = now_ns();
  const nlohmann::json body = parse_body(req.body);
  const std::string name = required_string(body, "model");
  const nlohmann::json* messages = opt_array(body, "messages");
  if (!messages) throw HttpError(400, "\"messages\" is required", "messages");
  if (messages->empty()) throw HttpError(400, "\"messages\" must hold at least one message", "messages");
  const nlohmann::ordered_json normalized = normalize_messages(*messages);
  nlohmann::ordered_json tools;
  if (const nlohmann::json* t = opt_array(body, "tools")) tools = *t;
  const nlohmann::json options = options_from(body);
  const nlohmann::ordered_json format = format_from(body, req.body);
  const bool streaming = opt_bool(body, "stream").value_or(false);

  ModelRequest r = prepare_model(api, name, &options, request_keep_alive(body), start);
  LoadedModel& model = r.lease->model();
  if (!model.generates()) throw HttpError(400, "\"" + name + "\" is an embedding model: it does not generate text", "model");
  ChatPrompt p = chat_prompt(model.model(), r.entry, normalized, tools, std::nullopt);
  fit_prompt(p.tokens, model, r.options, false);
  auto constraint = format.is_null() ? nullptr : format_constraint(model, format);
  run_completion(api, res, std::move(r), std::move(p.tokens), Shape{true, completion_id("chatcmpl"), name, unix_now(), 0},
                 streaming, include_usage_of(body), std::move(constraint));
}

void handle_completion(Api& api, const httplib::Request& req, httplib::Response& res) {
  const int64_t start = now_ns();
  const nlohmann::json body = parse_body(req.body);
  const std::string name = required_string(body, "model");
  std::string prompt;
  if (const auto it = body.find("prompt"); it != body.end() && !it->is_null()) {
    if (it->is_string()) prompt = it->get<std::string>();
    else if (it->is_array() && it->size() == 1 && (*it)[0].is_string()) prompt = (*it)[0].get<std::string>();
    else throw HttpError(400, "\"prompt\" must be a string (one prompt per request)", "prompt");
  }
  if (prompt.empty()) throw HttpError(400, "\"prompt\" is required", "prompt");
  if (auto s = opt_string(body, "suffix"); s && !s->empty())
    throw HttpError(400, "\"suffix\" (fill-in-the-middle) is not supported", "suffix");
  if (const auto it = body.find("logprobs"); it != body.end() && !it->is_null() && !(it->is_boolean() && !it->get<bool>()))
    throw HttpError(400, "\"logprobs\" is not supported", "logprobs");
  const nlohmann::json options = options_from(body);
  const bool streaming = opt_bool(body, "stream").value_or(false);
  const bool echo = opt_bool(body, "echo").value_or(false);
  if (echo) throw HttpError(400, "\"echo\" is not supported", "echo");

  ModelRequest r = prepare_model(api, name, &options, request_keep_alive(body), start);
  LoadedModel& model = r.lease->model();
  if (!model.generates()) throw HttpError(400, "\"" + name + "\" is an embedding model: it does not generate text", "model");
  // As ollama: the prompt is completed as it is (no chat template).
  ChatPrompt p = completion_prompt(model.model(), r.entry, prompt, std::nullopt, true, std::nullopt, {});
  fit_prompt(p.tokens, model, r.options, false);
  run_completion(api, res, std::move(r), std::move(p.tokens), Shape{false, completion_id("cmpl"), name, unix_now(), 0},
                 streaming, include_usage_of(body), nullptr);
}

std::string base64_floats(const std::vector<float>& v) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes(v.size() * 4, '\0');
  for (size_t i = 0; i < v.size(); ++i) {
    uint32_t u;
    std::memcpy(&u, &v[i], 4);
    for (int b = 0; b < 4; ++b) bytes[4 * i + b] = static_cast<char>((u >> (8 * b)) & 0xff);  // little-endian
  }
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) |
                       (i + 1 < bytes.size() ? static_cast<uint8_t>(bytes[i + 1]) << 8 : 0) |
                       (i + 2 < bytes.size() ? static_cast<uint8_t>(bytes[i + 2]) : 0);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

void handle_embeddings(Api& api, const httplib::Request& req, httplib::Response& res) {
  const nlohmann::json body = parse_body(req.body);
  const std::string name = required_string(body, "model");
  std::vector<std::string> inputs;
  const auto it = body.find("input");
  if (it == body.end() || it->is_null()) throw HttpError(400, "\"input\" is required", "input");
  if (it->is_string()) inputs.push_back(it->get<std::string>());
  else if (it->is_array()) {
    for (const auto& s : *it) {
      if (!s.is_string()) throw HttpError(400, "\"input\" must be a string or an array of strings", "input");
      inputs.push_back(s.get<std::string>());
    }
  } else {
    throw HttpError(400, "\"input\" must be a string or an array of strings", "input");
  }
  if (inputs.empty()) throw HttpError(400, "\"input\" must not be empty", "input");
  const std::string encoding = opt_string(body, "encoding_format").value_or("float");
  if (encoding != "float" && encoding != "base64")
    throw HttpError(400, "\"encoding_format\" must be float or base64", "encoding_format");
  ModelRequest r = prepare_model(api, name, nullptr, request_keep_alive(body), now_ns());
  int64_t tokens = 0;
  const auto embeddings = embed_texts(r.lease->model(), inputs, true, tokens);
  if (auto dims = opt_integer(body, "dimensions");
      dims && !embeddings.empty() && *dims != static_cast<int64_t>(embeddings[0].size()))
    throw HttpError(400, "\"dimensions\": this model's embeddings have " + std::to_string(embeddings[0].size()),
                    "dimensions");
  api.metrics.tokens(tokens, 0);
  nlohmann::ordered_json data = nlohmann::ordered_json::array();
  for (size_t i = 0; i < embeddings.size(); ++i) {
    nlohmann::ordered_json item = {{"object", "embedding"}, {"index", i}};
    if (encoding == "base64") item["embedding"] = base64_floats(embeddings[i]);
    else item["embedding"] = embeddings[i];
    data.push_back(item);
  }
  send_json(res, {{"object", "list"},
                  {"data", data},
                  {"model", name},
                  {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}});
}

nlohmann::ordered_json model_object(const ModelEntry& e) {
  return {{"id", e.name}, {"object", "model"}, {"created", e.modified_unix}, {"owned_by", "library"}};
}

}  // namespace

void register_openai_routes(httplib::Server& http, Api& api) {
  http.Post("/v1/chat/completions", wrap(api, "/v1/chat/completions", ErrorStyle::OpenAI,
                                         [&api](const auto& req, auto& res) { handle_chat(api, req, res); }));
  http.Post("/v1/completions", wrap(api, "/v1/completions", ErrorStyle::OpenAI,
                                    [&api](const auto& req, auto& res) { handle_completion(api, req, res); }));
  http.Post("/v1/embeddings", wrap(api, "/v1/embeddings", ErrorStyle::OpenAI,
                                   [&api](const auto& req, auto& res) { handle_embeddings(api, req, res); }));
  http.Get("/v1/models", wrap(api, "/v1/models", ErrorStyle::OpenAI, [&api](const auto&, auto& res) {
    nlohmann::ordered_json data = nlohmann::ordered_json::array();
    for (const ModelEntry& e : api.catalog.list()) data.push_back(model_object(e));
    send_json(res, {{"object", "list"}, {"data", data}});
  }));
  http.Get(R"(/v1/models/(.+))", wrap(api, "/v1/models/{model}", ErrorStyle::OpenAI, [&api](const auto& req, auto& res) {
    const std::string name = req.matches[1];
    try {
      send_json(res, model_object(api.catalog.resolve(name)));
    } catch (const NotFound& e) {
      throw HttpError(404, e.what(), "model");
    }
  }));
}

}  // namespace hearth::server
