// ollama's model-management endpoints: /api/tags, /api/show, /api/ps,
// /api/version, /api/delete, /api/copy; and /metrics.
#include <httplib.h>

#include "core/error.h"
#include "gguf/file.h"
#include "server/api.h"
#include "server/json_fields.h"
#include "server/routes.h"

namespace hearth::server {

namespace {

nlohmann::ordered_json gguf_value_json(const gguf::Value& v) {
  return std::visit(
      [](const auto& x) -> nlohmann::ordered_json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, gguf::Array>) {
          nlohmann::ordered_json a = nlohmann::ordered_json::array();
          for (const auto& item : x.items) a.push_back(gguf_value_json(item));
          return a;
        } else {
          return x;
        }
      },
      v.data);
}

// ollama's model_info: the GGUF metadata, long arrays (the vocabulary)
// left out unless verbose, and the parameter count.
nlohmann::ordered_json model_info(const std::string& path, bool verbose) {
  const gguf::File file = gguf::File::open(path);
  nlohmann::ordered_json info = nlohmann::ordered_json::object();
  uint64_t params = 0;
  for (const auto& t : file.tensors()) params += static_cast<uint64_t>(t.n_elements());
  info["general.parameter_count"] = params;
  for (const gguf::KeyValue& kv : file.metadata()) {
    if (kv.key == "tokenizer.chat_template") continue;  // reported as "template"
    if (kv.value.type() == gguf::ValueType::ARRAY && !verbose) {
      info[kv.key] = nullptr;
      continue;
    }
    info[kv.key] = gguf_value_json(kv.value);
  }
  return info;
}

// Modelfile PARAMETER lines as ollama's /api/show "parameters" prints them.
std::string parameters_text(const nlohmann::json& params) {
  std::string out;
  auto line = [&](const std::string& key, const nlohmann::json& v) {
    out.append(key);
    out.append(key.size() < 30 ? 30 - key.size() : 1, ' ');
    out.append(v.is_string() ? nlohmann::json(v.get<std::string>()).dump() : v.dump());
    out.push_back('\n');
  };
  for (const auto& [key, v] : params.items()) {
    if (v.is_array())
      for (const auto& item : v) line(key, item);
    else line(key, v);
  }
  return out;
}

nlohmann::ordered_json tag_json(const ModelEntry& e) {
  return {{"name", e.name},
          {"model", e.name},
          {"modified_at", rfc3339(e.modified_unix * 1000000000LL)},
          {"size", e.size},
          {"digest", e.digest},
          {"details", details_json(e.details)}};
}

ModelEntry resolve_or_404(Api& api, const std::string& name) {
  try {
    return api.catalog.resolve(name);
  } catch (const NotFound& e) {
    throw HttpError(404, e.what(), "model");
  }
}

}  // namespace

void register_model_routes(httplib::Server& http, Api& api) {
  http.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("hearth is running", "text/plain");
  });
  http.Get("/api/version", wrap(api, "/api/version", ErrorStyle::Ollama, [](const auto&, auto& res) {
    send_json(res, {{"version", HEARTH_VERSION}});
  }));
  http.Get("/api/tags", wrap(api, "/api/tags", ErrorStyle::Ollama, [&api](const auto&, auto& res) {
    nlohmann::ordered_json models = nlohmann::ordered_json::array();
    for (const ModelEntry& e : api.catalog.list()) models.push_back(tag_json(e));
    send_json(res, {{"models", models}});
  }));
  http.Post("/api/show", wrap(api, "/api/show", ErrorStyle::Ollama, [&api](const auto& req, auto& res) {
    const nlohmann::json body = parse_body(req.body);
    std::string name = opt_string(body, "model").value_or("");
    if (name.empty()) name = opt_string(body, "name").value_or("");  // ollama's older field
    if (name.empty()) throw HttpError(400, "\"model\" is required", "model");
    const bool verbose = opt_bool(body, "verbose").value_or(false);
    const ModelEntry e = resolve_or_404(api, name);
    const gguf::File file = gguf::File::open(e.path);
    const bool causal = file.find_string("general.architecture").value_or("") != "bert" &&
                        file.find_string("general.architecture").value_or("") != "nomic-bert";
    std::string tmpl = e.chat_template.value_or(file.find_string("tokenizer.chat_template").value_or(""));
    nlohmann::ordered_json out = {{"license", e.license},
                                  {"modelfile", e.modelfile},
                                  {"parameters", parameters_text(e.params)},
                                  {"template", tmpl},
                                  {"system", e.system},
                                  {"details", details_json(e.details)},
                                  {"model_info", model_info(e.path, verbose)},
                                  {"capabilities", causal ? nlohmann::ordered_json::array({"completion"})
                                                          : nlohmann::ordered_json::array({"embedding"})},
                                  {"modified_at", rfc3339(e.modified_unix * 1000000000LL)}};
    if (!e.messages.empty()) out["messages"] = e.messages;
    send_json(res, out);
  }));
  http.Get("/api/ps", wrap(api, "/api/ps", ErrorStyle::Ollama, [&api](const auto&, auto& res) {
    nlohmann::ordered_json models = nlohmann::ordered_json::array();
    for (const LoadedInfo& m : api.scheduler.loaded()) {
      // In use, or kept forever: ollama shows a time far ahead.
      const int64_t far = 4102444800LL * 1000000000LL;  // 2100-01-01
      models.push_back({{"name", m.entry.name},
                        {"model", m.entry.name},
                        {"size", m.memory_bytes},
                        {"digest", m.entry.digest},
                        {"details", details_json(m.entry.details)},
                        {"expires_at", rfc3339(m.expires_unix_ns > 0 ? m.expires_unix_ns : far)},
                        {"size_vram", 0},
                        {"context_length", m.n_ctx}});
    }
    send_json(res, {{"models", models}});
  }));
  http.Delete("/api/delete", wrap(api, "/api/delete", ErrorStyle::Ollama, [&api](const auto& req, auto& res) {
    const nlohmann::json body = parse_body(req.body);
    std::string name = opt_string(body, "model").value_or(opt_string(body, "name").value_or(""));
    if (name.empty()) throw HttpError(400, "\"model\" is required", "model");
    const ModelEntry e = resolve_or_404(api, name);
    api.scheduler.unload(e.path);
    try {
      api.catalog.remove(name);
    } catch (const NotFound& err) {
      throw HttpError(404, err.what(), "model");
    }
    res.status = 200;
  }));
  http.Post("/api/copy", wrap(api, "/api/copy", ErrorStyle::Ollama, [&api](const auto& req, auto& res) {
    const nlohmann::json body = parse_body(req.body);
    const std::string from = required_string(body, "source");
    const std::string to = required_string(body, "destination");
    try {
      api.catalog.copy(from, to);
    } catch (const NotFound& err) {
      throw HttpError(404, err.what(), "source");
    }
    res.status = 200;
  }));
  http.Get("/metrics", [&api](const httplib::Request&, httplib::Response& res) {
    res.set_content(api.metrics.render(api.scheduler.queued(), api.scheduler.loaded().size(), api.scheduler.running()),
                    "text/plain; version=0.0.4");
  });
}

}  // namespace hearth::server
