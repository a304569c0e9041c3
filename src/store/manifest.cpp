#include "store/manifest.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "store/go_json.h"
#include "store/media_types.h"

namespace hearth::store {

namespace {

using Json = nlohmann::ordered_json;

Layer parse_layer(const Json& j, const std::string& what, const std::string& where) {
  if (!j.is_object()) fail(where, ": ", what, " is not a JSON object");
  const auto media = j.find("mediaType");
  if (media == j.end() || !media->is_string()) fail(where, ": ", what, " has no mediaType string");
  const auto digest = j.find("digest");
  if (digest == j.end() || !digest->is_string()) fail(where, ": ", what, " has no digest string");
  const auto size = j.find("size");
  if (size == j.end() || !size->is_number_integer() || size->get<int64_t>() < 0)
    fail(where, ": ", what, " has no size (a non-negative integer)");
  auto d = Digest::try_parse(digest->get<std::string>());
  if (!d) fail(where, ": ", what, " has an invalid digest '", digest->get<std::string>(), "'");
  return Layer{media->get<std::string>(), *d, size->get<uint64_t>()};
}

Json layer_json(const Layer& l) {
  Json j = Json::object();
  j["mediaType"] = l.media_type;
  j["digest"] = l.digest.str();
  j["size"] = l.size;
  return j;
}

}  // namespace

Manifest Manifest::parse(std::string_view text, const std::string& where) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) fail(where, ": not valid JSON");
  if (!j.is_object()) fail(where, ": not a JSON object");
  const auto version = j.find("schemaVersion");
  if (version == j.end() || !version->is_number_integer() || version->get<int64_t>() != 2)
    fail(where, ": schemaVersion is not 2");
  const auto config = j.find("config");
  if (config == j.end()) fail(where, ": no config");
  Manifest m;
  m.config = parse_layer(*config, "config", where);
  const auto layers = j.find("layers");
  if (layers == j.end() || !layers->is_array()) fail(where, ": no layers array");
  for (size_t i = 0; i < layers->size(); ++i) m.layers.push_back(parse_layer((*layers)[i], cat("layer ", i), where));
  return m;
}

std::string Manifest::serialize() const {
  Json j = Json::object();
  j["schemaVersion"] = 2;
  j["mediaType"] = media_type::kManifest;
  j["config"] = layer_json(config);
  j["layers"] = Json::array();
  for (const Layer& l : layers) j["layers"].push_back(layer_json(l));
  return go_json(j);
}

const Layer* Manifest::find(std::string_view media_type) const {
  for (const Layer& l : layers)
    if (l.media_type == media_type) return &l;
  return nullptr;
}

std::vector<const Layer*> Manifest::find_all(std::string_view media_type) const {
  std::vector<const Layer*> out;
  for (const Layer& l : layers)
    if (l.media_type == media_type) out.push_back(&l);
  return out;
}

uint64_t Manifest::total_size() const {
  uint64_t n = config.size;
  for (const Layer& l : layers) n += l.size;
  return n;
}

std::vector<Digest> Manifest::blobs() const {
  std::vector<Digest> out{config.digest};
  for (const Layer& l : layers) out.push_back(l.digest);
  return out;
}

}  // namespace hearth::store
