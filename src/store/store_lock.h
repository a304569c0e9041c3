#pragma once
// The store's lock: flock on <root>/.lock, shared or exclusive. Manifest
// writes, blob commits, removals and the cleaning up of temporary entries
// hold it exclusively, so a CLI command and a running server (or two
// commands) never interleave them. Readers take no lock: every file they read
// appears by an atomic rename.
//
// Each StoreLock opens the lock file anew, so threads of one process exclude
// each other as separate processes do.
#include <filesystem>

namespace hearth::store {

class StoreLock {
 public:
  enum class Mode { Shared, Exclusive };
  // Creates the root directory if needed; blocks until the lock is granted.
  // Throws hearth::Error.
  StoreLock(const std::filesystem::path& root, Mode mode);
  ~StoreLock();
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace hearth::store
