#include "store/gguf_merge.h"

#include <cstring>

#include "core/error.h"
#include "gguf/file.h"
#include "gguf/writer.h"

namespace hearth::store {

void merge_gguf_parts(const std::vector<std::filesystem::path>& parts, const std::filesystem::path& out) {
  if (parts.empty()) fail("no GGUF parts to merge");
  std::vector<gguf::File> files;
  for (const auto& p : parts) files.push_back(gguf::File::open(p.string()));
  const uint64_t count = files[0].get_uint_or("split.count", 0);
  if (count != parts.size())
    fail("'", parts[0].filename().string(), "' says the model has ", count, " parts, but ", parts.size(), " were given");
  uint64_t tensors = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    if (files[i].get_uint_or("split.no", UINT64_MAX) != i)
      fail("'", parts[i].filename().string(), "' is not part ", i + 1, " of the split model");
    tensors += files[i].tensors().size();
  }
  const uint64_t expected = files[0].get_uint_or("split.tensors.count", tensors);
  if (expected != tensors) fail("the parts hold ", tensors, " tensors, the first part says ", expected);

  gguf::Writer w(files[0].version());
  for (const gguf::KeyValue& kv : files[0].metadata())
    if (kv.key.rfind("split.", 0) != 0) w.set(kv.key, kv.value);
  for (const gguf::File& f : files)
    for (const gguf::TensorInfo& t : f.tensors()) {
      const uint8_t* src = f.tensor_data(t);
      w.add_tensor(t.name, t.type, t.dims, [src](uint8_t* dst, size_t n) {
        if (n) std::memcpy(dst, src, n);
      });
    }
  w.write(out.string());  // the parts stay mapped (files) until it is written
}

}  // namespace hearth::store
