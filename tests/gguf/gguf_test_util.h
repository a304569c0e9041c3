#pragma once
// Helpers shared by the gguf tests: reading files, locating fields inside a
// GGUF image, patching them, and checking error messages.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "gguf/file.h"
#include "gguf/writer.h"

namespace hearth::gguf::test {

using Bytes = std::vector<uint8_t>;

inline Bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::string repo_path(const std::string& rel) { return std::string(HEARTH_SOURCE_DIR) + "/" + rel; }
inline std::string shared_path(const std::string& rel) {
  return std::string(HEARTH_SOURCE_DIR) + "/../shared/" + rel;
}

// Offset of the first occurrence of s in b; fails the test when absent.
inline size_t find(const Bytes& b, std::string_view s, size_t from = 0) {
  auto it = std::search(b.begin() + static_cast<std::ptrdiff_t>(from), b.end(), s.begin(), s.end());
  EXPECT_NE(it, b.end()) << "marker '" << s << "' not found";
  return static_cast<size_t>(it - b.begin());
}

template <typename T>
void poke(Bytes& b, size_t at, T v) {
  ASSERT_LE(at + sizeof(T), b.size());
  std::memcpy(b.data() + at, &v, sizeof(T));
}

template <typename T>
T peek(const Bytes& b, size_t at) {
  T v{};
  std::memcpy(&v, b.data() + at, sizeof(T));
  return v;
}

// Runs fn, expects a hearth::Error whose message contains phrase and is one line.
inline void expect_error(const std::function<void()>& fn, std::string_view phrase) {
  try {
    fn();
    ADD_FAILURE() << "no error; expected one containing \"" << phrase << "\"";
  } catch (const hearth::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(phrase), std::string::npos) << "message: " << msg << "\nexpected: " << phrase;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "message spans lines: " << msg;
  }
}

inline void expect_parse_error(const Bytes& b, std::string_view phrase) {
  expect_error([&] { File::parse(b, "x.gguf"); }, phrase);
  // Every parse error names the file.
  try {
    File::parse(b, "x.gguf");
  } catch (const hearth::Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("'x.gguf': ", 0), 0u) << e.what();
  }
}

// A small valid file with markers that the error tests patch:
//   keys "k.first" (uint32 7), "k.arr" (array[uint32] {1,2,3}), "k.dupa", "k.dupb",
//   tensors "t.aaa" (f32 [3, 2], 24 bytes: padded), "t.bbb" (q8_0 [32], 34 bytes),
//   "t.ccc" (f32 [8], 32 bytes, last and unpadded so that every prefix is invalid).
inline Writer small_writer() {
  Writer w;
  w.set("k.first", Value{uint32_t{7}});
  w.set("k.arr", Value{Array{ValueType::UINT32, {Value{uint32_t{1}}, Value{uint32_t{2}}, Value{uint32_t{3}}}}});
  w.set("k.dupa", Value{std::string("a")});
  w.set("k.dupb", Value{std::string("b")});
  Bytes a(24), bq(34), c(32);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<uint8_t>(i + 1);
  for (size_t i = 0; i < bq.size(); ++i) bq[i] = static_cast<uint8_t>(100 + i);
  for (size_t i = 0; i < c.size(); ++i) c[i] = static_cast<uint8_t>(200 + i);
  w.add_tensor("t.aaa", tensor::DType::F32, {3, 2}, a);
  w.add_tensor("t.bbb", tensor::DType::Q8_0, {32}, bq);
  w.add_tensor("t.ccc", tensor::DType::F32, {8}, c);
  return w;
}

inline Bytes small_file() { return small_writer().to_bytes(); }

// Offset of the n_dims field of tensor `name` (the name is followed by it).
inline size_t tensor_info_at(const Bytes& b, std::string_view name) { return find(b, name) + name.size(); }

// Every .gguf in the repository's models/ and tests/data/ (which must hold
// stories260K and the llama-spm vocabulary), and, when ../shared exists, in
// its models/ and vocab/.
struct RealFile {
  std::string path;
  bool in_repo;
};

inline std::vector<RealFile> gguf_files_in(const std::string& dir, bool in_repo) {
  namespace fs = std::filesystem;
  std::vector<RealFile> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".gguf") out.push_back({entry.path().string(), in_repo});
  std::sort(out.begin(), out.end(), [](const RealFile& a, const RealFile& b) { return a.path < b.path; });
  return out;
}

inline std::vector<RealFile> repo_files() {
  auto out = gguf_files_in(repo_path("models"), true);
  auto more = gguf_files_in(repo_path("tests/data"), true);
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

inline std::vector<RealFile> shared_files() {
  auto out = gguf_files_in(shared_path("models"), false);
  auto more = gguf_files_in(shared_path("vocab"), false);
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

}  // namespace hearth::gguf::test
