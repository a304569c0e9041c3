#pragma once
// The models the server can serve: names in hearth's model store, or a path
// to a .gguf file given as the model name.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/model_config.h"

namespace hearth::store {
class Store;
}

namespace hearth::server {

using ModelDetails = store::ModelDetails;
// ollama's "details" object.
nlohmann::ordered_json details_json(const ModelDetails& d);

struct ModelEntry {
  std::string name;    // as clients name it: "qwen2.5:0.5b", or the path
  std::string path;    // the GGUF file
  std::string digest;  // hex; the store's manifest digest, or a digest of the path's identity
  uint64_t size = 0;   // bytes of the model (all layers)
  int64_t modified_unix = 0;
  ModelDetails details;
  // From the store's layers (a path has none): they override the GGUF's
  // template and set defaults for requests.
  std::optional<std::string> chat_template;  // the template layer: Jinja, or Go (store/prompt_template.h)
  std::string system;
  nlohmann::json params = nlohmann::json::object();     // Modelfile PARAMETERs, ollama's JSON
  nlohmann::json messages = nlohmann::json::array();    // Modelfile MESSAGEs
  std::string license;
  std::string modelfile;  // as `hearth show --modelfile` prints it
};

class Catalog {
 public:
  virtual ~Catalog() = default;
  // The model store behind the catalog: pulls, creates and blob uploads go to it.
  virtual store::Store& store() = 0;
  // Throws NotFound for a name that is neither a store model nor a .gguf file.
  virtual ModelEntry resolve(const std::string& name) const = 0;
  virtual std::vector<ModelEntry> list() const = 0;
  // Throw NotFound / hearth::Error.
  virtual void remove(const std::string& name) = 0;
  virtual void copy(const std::string& from, const std::string& to) = 0;
};

struct NotFound : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A .gguf path as a model: details from its metadata.
ModelEntry entry_for_gguf(const std::string& path);

// The store at $HEARTH_MODELS (or ~/.hearth/models); a name that is an
// existing file is served from that path.
std::unique_ptr<Catalog> make_catalog();
// The same over the store at root.
std::unique_ptr<Catalog> make_catalog(const std::filesystem::path& root);

}  // namespace hearth::server
