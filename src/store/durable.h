#pragma once
// Writes that a crash cannot tear: a file appears complete or not at all
// (written to a temporary name in the same directory, fsynced, renamed, and
// the directory fsynced). Temporary entries are named ".hearth-tmp-..." — no
// model name or blob name starts with a dot — and are flocked by their writer
// for as long as they exist, so a cleaner can tell a live writer's entry from
// one a crashed process left behind.
#include <filesystem>
#include <string>
#include <string_view>

namespace hearth::store {

constexpr std::string_view kTempPrefix = ".hearth-tmp-";
bool is_temp_name(std::string_view filename);

// Throws hearth::Error naming the path.
std::string read_file_bytes(const std::filesystem::path& path);
void fsync_directory(const std::filesystem::path& dir);
// mkdir -p below `root` (which must exist), making each new directory's
// entry durable.
void create_directories_durably(const std::filesystem::path& dir, const std::filesystem::path& root);
// Replaces (or creates) path with bytes, atomically and durably; the
// directory must exist.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);
// Writes all of bytes to fd; throws naming `what`.
void write_all(int fd, const void* data, size_t size, const std::string& what);

// A temporary file or directory held (flocked) by this process until it is
// destroyed, which removes it unless it was renamed away (released).
class LockedTemp {
 public:
  static LockedTemp create_file(const std::filesystem::path& dir);
  static LockedTemp create_directory(const std::filesystem::path& dir);

  LockedTemp(LockedTemp&& other) noexcept;
  LockedTemp& operator=(LockedTemp&& other) noexcept;
  LockedTemp(const LockedTemp&) = delete;
  LockedTemp& operator=(const LockedTemp&) = delete;
  ~LockedTemp();

  const std::filesystem::path& path() const { return path_; }
  int fd() const { return fd_; }
  // The entry no longer exists under its name (it was renamed): only unlock.
  void release() { removed_ = true; }

 private:
  LockedTemp(std::filesystem::path path, int fd, bool directory) : path_(std::move(path)), fd_(fd), directory_(directory) {}
  void reset();

  std::filesystem::path path_;
  int fd_ = -1;
  bool directory_ = false;
  bool removed_ = false;
};

// Removes the temporary entries in dir (and, when recursive, below it) that
// no process holds any more. Returns how many it removed.
size_t remove_stale_temps(const std::filesystem::path& dir, bool recursive);

}  // namespace hearth::store
