#include "store/staging.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "core/error.h"
#include "store/sha256.h"
#include "store/store_lock.h"

namespace hearth::store {

namespace fs = std::filesystem;

namespace {

LockedTemp make_staging_dir(const fs::path& root, const fs::path& blobs_dir) {
  // Created under the shared lock: the cleaner (exclusive) never sees the
  // directory before it is locked.
  StoreLock lock(root, StoreLock::Mode::Shared);
  create_directories_durably(blobs_dir, root);
  return LockedTemp::create_directory(blobs_dir);
}

void sync_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot open '", path.string(), "': ", errno_text(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) fail("cannot write '", path.string(), "': fsync: ", errno_text(err));
}

}  // namespace

struct BlobWriter::Hasher {
  Sha256 sha;
};

BlobWriter::BlobWriter(Staging& staging, fs::path path, int fd)
    : staging_(&staging), path_(std::move(path)), fd_(fd), hash_(std::make_unique<Hasher>()) {}

BlobWriter::BlobWriter(BlobWriter&& o) noexcept
    : staging_(o.staging_), path_(std::move(o.path_)), fd_(o.fd_), size_(o.size_), hash_(std::move(o.hash_)) {
  o.fd_ = -1;
}

BlobWriter::~BlobWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
}

void BlobWriter::write(std::span<const uint8_t> bytes) {
  if (fd_ < 0) fail("blob writer used after finish()");
  write_all(fd_, bytes.data(), bytes.size(), path_.string());
  hash_->sha.update(bytes);
  size_ += bytes.size();
}

void BlobWriter::write(std::string_view bytes) {
  write(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

const StagedBlob& BlobWriter::finish(const std::optional<Digest>& expected) {
  if (fd_ < 0) fail("blob writer finished twice");
  const Digest got{hash_->sha.finish_hex()};
  const int fd = fd_;
  fd_ = -1;
  if (expected && got != *expected) {
    ::close(fd);
    ::unlink(path_.c_str());
    fail("digest mismatch: expected ", expected->str(), ", the bytes have ", got.str());
  }
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) {
    ::unlink(path_.c_str());
    fail("cannot write '", path_.string(), "': fsync: ", errno_text(err));
  }
  return staging_->add(StagedBlob{got, size_, path_});
}

Staging::Staging(const fs::path& root)
    : blobs_dir_(root / "blobs"), dir_(make_staging_dir(root, root / "blobs")) {}

fs::path Staging::scratch_path(std::string_view name) const { return dir_.path() / name; }

BlobWriter Staging::begin_blob() {
  const fs::path path = scratch_path(cat("blob-", counter_++));
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create '", path.string(), "': ", errno_text(errno));
  return BlobWriter(*this, path, fd);
}

const StagedBlob& Staging::add_bytes(std::string_view bytes) {
  const Digest digest = Digest::of(bytes);
  if (const StagedBlob* b = find(digest)) return *b;
  BlobWriter w = begin_blob();
  w.write(bytes);
  return w.finish(digest);
}

const StagedBlob& Staging::add_file(const fs::path& source, const ProgressFn& progress) {
  std::error_code ec;
  const uint64_t size = fs::file_size(source, ec);
  if (ec) fail("cannot read '", source.string(), "': ", ec.message());
  const Digest digest{sha256_file_hex(source)};
  ProgressEvent ev{"copying file " + digest.str(), digest.str(), size, 0};
  if (const StagedBlob* b = find(digest)) return *b;
  if (const StagedBlob* b = add_existing(digest)) {
    ev.completed = size;
    if (progress) progress(ev);
    return *b;
  }
  const int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) fail("cannot read '", source.string(), "': ", errno_text(errno));
  BlobWriter w = begin_blob();
  std::vector<uint8_t> buf(4 << 20);
  uint64_t next_report = 0;
  for (;;) {
    const ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(in);
      fail("cannot read '", source.string(), "': ", errno_text(err));
    }
    if (n == 0) break;
    w.write(std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)));
    if (progress && w.written() >= next_report && w.written() < size) {
      ev.completed = w.written();
      progress(ev);
      next_report = w.written() + size / 100;
    }
  }
  ::close(in);
  try {
    const StagedBlob& b = w.finish(digest);
    ev.completed = b.size;
    if (progress) progress(ev);
    return b;
  } catch (const Error& e) {
    fail("'", source.string(), "' changed while it was copied (", e.what(), ")");
  }
}

const StagedBlob* Staging::add_existing(const Digest& digest) {
  if (const StagedBlob* b = find(digest)) return b;
  const fs::path blob = blobs_dir_ / digest.blob_name();
  const fs::path link = scratch_path(cat("blob-", counter_++));
  if (::link(blob.c_str(), link.c_str()) != 0) {
    if (errno == ENOENT) return nullptr;
    // No hard links here: a copy holds on to the bytes as well.
    std::error_code ec;
    if (!fs::copy_file(blob, link, ec)) return nullptr;
  }
  std::error_code ec;
  const uint64_t size = fs::file_size(link, ec);
  if (ec) fail("cannot read '", link.string(), "': ", ec.message());
  return &add(StagedBlob{digest, size, link});
}

const StagedBlob& Staging::add_written_file(const fs::path& path) {
  sync_file(path);
  std::error_code ec;
  const uint64_t size = fs::file_size(path, ec);
  if (ec) fail("cannot read '", path.string(), "': ", ec.message());
  return add(StagedBlob{Digest{sha256_file_hex(path)}, size, path});
}

const StagedBlob& Staging::add_verified(const fs::path& file, const Digest& digest) {
  if (const StagedBlob* b = find(digest)) return *b;
  sync_file(file);  // downloads are written without fsync; a committed blob must be on disk
  const fs::path link = scratch_path(cat("blob-", counter_++));
  if (::link(file.c_str(), link.c_str()) != 0) {
    std::error_code ec;
    if (!fs::copy_file(file, link, ec)) fail("cannot stage '", file.string(), "': ", ec.message());
    sync_file(link);
  }
  std::error_code ec;
  const uint64_t size = fs::file_size(link, ec);
  if (ec) fail("cannot read '", link.string(), "': ", ec.message());
  return add(StagedBlob{digest, size, link});
}

const StagedBlob* Staging::find(const Digest& digest) const {
  for (const auto& b : blobs_)
    if (b->digest == digest) return b.get();
  return nullptr;
}

const StagedBlob& Staging::add(StagedBlob blob) {
  if (const StagedBlob* b = find(blob.digest)) {
    if (!blob.path.empty() && blob.path != b->path) ::unlink(blob.path.c_str());
    return *b;
  }
  blobs_.push_back(std::make_unique<StagedBlob>(std::move(blob)));
  return *blobs_.back();
}

}  // namespace hearth::store
