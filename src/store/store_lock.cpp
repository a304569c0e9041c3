#include "store/store_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

#include "core/error.h"

namespace hearth::store {

StoreLock::StoreLock(const std::filesystem::path& root, Mode mode) {
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) fail("cannot create the model store '", root.string(), "': ", ec.message());
  const std::filesystem::path path = root / ".lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) fail("cannot open the store's lock file '", path.string(), "': ", errno_text(errno));
  const int op = mode == Mode::Exclusive ? LOCK_EX : LOCK_SH;
  while (::flock(fd_, op) != 0) {
    if (errno == EINTR) continue;
    const int err = errno;
    ::close(fd_);
    fail("cannot lock the model store '", path.string(), "': ", errno_text(err));
  }
}

StoreLock::~StoreLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace hearth::store
