#include "model/model.h"

#include <algorithm>

#include "core/error.h"
#include "model/bert.h"
#include "model/llama.h"
#include "tensor/dequantize.h"

namespace hearth::model {

std::vector<std::string> Model::supported_architectures() { return {"llama", "qwen2", "qwen3", "qwen3moe", "gemma2", "gemma3", "phi3", "bert", "nomic-bert"}; }

std::unique_ptr<Model> Model::load(const std::string& path) {
  gguf::File file = gguf::File::open(path);
  const std::string arch = file.find_string("general.architecture").value_or("");
  if (arch.empty()) fail("'", path, "': general.architecture is missing; is this a model file?");
  if (const LlamaVariant* variant = find_llama_variant(arch)) return load_llama(std::move(file), *variant);
  if (is_bert_arch(arch)) return load_bert(std::move(file));
  std::string list;
  for (const auto& a : supported_architectures()) list += (list.empty() ? "" : ", ") + a;
  fail("'", path, "': unsupported architecture '", arch, "' (supported: ", list, ")");
}

uint64_t Model::weight_bytes() const {
  uint64_t total = 0;
  for (const auto& t : file_.tensors()) total += t.nbytes;
  return total;
}

uint64_t Model::parameter_count() const {
  uint64_t total = 0;
  for (const auto& t : file_.tensors()) total += static_cast<uint64_t>(t.n_elements());
  return total;
}

backend::TensorView Model::optional_weight(const std::string& name, std::initializer_list<int64_t> shape) const {
  const gguf::TensorInfo* info = file_.find_tensor(name);
  if (!info) return {};
  std::vector<int64_t> want(shape);
  std::vector<int64_t> have = info->dims;
  while (have.size() > want.size() && have.back() == 1) have.pop_back();
  if (have != want) {
    auto show = [](const std::vector<int64_t>& d) {
      std::string s = "[";
      for (size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
      return s + "]";
    };
    fail("'", file_.path(), "': tensor '", name, "' has shape ", show(have), ", expected ", show(want));
  }
  const tensor::DType type = info->type;
  if (type != tensor::DType::F32 && type != tensor::DType::F16 && !tensor::can_dequantize(type))
    fail("'", file_.path(), "': tensor '", name, "' has type ", tensor::dtype_info(type).name,
         ", which hearth cannot compute yet");
  std::vector<int64_t> dims(shape);
  backend::TensorView view;
  view.type = type;
  view.data = const_cast<uint8_t*>(file_.tensor_data(*info));
  for (size_t i = 0; i < 4; ++i) view.ne[i] = i < dims.size() ? dims[i] : 1;
  view.nb[0] = tensor::dtype_info(type).block_bytes;
  view.nb[1] = tensor::row_bytes(type, view.ne[0]);
  view.nb[2] = view.nb[1] * view.ne[1];
  view.nb[3] = view.nb[2] * view.ne[2];
  return view;
}

backend::TensorView Model::weight(const std::string& name, std::initializer_list<int64_t> shape) const {
  backend::TensorView view = optional_weight(name, shape);
  if (!view.data) fail("'", file_.path(), "': tensor '", name, "' is missing");
  return view;
}

}  // namespace hearth::model
