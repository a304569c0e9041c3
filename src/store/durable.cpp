#include "store/durable.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <random>

#include "core/error.h"

namespace hearth::store {

namespace fs = std::filesystem;

namespace {

std::string unique_temp_name() {
  static std::atomic<uint64_t> counter{0};
  static const uint64_t salt = std::random_device{}();
  return cat(kTempPrefix, ::getpid(), "-", counter.fetch_add(1), "-", std::hex, salt);
}

void fsync_fd(int fd, const std::string& what) {
  if (::fsync(fd) != 0) fail("cannot write '", what, "': fsync: ", errno_text(errno));
}

}  // namespace

bool is_temp_name(std::string_view filename) { return filename.substr(0, kTempPrefix.size()) == kTempPrefix; }

std::string read_file_bytes(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot read '", path.string(), "': ", errno_text(errno));
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      fail("cannot read '", path.string(), "': ", errno_text(err));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

void write_all(int fd, const void* data, size_t size, const std::string& what) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot write '", what, "': ", errno_text(errno));
    p += n;
    size -= static_cast<size_t>(n);
  }
}

void fsync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail("cannot open directory '", dir.string(), "': ", errno_text(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) fail("cannot sync directory '", dir.string(), "': ", errno_text(err));
}

void create_directories_durably(const fs::path& dir, const fs::path& root) {
  if (dir == root || fs::is_directory(dir)) return;
  create_directories_durably(dir.parent_path(), root);
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    fail("cannot create directory '", dir.string(), "': ", errno_text(errno));
  fsync_directory(dir.parent_path());
}

void write_file_atomically(const fs::path& path, std::string_view bytes) {
  LockedTemp temp = LockedTemp::create_file(path.parent_path());
  write_all(temp.fd(), bytes.data(), bytes.size(), path.string());
  fsync_fd(temp.fd(), path.string());
  if (::rename(temp.path().c_str(), path.c_str()) != 0)
    fail("cannot rename '", temp.path().string(), "' to '", path.string(), "': ", errno_text(errno));
  temp.release();
  fsync_directory(path.parent_path());
}

LockedTemp LockedTemp::create_file(const fs::path& dir) {
  const fs::path path = dir / unique_temp_name();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create '", path.string(), "': ", errno_text(errno));
  LockedTemp t(path, fd, false);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) fail("cannot lock '", path.string(), "': ", errno_text(errno));
  return t;
}

LockedTemp LockedTemp::create_directory(const fs::path& dir) {
  const fs::path path = dir / unique_temp_name();
  if (::mkdir(path.c_str(), 0755) != 0) fail("cannot create directory '", path.string(), "': ", errno_text(errno));
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    ::rmdir(path.c_str());
    fail("cannot open directory '", path.string(), "': ", errno_text(err));
  }
  LockedTemp t(path, fd, true);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) fail("cannot lock '", path.string(), "': ", errno_text(errno));
  return t;
}

LockedTemp::LockedTemp(LockedTemp&& o) noexcept
    : path_(std::move(o.path_)), fd_(o.fd_), directory_(o.directory_), removed_(o.removed_) {
  o.fd_ = -1;
  o.removed_ = true;
}

LockedTemp& LockedTemp::operator=(LockedTemp&& o) noexcept {
  if (this != &o) {
    reset();
    path_ = std::move(o.path_);
    fd_ = o.fd_;
    directory_ = o.directory_;
    removed_ = o.removed_;
    o.fd_ = -1;
    o.removed_ = true;
  }
  return *this;
}

LockedTemp::~LockedTemp() { reset(); }

void LockedTemp::reset() {
  if (!removed_ && !path_.empty()) {
    std::error_code ec;
    fs::remove_all(path_, ec);  // best effort: a leftover is cleaned up later
  }
  if (fd_ >= 0) ::close(fd_);  // closing drops the flock
  fd_ = -1;
  removed_ = true;
}

size_t remove_stale_temps(const fs::path& dir, bool recursive) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return 0;
  size_t removed = 0;
  std::vector<fs::path> subdirs;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!is_temp_name(name)) {
      if (recursive && entry.is_directory(ec)) subdirs.push_back(entry.path());
      continue;
    }
    const int fd = ::open(entry.path().c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) continue;
    // A writer holds its entry's lock until the entry is gone: getting the
    // lock means nobody is writing it any more.
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      fs::remove_all(entry.path(), ec);
      if (!ec) ++removed;
    }
    ::close(fd);
  }
  for (const fs::path& sub : subdirs) removed += remove_stale_temps(sub, true);
  return removed;
}

}  // namespace hearth::store
