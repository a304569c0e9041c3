#include "store/model_config.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "store/go_json.h"
#include "store/human_format.h"

namespace hearth::store {

namespace {

using Json = nlohmann::ordered_json;

std::string string_field(const Json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

ModelConfig ModelConfig::from_gguf(const GgufSummary& s) {
  ModelConfig c;
  c.model_family = s.architecture;
  if (!s.architecture.empty()) c.model_families = {s.architecture};
  c.model_type = human_number(s.parameter_count);
  c.file_type = s.file_type;
  return c;
}

ModelConfig ModelConfig::parse(std::string_view text, const std::string& where) {
  const Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) fail(where, ": the config blob is not a JSON object");
  ModelConfig c;
  c.model_format = string_field(j, "model_format");
  c.model_family = string_field(j, "model_family");
  c.model_type = string_field(j, "model_type");
  c.file_type = string_field(j, "file_type");
  if (const auto f = j.find("model_families"); f != j.end() && f->is_array())
    for (const auto& item : *f)
      if (item.is_string()) c.model_families.push_back(item.get<std::string>());
  if (const auto r = j.find("rootfs"); r != j.end() && r->is_object())
    if (const auto ids = r->find("diff_ids"); ids != r->end() && ids->is_array())
      for (const auto& item : *ids)
        if (item.is_string())
          if (auto d = Digest::try_parse(item.get<std::string>())) c.diff_ids.push_back(*d);
  return c;
}

std::string ModelConfig::serialize() const {
  Json j = Json::object();
  j["model_format"] = model_format;
  j["model_family"] = model_family;
  j["model_families"] = model_families.empty() ? Json(nullptr) : Json(model_families);
  j["model_type"] = model_type;
  j["file_type"] = file_type;
  j["architecture"] = "amd64";
  j["os"] = "linux";
  Json ids = Json::array();
  for (const Digest& d : diff_ids) ids.push_back(d.str());
  j["rootfs"] = Json{{"type", "layers"}, {"diff_ids", ids}};
  return go_json(j);
}

ModelDetails ModelConfig::details() const {
  ModelDetails d;
  d.format = model_format;
  d.family = model_family;
  d.families = model_families;
  d.parameter_size = model_type;
  d.quantization_level = file_type;
  return d;
}

}  // namespace hearth::store
