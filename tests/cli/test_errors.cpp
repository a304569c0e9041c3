// Bad files given to `hearth run`: one line on standard error naming the
// problem, a non-zero exit status, never a crash.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "cli/run_hearth.h"
#include "gguf/file.h"
#include "gguf/writer.h"

namespace hearth::testing {
namespace {

const std::string kModel = HEARTH_SOURCE_DIR "/models/stories260K.gguf";

class BadFile : public ::testing::Test {
 protected:
  std::string path_ = temp_path("bad.gguf");
  void TearDown() override { std::remove(path_.c_str()); }

  void write_bytes(const std::string& bytes) { std::ofstream(path_, std::ios::binary) << bytes; }
  std::string model_bytes() { return read_file(kModel); }
  static void put_u64(std::string& bytes, size_t offset, uint64_t v) { std::memcpy(bytes.data() + offset, &v, 8); }

  // Runs `hearth run` on the file and checks the error is one line containing `phrase`.
  void expect_one_line_error(const std::string& phrase, const std::string& path = "") {
    Outcome o = run_hearth("run '" + (path.empty() ? path_ : path) + "' -n 4 'Once'");
    EXPECT_EQ(o.status, 1) << o.err;
    EXPECT_TRUE(o.out.empty()) << o.out;
    ASSERT_FALSE(o.err.empty());
    EXPECT_EQ(o.err.find('\n'), o.err.size() - 1) << "more than one line:\n" << o.err;
    EXPECT_EQ(o.err.rfind("hearth: error: ", 0), 0u) << o.err;
    EXPECT_NE(o.err.find(phrase), std::string::npos) << "expected '" << phrase << "' in: " << o.err;
  }
};

TEST_F(BadFile, MissingFile) { expect_one_line_error("No such file", "/nonexistent/model.gguf"); }

TEST_F(BadFile, NotGguf) {
  write_bytes("this is a text file, not a model\n");
  expect_one_line_error("not a GGUF file");
}

TEST_F(BadFile, Truncated) {
  for (size_t keep : {size_t(3), size_t(20), size_t(1000), size_t(600000)}) {
    SCOPED_TRACE(keep);
    write_bytes(model_bytes().substr(0, keep));
    expect_one_line_error("truncated");
  }
}

TEST_F(BadFile, AbsurdTensorCount) {
  std::string bytes = model_bytes();
  put_u64(bytes, 8, 0xFFFFFFFFFFFFull);  // tensor_count
  write_bytes(bytes);
  expect_one_line_error("tensor count");
}

TEST_F(BadFile, AbsurdStringLength) {
  std::string bytes = model_bytes();
  put_u64(bytes, 24, 0x7FFFFFFFFFFFFFull);  // length of the first metadata key
  write_bytes(bytes);
  expect_one_line_error("needs 36028797018963967 bytes");
}

TEST_F(BadFile, UnsupportedArchitecture) {
  gguf::File src = gguf::File::open(kModel);
  gguf::Writer w = gguf::Writer::from_file(src);
  w.set("general.architecture", gguf::Value{std::string("rwkv42")});
  w.write(path_);
  expect_one_line_error("unsupported architecture 'rwkv42'");
}

TEST_F(BadFile, UnsupportedTensorType) {
  // Write a retired type id straight into the first tensor info.
  gguf::File src = gguf::File::open(kModel);
  std::string bytes = model_bytes();
  // Locate the tensor info of the first tensor: its name string is followed by
  // n_dims (u32), dims (u64 each) and the type (u32).
  const auto& t = src.tensors().front();
  std::string needle(8, '\0');
  const uint64_t len = t.name.size();
  std::memcpy(needle.data(), &len, 8);
  needle += t.name;
  const size_t at = bytes.find(needle);
  ASSERT_NE(at, std::string::npos);
  const size_t type_offset = at + needle.size() + 4 + 8 * t.dims.size();
  const uint32_t retired = 4;  // Q4_2, removed from ggml
  std::memcpy(bytes.data() + type_offset, &retired, 4);
  write_bytes(bytes);
  expect_one_line_error(t.name);
}

}  // namespace
}  // namespace hearth::testing
