// Store::create: a model from a Modelfile, built the way ollama builds one.
#include <set>

#include "convert/mix.h"
#include "convert/quantize.h"
#include "core/error.h"
#include "gguf/file.h"
#include "store/go_json.h"
#include "store/gguf_summary.h"
#include "store/media_types.h"
#include "store/model_source.h"
#include "store/parameters.h"
#include "store/staging.h"
#include "store/store.h"

namespace hearth::store {

namespace fs = std::filesystem;

namespace {

GgufSummary read_gguf(const fs::path& path) {
  const gguf::File file = gguf::File::open(path.string());
  GgufSummary s = summarize_gguf(file);
  if (s.split_count > 1)
    fail("'", path.string(), "' is one part of a GGUF model split into ", s.split_count,
         " parts; hearth does not merge them: merge them first (llama-gguf-split --merge) and give FROM the merged file");
  return s;
}

// One step of building the manifest: reports and remembers each layer.
class LayerList {
 public:
  LayerList(const Store& store, Staging& staging, const ProgressFn& progress)
      : store_(store), staging_(staging), progress_(progress) {}

  void add(std::string_view media_type, const Digest& digest, uint64_t size) {
    std::error_code ec;
    const bool exists = fs::exists(store_.blob_path(digest), ec);
    report((exists ? "using existing layer " : "creating new layer ") + digest.str());
    layers_.push_back(Layer{std::string(media_type), digest, size});
  }
  void add_bytes(std::string_view media_type, std::string_view bytes) {
    const StagedBlob& b = staging_.add_bytes(bytes);
    add(media_type, b.digest, b.size);
  }
  // A layer of the base model, held in the staging area until the new
  // manifest is written.
  void add_existing(std::string_view media_type, const Layer& layer) {
    if (!staging_.add_existing(layer.digest))
      fail("blob ", layer.digest.str(), " of the base model was removed meanwhile; try again");
    add(media_type, layer.digest, layer.size);
  }
  void inherit(const ModelInfo* base, std::string_view media_type) {
    if (!base) return;
    for (const Layer* l : base->manifest.find_all(media_type)) add_existing(media_type, *l);
  }
  void report(const std::string& status) const {
    if (progress_) progress_(ProgressEvent{status, "", 0, 0});
  }
  std::vector<Layer>& layers() { return layers_; }

 private:
  const Store& store_;
  Staging& staging_;
  const ProgressFn& progress_;
  std::vector<Layer> layers_;
};

nlohmann::json merged_parameters(const ModelInfo* base, const nlohmann::json& given) {
  nlohmann::json params = base ? base->parameters : nlohmann::json::object();
  for (const auto& [name, value] : given.items()) params[name] = value;  // the Modelfile's values win
  return params;
}

std::string messages_json(const std::vector<Message>& messages) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const Message& m : messages) list.push_back({{"role", m.role}, {"content", m.content}});
  return go_json(list);
}

}  // namespace

void Store::create(const Name& name, const Modelfile& modelfile, const CreateOptions& options,
                   const ProgressFn& progress) {
  auto report = [&](const std::string& status) {
    if (progress) progress(ProgressEvent{status, "", 0, 0});
  };
  // Everything that can be checked without touching a byte of the model first.
  const convert::Mix* mix = options.quantize.empty() ? nullptr : &convert::parse_mix(options.quantize);
  validate_parameters(modelfile.parameters);
  if (modelfile.template_text) check_chat_template(*modelfile.template_text);
  check_name_free(name);

  report("gathering model components");
  const ModelSource source = resolve_model_source(*this, modelfile);
  const ModelInfo* base = source.base ? &*source.base : nullptr;
  std::optional<fs::path> adapter;
  if (modelfile.adapter) {
    adapter = modelfile_path(*modelfile.adapter, modelfile.directory);
    (void)gguf::File::open(adapter->string());  // an adapter is a GGUF file too
  }

  Staging staging(root_);
  // A file is copied in before it is parsed, as ollama does; a file to be
  // quantized is read in place and only the result is stored. A stored
  // model's GGUF is held in the staging area, safe from removals meanwhile.
  fs::path gguf_path = source.gguf;
  const StagedBlob* copied = nullptr;
  if (base) {
    const StagedBlob* held = staging.add_existing(base->manifest.find(media_type::kModel)->digest);
    if (!held) fail("model '", base->name.display(), "' was removed meanwhile");
    gguf_path = held->path;
  } else if (!mix) {
    copied = &staging.add_file(source.gguf, progress);
    gguf_path = copied->path;
  }

  report("parsing GGUF");
  GgufSummary summary = read_gguf(gguf_path);
  Digest model_digest;
  uint64_t model_size = 0;
  if (mix) {
    if (summary.file_type != "F32" && summary.file_type != "F16" && summary.file_type != "BF16")
      fail("quantizing needs an F32, F16 or BF16 model; this one is ", summary.file_type);
    const std::string status = cat("quantizing ", summary.file_type, " model to ", mix->name);
    const fs::path out = staging.scratch_path("quantized.gguf");
    convert::QuantizeOptions qo;
    qo.threads = options.threads;
    qo.on_tensor = [&](const convert::TensorReport& r) {
      if (progress) progress(ProgressEvent{status, "", r.count, r.index});
    };
    convert::quantize_file(gguf_path.string(), out.string(), *mix, qo);
    const StagedBlob& q = staging.add_written_file(out);
    summary = read_gguf(q.path);
    model_digest = q.digest;
    model_size = q.size;
  } else if (copied) {
    model_digest = copied->digest;
    model_size = copied->size;
  } else {
    const Layer* layer = base->manifest.find(media_type::kModel);
    model_digest = layer->digest;
    model_size = layer->size;
  }

  LayerList layers(*this, staging, progress);
  layers.add(media_type::kModel, model_digest, model_size);
  if (adapter) {
    const StagedBlob& a = staging.add_file(*adapter, progress);
    layers.add(media_type::kAdapter, a.digest, a.size);
  } else {
    layers.inherit(base, media_type::kAdapter);
  }
  if (modelfile.template_text) layers.add_bytes(media_type::kTemplate, *modelfile.template_text);
  else layers.inherit(base, media_type::kTemplate);
  if (modelfile.system) layers.add_bytes(media_type::kSystem, *modelfile.system);
  else layers.inherit(base, media_type::kSystem);
  if (!modelfile.licenses.empty())
    for (const std::string& license : modelfile.licenses) layers.add_bytes(media_type::kLicense, license);
  else
    layers.inherit(base, media_type::kLicense);
  const nlohmann::json params = merged_parameters(base, modelfile.parameters);
  if (!params.empty()) layers.add_bytes(media_type::kParams, go_json(nlohmann::ordered_json::parse(params.dump())));
  if (!modelfile.messages.empty()) layers.add_bytes(media_type::kMessages, messages_json(modelfile.messages));
  else layers.inherit(base, media_type::kMessages);

  ModelConfig config = ModelConfig::from_gguf(summary);
  for (const Layer& l : layers.layers()) config.diff_ids.push_back(l.digest);
  const StagedBlob& config_blob = staging.add_bytes(config.serialize());

  Manifest manifest;
  manifest.config = Layer{std::string(media_type::kConfig), config_blob.digest, config_blob.size};
  manifest.layers = std::move(layers.layers());
  report("writing manifest");
  write_model(name, manifest, staging);
  report("success");
}

}  // namespace hearth::store
