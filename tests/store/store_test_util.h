#pragma once
// Temporary stores and files for the store tests, and independent checks
// (the sha256sum program) to compare the store's digests with.
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "core/error.h"
#include "gtest/gtest.h"

namespace hearth::testing {

namespace fs = std::filesystem;

inline const std::string kStories = HEARTH_SOURCE_DIR "/models/stories260K.gguf";

// A fresh directory, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "hearth-store-test-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

inline void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

inline std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The hex digest the sha256sum program prints for a file.
inline std::string sha256sum(const fs::path& path) {
  const std::string cmd = "sha256sum '" + path.string() + "'";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run sha256sum");
  std::array<char, 128> buf{};
  std::string out;
  while (std::fgets(buf.data(), buf.size(), p)) out += buf.data();
  ::pclose(p);
  return out.substr(0, out.find(' '));
}

// Every path below dir (relative), for before/after comparisons.
inline std::set<std::string> tree(const fs::path& dir) {
  std::set<std::string> out;
  std::error_code ec;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) out.insert(fs::relative(e.path(), dir).string());
  return out;
}

// The names of the files in <root>/blobs.
inline std::set<std::string> blob_files(const fs::path& root) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root / "blobs", ec)) out.insert(e.path().filename().string());
  return out;
}

}  // namespace hearth::testing

#include "store/modelfile.h"
#include "store/store.h"

namespace hearth::testing {

// A store in a temporary directory, with a place for source files.
class StoreTest : public ::testing::Test {
 protected:
  TempDir tmp_;
  fs::path root_ = tmp_ / "models";
  fs::path src_ = tmp_ / "src";
  store::Store store_{root_};

  void SetUp() override { fs::create_directories(src_); }

  // A Modelfile read from text, relative paths resolving in src_.
  store::Modelfile modelfile(const std::string& text) const {
    store::Modelfile mf = store::Modelfile::parse(text);
    mf.directory = src_;
    return mf;
  }
  void create(const std::string& name, const std::string& text, const store::CreateOptions& options = {},
              const store::ProgressFn& progress = {}) {
    store_.create(store::Name::parse(name), modelfile(text), options, progress);
  }
  // The store's files, the lock file left out.
  std::set<std::string> snapshot() const {
    auto t = tree(root_);
    t.erase(".lock");
    return t;
  }
};

}  // namespace hearth::testing

namespace hearth::store {
inline void PrintTo(const Name& n, std::ostream* os) { *os << n.full(); }
inline void PrintTo(const Digest& d, std::ostream* os) { *os << d.str(); }
}  // namespace hearth::store
