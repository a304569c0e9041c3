#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <stdexcept>

#include "gguf_test_util.h"

namespace hearth::gguf {
namespace {

namespace fs = std::filesystem;
using test::Bytes;
using test::expect_error;

// A fresh empty directory under the system's temporary directory.
class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("hearth-gguf-test-" + std::to_string(::getpid()) + "-" +
                                          std::to_string(counter_++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path_)) out.push_back(e.path().filename().string());
    return out;
  }

 private:
  fs::path path_;
  static inline int counter_ = 0;
};

Value arr(ValueType et, std::vector<Value> items) { return Value{Array{et, std::move(items)}}; }

// One key of each of the 13 types, plus nested and empty arrays.
Writer all_types_writer() {
  Writer w;
  w.set("t.uint8", Value{uint8_t{200}});
  w.set("t.int8", Value{int8_t{-100}});
  w.set("t.uint16", Value{uint16_t{60000}});
  w.set("t.int16", Value{int16_t{-30000}});
  w.set("t.uint32", Value{uint32_t{4000000000u}});
  w.set("t.int32", Value{int32_t{-2000000000}});
  w.set("t.float32", Value{3.25f});
  w.set("t.bool", Value{true});
  w.set("t.bool.false", Value{false});
  w.set("t.string", Value{std::string("h\xc3\xa9llo\n\"w\"\0x", 12)});
  w.set("t.string.empty", Value{std::string()});
  w.set("t.uint64", Value{std::numeric_limits<uint64_t>::max()});
  w.set("t.int64", Value{std::numeric_limits<int64_t>::min()});
  w.set("t.float64", Value{-1.0e300});
  w.set("t.arr.u8", arr(ValueType::UINT8, {Value{uint8_t{1}}, Value{uint8_t{255}}}));
  w.set("t.arr.i8", arr(ValueType::INT8, {Value{int8_t{-1}}}));
  w.set("t.arr.u16", arr(ValueType::UINT16, {Value{uint16_t{7}}}));
  w.set("t.arr.i16", arr(ValueType::INT16, {Value{int16_t{-7}}}));
  w.set("t.arr.u32", arr(ValueType::UINT32, {Value{uint32_t{1}}, Value{uint32_t{2}}}));
  w.set("t.arr.i32", arr(ValueType::INT32, {Value{int32_t{-3}}}));
  w.set("t.arr.f32", arr(ValueType::FLOAT32, {Value{0.5f}, Value{-0.0f}}));
  w.set("t.arr.bool", arr(ValueType::BOOL, {Value{true}, Value{false}, Value{true}}));
  w.set("t.arr.str", arr(ValueType::STRING, {Value{std::string("a")}, Value{std::string()}, Value{std::string("ccc")}}));
  w.set("t.arr.u64", arr(ValueType::UINT64, {Value{uint64_t{1} << 60}}));
  w.set("t.arr.i64", arr(ValueType::INT64, {Value{int64_t{-1} << 60}}));
  w.set("t.arr.f64", arr(ValueType::FLOAT64, {Value{1e-300}}));
  w.set("t.arr.empty", arr(ValueType::STRING, {}));
  w.set("t.arr.nested",
        arr(ValueType::ARRAY, {arr(ValueType::INT32, {Value{int32_t{1}}, Value{int32_t{2}}}),
                               arr(ValueType::STRING, {Value{std::string("x")}}),
                               arr(ValueType::ARRAY, {arr(ValueType::BOOL, {Value{false}})}),
                               arr(ValueType::UINT8, {})}));
  // Eight levels: the deepest the format allows here.
  Value deep = arr(ValueType::UINT16, {Value{uint16_t{9}}});
  for (int i = 1; i < kMaxArrayDepth; ++i) deep = arr(ValueType::ARRAY, {deep});
  w.set("t.arr.deep", deep);
  return w;
}

TEST(GgufWriter, AllValueTypesReadBackEqual) {
  Writer w = all_types_writer();
  const Bytes b = w.to_bytes();
  const File f = File::parse(b);
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.tensors().size(), 0u);
  ASSERT_EQ(f.metadata().size(), 29u);

  // Compare against a second, independent construction of the same values.
  const Writer expected = all_types_writer();
  const File g = File::parse(expected.to_bytes());
  EXPECT_EQ(f.metadata(), g.metadata());

  EXPECT_EQ(std::get<uint8_t>(f.find("t.uint8")->data), 200);
  EXPECT_EQ(std::get<int8_t>(f.find("t.int8")->data), -100);
  EXPECT_EQ(std::get<uint16_t>(f.find("t.uint16")->data), 60000);
  EXPECT_EQ(std::get<int16_t>(f.find("t.int16")->data), -30000);
  EXPECT_EQ(std::get<uint32_t>(f.find("t.uint32")->data), 4000000000u);
  EXPECT_EQ(std::get<int32_t>(f.find("t.int32")->data), -2000000000);
  EXPECT_EQ(std::get<float>(f.find("t.float32")->data), 3.25f);
  EXPECT_EQ(std::get<bool>(f.find("t.bool")->data), true);
  EXPECT_EQ(std::get<bool>(f.find("t.bool.false")->data), false);
  EXPECT_EQ(f.get_string("t.string"), std::string("h\xc3\xa9llo\n\"w\"\0x", 12));
  EXPECT_EQ(f.get_string("t.string.empty"), "");
  EXPECT_EQ(std::get<uint64_t>(f.find("t.uint64")->data), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(std::get<int64_t>(f.find("t.int64")->data), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(std::get<double>(f.find("t.float64")->data), -1.0e300);
  const Array& nested = f.find("t.arr.nested")->as_array("n");
  EXPECT_EQ(nested.element_type, ValueType::ARRAY);
  ASSERT_EQ(nested.items.size(), 4u);
  EXPECT_EQ(nested.items[1].as_array("x").items[0].as_string("s"), "x");
  EXPECT_EQ(nested.items[3].as_array("x").element_type, ValueType::UINT8);
  EXPECT_TRUE(nested.items[3].as_array("x").items.empty());
  EXPECT_EQ(f.find("t.arr.empty")->as_array("e").element_type, ValueType::STRING);
  EXPECT_TRUE(std::signbit(std::get<float>(f.find("t.arr.f32")->as_array("f").items[1].data)));

  // Metadata keeps its order.
  for (size_t i = 0; i < f.metadata().size(); ++i) EXPECT_EQ(f.metadata()[i].key, g.metadata()[i].key);
  EXPECT_EQ(f.metadata().front().key, "t.uint8");
  EXPECT_EQ(f.metadata().back().key, "t.arr.deep");

  // And writing the parsed file back gives the same bytes.
  EXPECT_EQ(Writer::from_file(f).to_bytes(), b);
}

TEST(GgufWriter, NaNPayloadsSurvive) {
  Writer w;
  float nan;
  const uint32_t bits = 0x7fa00001;  // a signalling NaN with a payload
  std::memcpy(&nan, &bits, 4);
  w.set("nan", Value{nan});
  const Bytes b = w.to_bytes();
  const File f = File::parse(b);
  EXPECT_EQ(Writer::from_file(f).to_bytes(), b);
}

TEST(GgufWriter, SetReplacesInPlace) {
  Writer w;
  w.set("a", Value{uint32_t{1}});
  w.set("b", Value{uint32_t{2}});
  w.set("c", Value{uint32_t{3}});
  w.set("b", Value{std::string("two")});
  const File f = File::parse(w.to_bytes());
  ASSERT_EQ(f.metadata().size(), 3u);
  EXPECT_EQ(f.metadata()[0].key, "a");
  EXPECT_EQ(f.metadata()[1].key, "b");
  EXPECT_EQ(f.metadata()[2].key, "c");
  EXPECT_EQ(f.get_string("b"), "two");
}

TEST(GgufWriter, TensorLayout) {
  const Bytes b = test::small_file();
  const File f = File::parse(b);
  ASSERT_EQ(f.tensors().size(), 3u);
  EXPECT_EQ(f.data_offset() % 32, 0u);
  EXPECT_EQ(f.tensors()[0].offset, 0u);
  EXPECT_EQ(f.tensors()[0].nbytes, 24u);
  EXPECT_EQ(f.tensors()[1].offset, 32u);  // padded to the alignment
  EXPECT_EQ(f.tensors()[1].nbytes, 34u);
  EXPECT_EQ(f.tensors()[1].type, tensor::DType::Q8_0);
  EXPECT_EQ(f.tensors()[2].offset, 96u);
  EXPECT_EQ(b.size(), f.data_offset() + 128);
  // Padding bytes are zero.
  for (size_t i = 24; i < 32; ++i) EXPECT_EQ(b[f.data_offset() + i], 0);
  for (size_t i = 32 + 34; i < 96; ++i) EXPECT_EQ(b[f.data_offset() + i], 0);
  const size_t infos_end = test::tensor_info_at(b, "t.ccc") + 4 + 8 + 4 + 8;
  ASSERT_LT(infos_end, f.data_offset());
  for (size_t i = infos_end; i < f.data_offset(); ++i) EXPECT_EQ(b[i], 0);  // header padding
  const uint8_t* a = f.tensor_data(f.tensors()[0]);
  for (int i = 0; i < 24; ++i) EXPECT_EQ(a[i], i + 1);
  const uint8_t* c = f.tensor_data(f.tensors()[2]);
  for (int i = 0; i < 32; ++i) EXPECT_EQ(c[i], 200 + i);
}

TEST(GgufWriter, AlignmentKeyIsHonoured) {
  Writer w;
  w.set("general.alignment", Value{uint32_t{256}});
  std::vector<uint8_t> data(4 * 3, 1);
  w.add_tensor("a", tensor::DType::F32, {3}, data);
  w.add_tensor("b", tensor::DType::F32, {3}, data);
  const Bytes b = w.to_bytes();
  const File f = File::parse(b);
  EXPECT_EQ(f.alignment(), 256u);
  EXPECT_EQ(f.data_offset() % 256, 0u);
  EXPECT_EQ(f.tensors()[1].offset, 256u);
  EXPECT_EQ(b.size(), f.data_offset() + 512);
  EXPECT_EQ(Writer::from_file(f).to_bytes(), b);

  expect_error([&] { w.set("general.alignment", Value{uint32_t{48}}); }, "not a non-zero power of two");
  expect_error([&] { w.set("general.alignment", Value{uint32_t{0}}); }, "not a non-zero power of two");
  expect_error([&] { w.set("general.alignment", Value{uint64_t{64}}); }, "must be a uint32");
}

TEST(GgufWriter, FillCallbackStreamsData) {
  Writer w;
  int calls = 0;
  w.add_tensor("f", tensor::DType::F16, {4, 2}, [&](uint8_t* dst, size_t n) {
    ++calls;
    EXPECT_EQ(n, 16u);
    for (size_t i = 0; i < n; ++i) dst[i] = static_cast<uint8_t>(0xa0 + i);
  });
  const Bytes b = w.to_bytes();
  EXPECT_EQ(calls, 1);
  const File f = File::parse(b);
  EXPECT_EQ(f.tensors()[0].nbytes, 16u);
  EXPECT_EQ(f.tensor_data(f.tensors()[0])[15], 0xaf);
}

TEST(GgufWriter, RefusesBadInput) {
  Writer w;
  std::vector<uint8_t> four(4);
  w.add_tensor("x", tensor::DType::F32, {1}, four);
  expect_error([&] { w.add_tensor("x", tensor::DType::F32, {1}, four); }, "duplicate tensor name 'x'");
  expect_error([&] { w.add_tensor("y", tensor::DType::F32, {2}, four); }, "is given 4 bytes, its shape needs 8");
  expect_error([&] { w.add_tensor("y", tensor::DType::F32, {}, four); }, "0 dimensions");
  expect_error([&] { w.add_tensor("y", tensor::DType::F32, {1, 1, 1, 1, 1}, four); }, "5 dimensions");
  expect_error([&] { w.add_tensor("y", tensor::DType::F32, {-1}, four); }, "negative dimension");
  expect_error([&] { w.add_tensor("y", tensor::DType::Q4_0, {16}, four); }, "not a multiple of q4_0's block size 32");
  expect_error([&] { w.add_tensor("y", static_cast<tensor::DType>(4), {1}, four); }, "unknown tensor type id 4");
  expect_error(
      [&] {
        w.add_tensor("y", tensor::DType::F32, {int64_t{1} << 40, int64_t{1} << 40}, Writer::Fill([](uint8_t*, size_t) {}));
      },
      "too many");
  expect_error([&] { w.add_tensor("y", tensor::DType::F32, {1}, Writer::Fill()); }, "no fill function");
  // Only the first tensor was added.
  EXPECT_EQ(File::parse(w.to_bytes()).tensors().size(), 1u);

  expect_error([&] { w.set("a", arr(ValueType::UINT8, {Value{int8_t{1}}})); }, "array of uint8 holding a int8");
  expect_error([&] { w.set("a", arr(static_cast<ValueType>(13), {})); }, "unknown element type 13");
  Value deep = arr(ValueType::UINT8, {});
  for (int i = 0; i < kMaxArrayDepth; ++i) deep = arr(ValueType::ARRAY, {deep});
  expect_error([&] { w.set("a", deep); }, "nested deeper than 8");

  expect_error([] { Writer w1(1); }, "unsupported GGUF version 1");
  expect_error([] { Writer w4(4); }, "unsupported GGUF version 4");
}

TEST(GgufWriter, Version2) {
  Writer w(2);
  w.set("k", Value{uint8_t{1}});
  const Bytes b = w.to_bytes();
  const File f = File::parse(b);
  EXPECT_EQ(f.version(), 2u);
  EXPECT_EQ(Writer::from_file(f).to_bytes(), b);
}

TEST(GgufWriter, EmptyDataPadding) {
  Writer w;
  w.set("k", Value{uint8_t{1}});  // 24 + 8 + 1 + 4 + 1 = 38 bytes
  EXPECT_EQ(w.to_bytes().size(), 38u);
  w.set_pad_empty_data(true);
  const Bytes padded = w.to_bytes();
  EXPECT_EQ(padded.size(), 64u);
  const File f = File::parse(padded);
  EXPECT_EQ(f.data_offset(), 64u);
  EXPECT_EQ(Writer::from_file(f).to_bytes(), padded);  // from_file keeps the padding
  const Bytes unpadded = Writer::from_file(File::parse(Bytes(padded.begin(), padded.begin() + 38))).to_bytes();
  EXPECT_EQ(unpadded.size(), 38u);
}

TEST(GgufWriter, WriteCreatesTheFileAtomically) {
  TempDir dir;
  const std::string path = dir.file("out.gguf");
  const Writer w = test::small_writer();
  w.write(path);
  EXPECT_EQ(test::read_bytes(path), w.to_bytes());
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out.gguf"});  // no temporary left
  const File f = File::open(path);
  EXPECT_EQ(f.tensors().size(), 3u);

  // Overwriting replaces the file.
  Writer w2;
  w2.set("only", Value{true});
  w2.write(path);
  EXPECT_EQ(test::read_bytes(path), w2.to_bytes());
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out.gguf"});
}

TEST(GgufWriter, FailedWriteLeavesNoFile) {
  TempDir dir;
  // A Fill that throws part way.
  Writer w = test::small_writer();
  w.add_tensor("bad", tensor::DType::F32, {1}, [](uint8_t*, size_t) { throw Error("fill failed"); });
  expect_error([&] { w.write(dir.file("x.gguf")); }, "fill failed");
  EXPECT_TRUE(dir.entries().empty());

  // Other exceptions propagate too, and still clean up.
  Writer w2;
  w2.add_tensor("bad", tensor::DType::F32, {1}, [](uint8_t*, size_t) { throw std::runtime_error("other"); });
  EXPECT_THROW(w2.write(dir.file("y.gguf")), std::runtime_error);
  EXPECT_TRUE(dir.entries().empty());

  // A directory that does not exist.
  expect_error([&] { test::small_writer().write(dir.file("no/such/dir/z.gguf")); }, "cannot create");
  EXPECT_TRUE(dir.entries().empty());

  // A target that is a directory: the rename fails, the temporary goes.
  fs::create_directories(dir.file("isdir/inner"));
  expect_error([&] { test::small_writer().write(dir.file("isdir")); }, "cannot rename");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"isdir"});

  // The previous file survives a failed overwrite.
  const std::string path = dir.file("keep.gguf");
  test::small_writer().write(path);
  const Bytes before = test::read_bytes(path);
  expect_error([&] { w.write(path); }, "fill failed");
  EXPECT_EQ(test::read_bytes(path), before);
}

// Reading and writing back every real file gives the same bytes.
void expect_round_trip(const std::string& path) {
  SCOPED_TRACE(path);
  const File f = File::open(path);
  const Bytes original(f.bytes().begin(), f.bytes().end());
  const Bytes again = Writer::from_file(f).to_bytes();
  ASSERT_EQ(again.size(), original.size());
  EXPECT_TRUE(again == original);
}

TEST(GgufWriter, RoundTripRepoFiles) {
  const auto files = test::repo_files();
  bool stories = false, vocab = false;
  for (const auto& rf : files) {
    stories |= rf.path.ends_with("models/stories260K.gguf");
    vocab |= rf.path.ends_with("tests/data/ggml-vocab-llama-spm.gguf");
    expect_round_trip(rf.path);
  }
  EXPECT_TRUE(stories && vocab) << "the repository's test files are missing";
}

TEST(GgufWriter, RoundTripSharedFiles) {
  const auto files = test::shared_files();
  if (files.empty()) GTEST_SKIP() << "../shared is absent";
  for (const auto& rf : files) expect_round_trip(rf.path);
}

TEST(GgufWriter, RoundTripThroughDisk) {
  TempDir dir;
  const File f = File::open(test::repo_path("models/stories260K.gguf"));
  const std::string out = dir.file("copy.gguf");
  Writer::from_file(f).write(out);
  EXPECT_TRUE(test::read_bytes(out) == Bytes(f.bytes().begin(), f.bytes().end()));
}

TEST(GgufWriter, FromFileOutlivesTheFile) {
  Writer w = [] {
    const File f = File::open(test::repo_path("models/stories260K.gguf"));
    return Writer::from_file(f);
  }();
  const Bytes b = w.to_bytes();  // the mapping is still held by the writer
  EXPECT_EQ(b.size(), 1185376u);
}

}  // namespace
}  // namespace hearth::gguf
