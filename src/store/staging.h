#pragma once
// Blobs on their way into the store. A writer stages its blobs in a private
// temporary directory under blobs/ (same file system, so committing one is a
// rename); Store::write_model then commits them together with the manifest
// that references them, under the store lock. A staged blob whose bytes do
// not have the digest it was expected to have is deleted at once: nothing
// with a wrong digest ever reaches blobs/.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/digest.h"
#include "store/durable.h"
#include "store/progress.h"

namespace hearth::store {

struct StagedBlob {
  Digest digest;
  uint64_t size = 0;
  std::filesystem::path path;  // inside the staging directory
};

class Staging;

// Streams one blob into the staging directory, hashing as it goes.
class BlobWriter {
 public:
  void write(std::span<const uint8_t> bytes);
  void write(std::string_view bytes);
  uint64_t written() const { return size_; }
  // Flushes the file to disk and stages it. With `expected`, a different
  // digest deletes the file and throws hearth::Error.
  const StagedBlob& finish(const std::optional<Digest>& expected = std::nullopt);

  ~BlobWriter();
  BlobWriter(BlobWriter&&) noexcept;
  BlobWriter(const BlobWriter&) = delete;

 private:
  friend class Staging;
  BlobWriter(Staging& staging, std::filesystem::path path, int fd);
  struct Hasher;

  Staging* staging_;
  std::filesystem::path path_;
  int fd_;
  uint64_t size_ = 0;
  std::unique_ptr<Hasher> hash_;
};

class Staging {
 public:
  // Creates the staging directory under <root>/blobs. Throws hearth::Error.
  explicit Staging(const std::filesystem::path& root);

  BlobWriter begin_blob();
  const StagedBlob& add_bytes(std::string_view bytes);
  // Copies a file in, reporting "copying file sha256:<hex>" progress. The
  // file is hashed first; when blobs/ already holds that digest nothing is
  // copied (add_existing).
  const StagedBlob& add_file(const std::filesystem::path& source, const ProgressFn& progress);
  // Holds on to a blob already in blobs/ (a hard link in the staging
  // directory), so that a removal meanwhile cannot take it from the model
  // being written. Nullptr when the blob is not there (any more).
  const StagedBlob* add_existing(const Digest& digest);
  // A path inside the staging directory for a file someone else writes
  // (the quantizer), then staged by add_written_file.
  std::filesystem::path scratch_path(std::string_view name) const;
  const StagedBlob& add_written_file(const std::filesystem::path& path);
  // A file elsewhere on the store's file system whose digest the caller has
  // verified (a finished download): hard-linked in (copied where links are
  // not possible); the file itself stays.
  const StagedBlob& add_verified(const std::filesystem::path& file, const Digest& digest);

  const StagedBlob* find(const Digest& digest) const;
  const std::filesystem::path& blobs_dir() const { return blobs_dir_; }

 private:
  friend class BlobWriter;
  const StagedBlob& add(StagedBlob blob);

  std::filesystem::path blobs_dir_;
  LockedTemp dir_;
  std::vector<std::unique_ptr<StagedBlob>> blobs_;  // stable addresses
  uint64_t counter_ = 0;
};

}  // namespace hearth::store
