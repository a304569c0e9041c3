#pragma once
// The model store, laid out as ollama's:
//
//   <root>/manifests/<host>/<namespace>/<model>/<tag>   a manifest (manifest.h)
//   <root>/blobs/sha256-<hex>                          content-addressed blobs, each stored once
//   <root>/.lock                                       the store lock (store_lock.h)
//
// <root> is $HEARTH_MODELS, else ~/.hearth/models. Every write is atomic and
// durable (durable.h); writers hold the store lock, readers need none, so one
// Store (or several, in several processes) can be used from many threads:
// find() and list() run concurrently with each other and with writes.
//
//   store::Store store = store::Store::open();
//   if (auto m = store.find(store::Name::parse("qwen2.5:0.5b"))) load(m->model_path);
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/digest.h"
#include "store/manifest.h"
#include "store/model_config.h"
#include "store/modelfile.h"
#include "store/name.h"
#include "store/progress.h"

namespace hearth::store {

class Staging;

struct ListEntry {
  Name name;
  Digest digest;  // of the manifest's bytes
  uint64_t size = 0;  // config and layers together
  std::chrono::system_clock::time_point modified;  // the manifest's
  ModelDetails details;
};

struct ModelInfo {
  Name name;  // spelled as stored
  Manifest manifest;
  Digest digest;
  uint64_t size = 0;
  std::chrono::system_clock::time_point modified;
  ModelDetails details;
  ModelConfig config;

  std::filesystem::path model_path;                   // the GGUF blob
  std::optional<std::filesystem::path> adapter_path;  // a LoRA adapter blob
  std::optional<std::string> template_text;           // a template layer: Jinja, or Go (prompt_template.h)
  std::optional<std::string> system;
  nlohmann::json parameters = nlohmann::json::object();
  std::vector<Message> messages;
  std::vector<std::string> licenses;
};

struct CreateOptions {
  std::string quantize;  // a mix name (convert/mix.h) or empty
  int threads = 0;       // for quantizing; 0: one per physical core
};

class Store {
 public:
  // $HEARTH_MODELS, else ~/.hearth/models.
  static std::filesystem::path default_root();
  static Store open() { return Store(default_root()); }
  explicit Store(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path blobs_dir() const { return root_ / "blobs"; }
  std::filesystem::path manifests_dir() const { return root_ / "manifests"; }
  std::filesystem::path blob_path(const Digest& digest) const { return blobs_dir() / digest.blob_name(); }

  // The model of that name (case-insensitively), or nullopt. Throws
  // hearth::Error for a damaged model: a manifest that does not parse, a
  // missing or unreadable blob.
  std::optional<ModelInfo> find(const Name& name) const;
  // find() or hearth::Error "model '<name>' not found".
  ModelInfo get(const Name& name) const;
  // Whether a manifest is stored under that name (ignoring case), readable or not.
  bool contains(const Name& name) const { return locate(name).has_value(); }
  // Every model, most recently modified first. Manifests that cannot be read
  // are left out and described in `problems` when given.
  std::vector<ListEntry> list(std::vector<std::string>* problems = nullptr) const;

  // Builds a model from a Modelfile (FROM a GGUF file, a directory holding
  // one, or a model in this store) and stores it under name, replacing a
  // model of exactly that name. Progress reports ollama's steps: "gathering
  // model components", "copying file sha256:...", "parsing GGUF",
  // "quantizing ...", "using existing layer ..." / "creating new layer ...",
  // "writing manifest", "success".
  void create(const Name& name, const Modelfile& modelfile, const CreateOptions& options = {},
              const ProgressFn& progress = {});
  // Another name for the same manifest (blobs are shared, not copied).
  void copy(const Name& from, const Name& to);
  // Deletes the manifest, then each of its blobs that no other manifest
  // references. Throws "model '<name>' not found".
  void remove(const Name& name);

  // Commits a manifest and the staged blobs it references, under the store
  // lock: staged blobs are renamed into blobs/, other referenced blobs must
  // already be there. Replaces a model of exactly that name (deleting blobs
  // only it referenced); refuses a name that differs from an existing one
  // only in case. The building block of create() and, later, pull.
  void write_model(const Name& name, const Manifest& manifest, const Staging& staging);
  // The same with the manifest's bytes as a registry sent them (which must
  // parse to `manifest`): stored as they are, so the model's ID is the
  // registry's.
  void write_model(const Name& name, const Manifest& manifest, const Staging& staging, std::string_view manifest_bytes);
  // Moves one staged blob into blobs/ without a manifest (an upload to
  // /api/blobs, used by a later create). Nothing happens when blobs/ already
  // holds it.
  void put_blob(const Staging& staging, const Digest& digest);
  bool has_blob(const Digest& digest) const;

  // Removes what interrupted writers left behind (temporary files and
  // directories no process holds). Writes do it on their own; returns how
  // many entries went.
  size_t clean_up();
  // Problems with the store's consistency: unreadable manifests, missing
  // blobs, blobs of the wrong size (and, with verify_digests, of the wrong
  // digest). Empty when all is well. Waits for writers to finish.
  std::vector<std::string> check(bool verify_digests) const;

 private:
  struct Located {
    Name name;
    std::filesystem::path path;
  };
  // The manifest stored under a name equal to `name` ignoring case.
  std::optional<Located> locate(const Name& name) const;
  std::vector<Located> all_manifests() const;
  ModelInfo read_model(const Located& where) const;
  // Writes a manifest under name (lock held), then drops the blobs only the
  // manifest it replaces referenced.
  void put_manifest(const Name& name, const std::string& bytes, const Manifest& manifest);
  // Deletes the blobs of `m` that no manifest references any more (lock held).
  void collect_garbage(const Manifest& m);
  void check_name_free(const Name& name) const;

  std::filesystem::path root_;
};

}  // namespace hearth::store
