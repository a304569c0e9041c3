#include "core/mapped_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace hearth {
namespace {

namespace fs = std::filesystem;

// A file in the temp directory, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::vector<uint8_t>& bytes) {
    path_ = (fs::temp_directory_path() /
             ("hearth-mapped-file-test-" + std::to_string(getpid()) + "-" + std::to_string(counter_++)))
                .string();
    std::ofstream out(path_, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  ~TempFile() { fs::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

TEST(MappedFile, MissingFileThrowsNamingThePath) {
  const std::string path = "/nonexistent-hearth-dir/no-such-model.gguf";
  try {
    MappedFile::open(path);
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("No such file"), std::string::npos) << msg;
  }
}

TEST(MappedFile, DirectoryIsRejected) {
  const std::string dir = fs::temp_directory_path().string();
  try {
    MappedFile::open(dir);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir), std::string::npos) << e.what();
  }
}

TEST(MappedFile, MapsTheFilesBytes) {
  std::vector<uint8_t> bytes(100000);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>((i * 131 + 7) ^ (i >> 8));
  TempFile file(bytes);
  MappedFile m = MappedFile::open(file.path());
  EXPECT_EQ(m.path(), file.path());
  ASSERT_EQ(m.size(), bytes.size());
  ASSERT_NE(m.data(), nullptr);
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), m.data()));
  EXPECT_EQ(m.bytes().size(), bytes.size());
  EXPECT_EQ(m.bytes().data(), m.data());
}

TEST(MappedFile, MapsBundledTestData) {
  const std::string path = std::string(HEARTH_TEST_DATA) + "/gpl-3.0-first-20000-bytes.txt";
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << path;
  const std::vector<char> want((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  MappedFile m = MappedFile::open(path);
  ASSERT_EQ(m.size(), want.size());
  EXPECT_EQ(m.size(), 20000u);
  EXPECT_TRUE(std::equal(want.begin(), want.end(), reinterpret_cast<const char*>(m.data())));
}

TEST(MappedFile, EmptyFile) {
  TempFile file({});
  MappedFile m = MappedFile::open(file.path());
  EXPECT_EQ(m.size(), 0u);
  EXPECT_TRUE(m.bytes().empty());
}

TEST(MappedFile, MoveTransfersTheMapping) {
  TempFile file({1, 2, 3, 4});
  MappedFile a = MappedFile::open(file.path());
  const uint8_t* p = a.data();
  MappedFile b(std::move(a));
  EXPECT_EQ(b.data(), p);
  EXPECT_EQ(b.size(), 4u);
  EXPECT_EQ(a.data(), nullptr);  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_EQ(a.size(), 0u);
  MappedFile c;
  c = std::move(b);
  EXPECT_EQ(c.data(), p);
  EXPECT_EQ(c.data()[3], 4);
}

TEST(Error, CatAndFail) {
  EXPECT_EQ(cat("a", 1, ' ', 2.5, "b"), "a1 2.5b");
  try {
    fail("tensor '", "blk.0", "' has ", 3, " dims");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "tensor 'blk.0' has 3 dims");
  }
  EXPECT_NE(errno_text(ENOENT).find("No such file"), std::string::npos);
}

TEST(Clock, Monotonic) {
  int64_t prev = now_ns();
  for (int i = 0; i < 1000; ++i) {
    const int64_t t = now_ns();
    ASSERT_GE(t, prev);
    prev = t;
  }
}

}  // namespace
}  // namespace hearth
