// libFuzzer target for the GGUF reader (and, on what it accepts, the writer
// and the `inspect` formatting).
//
// Property checked on every input: File::parse either throws hearth::Error or
// returns a File whose every value and tensor can be touched safely; writing
// that File back gives a file that parses again, and writing that one back
// gives the same bytes (the writer's output is a fixed point).
//
// The same binary writes the seed corpus (see scripts/fuzz-gguf.sh):
//   gguf_fuzz --write-seeds DIR [FILE.gguf...]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "cli/inspect_format.h"
#include "core/error.h"
#include "gguf/file.h"
#include "gguf/writer.h"

namespace {

using hearth::gguf::Array;
using hearth::gguf::File;
using hearth::gguf::Value;
using hearth::gguf::ValueType;
using hearth::gguf::Writer;
using Bytes = std::vector<uint8_t>;

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "gguf_fuzz: %s\n", what);
  std::abort();
}

volatile uint64_t g_sink;
// Keeps a computed value alive so that the reads behind it happen.
void keep(uint64_t x) { g_sink = g_sink + x; }

void touch(const Value& v, int depth) {
  (void)hearth::gguf::value_type_name(v.type());
  (void)v.is_integer();
  (void)v.is_number();
  try { keep(v.as_uint("v")); } catch (const hearth::Error&) {}
  try { keep(static_cast<uint64_t>(v.as_int("v"))); } catch (const hearth::Error&) {}
  try { keep(static_cast<uint64_t>(v.as_double("v") != 0.0)); } catch (const hearth::Error&) {}
  try { keep(v.as_bool("v")); } catch (const hearth::Error&) {}
  try { keep(v.as_string("v").size()); } catch (const hearth::Error&) {}
  try {
    const Array& a = v.as_array("v");
    if (depth + 1 > hearth::gguf::kMaxArrayDepth) finding("array nested deeper than the limit");
    for (const Value& item : a.items) {
      if (item.type() != a.element_type) finding("array item of the wrong type");
      touch(item, depth + 1);
    }
  } catch (const hearth::Error&) {
  }
}

void touch(const File& f) {
  for (const auto& kv : f.metadata()) {
    if (f.find(kv.key) != &kv.value) finding("find() does not return the key's value");
    touch(kv.value, 0);
  }
  try { keep(f.get_string("general.architecture").size()); } catch (const hearth::Error&) {}
  try { keep(f.get_uint_or("general.alignment", 0)); } catch (const hearth::Error&) {}
  if (f.alignment() == 0 || (f.alignment() & (f.alignment() - 1)) != 0) finding("bad alignment accepted");
  if (f.data_offset() % f.alignment() != 0) finding("data offset not aligned");
  for (const auto& t : f.tensors()) {
    if (f.find_tensor(t.name) != &t) finding("find_tensor() does not return the tensor");
    keep(static_cast<uint64_t>(t.n_elements()));
    (void)hearth::tensor::dtype_name(static_cast<uint32_t>(t.type));
    const uint8_t* p = f.tensor_data(t);
    if (t.nbytes > 0) {
      const uint8_t* end = f.bytes().data() + f.bytes().size();
      if (p < f.bytes().data() || p + t.nbytes > end) finding("tensor data outside the input");
      keep(p[0] + p[t.nbytes - 1]);  // ASan sees any read past the input
    }
  }
}

// Bytes the writer would produce, or 0 when it is too much to build here
// (tensors may overlap in the input, so their sum can exceed its size).
uint64_t output_size(const File& f) {
  uint64_t total = f.data_offset();
  for (const auto& t : f.tensors()) {
    total += (t.nbytes + f.alignment() - 1) / f.alignment() * f.alignment();
    if (total > (64u << 20)) return 0;
  }
  return total;
}

void round_trip(const File& f) {
  if (output_size(f) == 0) return;
  const Bytes once = Writer::from_file(f).to_bytes();
  try {
    const File g = File::parse(once, "once");
    if (g.metadata().size() != f.metadata().size() || g.tensors().size() != f.tensors().size())
      finding("round trip changed the counts");
    for (size_t i = 0; i < f.tensors().size(); ++i) {
      const auto& a = f.tensors()[i];
      const auto& b = g.tensors()[i];
      if (a.name != b.name || a.type != b.type || a.dims != b.dims || a.nbytes != b.nbytes)
        finding("round trip changed a tensor");
      if (a.nbytes && std::memcmp(f.tensor_data(a), g.tensor_data(b), a.nbytes) != 0)
        finding("round trip changed tensor data");
    }
    if (Writer::from_file(g).to_bytes() != once) finding("writer output is not a fixed point");
  } catch (const hearth::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    finding("the writer's output does not parse");
  }
}

// ---- seed corpus ------------------------------------------------------------

void save(const std::filesystem::path& dir, const std::string& name, const Bytes& b) {
  std::ofstream out(dir / name, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  if (!out) {
    std::fprintf(stderr, "gguf_fuzz: cannot write %s\n", (dir / name).c_str());
    std::exit(1);
  }
}

Value arr(ValueType et, std::vector<Value> items) { return Value{Array{et, std::move(items)}}; }

Writer synthetic(uint32_t version, uint32_t alignment, bool tensors) {
  Writer w(version);
  w.set("general.architecture", Value{std::string("llama")});
  if (alignment) w.set("general.alignment", Value{alignment});
  w.set("a.u8", Value{uint8_t{1}});
  w.set("a.i8", Value{int8_t{-1}});
  w.set("a.u16", Value{uint16_t{2}});
  w.set("a.i16", Value{int16_t{-2}});
  w.set("a.u32", Value{uint32_t{3}});
  w.set("a.i32", Value{int32_t{-3}});
  w.set("a.f32", Value{1e-5f});
  w.set("a.bool", Value{true});
  w.set("a.str", Value{std::string("h\xc3\xa9llo \"q\"\n\x01")});
  w.set("a.u64", Value{uint64_t{1} << 40});
  w.set("a.i64", Value{-(int64_t{1} << 40)});
  w.set("a.f64", Value{0.5});
  w.set("a.arr.str", arr(ValueType::STRING, {Value{std::string("<s>")}, Value{std::string("\xe2\x96\x81t")}}));
  w.set("a.arr.f32", arr(ValueType::FLOAT32, {Value{0.0f}, Value{-1.5f}}));
  w.set("a.arr.i32", arr(ValueType::INT32, {Value{int32_t{1}}, Value{int32_t{6}}}));
  w.set("a.arr.bool", arr(ValueType::BOOL, {Value{false}}));
  w.set("a.arr.empty", arr(ValueType::UINT64, {}));
  w.set("a.arr.nested", arr(ValueType::ARRAY, {arr(ValueType::UINT8, {Value{uint8_t{9}}}),
                                                arr(ValueType::ARRAY, {arr(ValueType::INT16, {})})}));
  if (tensors) {
    using hearth::tensor::DType;
    auto fill = [](uint8_t seed) {
      return Writer::Fill([seed](uint8_t* dst, size_t n) {
        for (size_t i = 0; i < n; ++i) dst[i] = static_cast<uint8_t>(seed + i * 7);
      });
    };
    w.add_tensor("token_embd.weight", DType::F32, {4, 3}, fill(1));
    w.add_tensor("output_norm.weight", DType::F16, {5}, fill(2));
    w.add_tensor("blk.0.attn_q.weight", DType::Q4_0, {32, 2}, fill(3));
    w.add_tensor("blk.0.attn_k.weight", DType::Q8_0, {64}, fill(4));
    w.add_tensor("blk.0.ffn_up.weight", DType::Q4_K, {256}, fill(5));
    w.add_tensor("blk.0.ffn_down.weight", DType::BF16, {2, 1, 1, 2}, fill(6));
    w.add_tensor("empty", DType::I8, {0, 3}, fill(7));
    w.add_tensor("last", DType::I32, {8}, fill(8));
  }
  return w;
}

// The real file with every array cut to a few items and every tensor cut to
// one block, so that its keys and layout fit in a small input.
Bytes miniature(const File& f) {
  Writer w(f.version());
  for (const auto& kv : f.metadata()) {
    Value v = kv.value;
    if (auto* a = std::get_if<Array>(&v.data); a && a->items.size() > 16) a->items.resize(16);
    w.set(kv.key, std::move(v));
  }
  for (const auto& t : f.tensors()) {
    const auto& info = hearth::tensor::dtype_info(t.type);
    std::vector<int64_t> dims(t.dims.size(), 1);
    dims[0] = info.block_size;
    const uint8_t* src = f.tensor_data(t);
    const size_t avail = t.nbytes;
    w.add_tensor(t.name, t.type, dims, Writer::Fill([src, avail](uint8_t* dst, size_t n) {
      std::memcpy(dst, src, std::min(n, avail));
    }));
  }
  return w.to_bytes();
}

uint64_t g_rng = 0x9e3779b97f4a7c15ull;
uint64_t next_random() {
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return g_rng;
}

// The seed itself, prefixes of it, and copies with a few bits flipped.
void save_variants(const std::filesystem::path& dir, const std::string& name, const Bytes& b) {
  save(dir, name, b);
  for (size_t cut : {size_t{3}, size_t{4}, size_t{8}, size_t{23}, size_t{24}, size_t{40}, b.size() / 4,
                     b.size() / 2, b.size() - 1}) {
    if (cut < b.size()) save(dir, name + ".cut" + std::to_string(cut), Bytes(b.begin(), b.begin() + cut));
  }
  if (b.empty()) return;
  for (int i = 0; i < 24; ++i) {
    Bytes c = b;
    // Most flips in the header, where the structure is.
    const size_t span = (i % 2 == 0) ? std::min<size_t>(c.size(), 256) : c.size();
    const int flips = 1 + static_cast<int>(next_random() % 4);
    for (int k = 0; k < flips; ++k) c[next_random() % span] ^= static_cast<uint8_t>(1u << (next_random() % 8));
    save(dir, name + ".flip" + std::to_string(i), c);
  }
}

int write_seeds(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s --write-seeds DIR [FILE.gguf...]\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[2];
  std::filesystem::create_directories(dir);
  save_variants(dir, "synthetic-v3", synthetic(3, 0, true).to_bytes());
  save_variants(dir, "synthetic-v2", synthetic(2, 0, true).to_bytes());
  save_variants(dir, "synthetic-align64", synthetic(3, 64, true).to_bytes());
  save_variants(dir, "synthetic-notensors", synthetic(3, 0, false).to_bytes());
  Writer padded = synthetic(3, 0, false);
  padded.set_pad_empty_data(true);
  save(dir, "synthetic-notensors-padded", padded.to_bytes());
  for (int i = 3; i < argc; ++i) {
    const std::string name = std::filesystem::path(argv[i]).filename().string();
    try {
      const File f = File::open(argv[i]);
      // Whole real files go in as they are (libFuzzer cuts them to -max_len).
      save(dir, name, Bytes(f.bytes().begin(), f.bytes().end()));
      save_variants(dir, name + ".mini", miniature(f));
    } catch (const hearth::Error& e) {
      std::fprintf(stderr, "gguf_fuzz: %s\n", e.what());
      return 1;
    }
  }
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  std::printf("gguf_fuzz: %zu seeds in %s\n", n, dir.c_str());
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  if (*argc >= 2 && std::strcmp((*argv)[1], "--write-seeds") == 0) std::exit(write_seeds(*argc, *argv));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const File f = File::parse(std::span<const uint8_t>(data, size), "fuzz.gguf");
    touch(f);
    keep(hearth::cli::inspect_text(f).size());
    keep(hearth::cli::inspect_json_text(f).size());
    round_trip(f);
  } catch (const hearth::Error& e) {
    if (std::strchr(e.what(), '\n')) finding("an error message spans lines");
  }
  return 0;
}
