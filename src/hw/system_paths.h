#pragma once
// Where hw reads the machine from and keeps what it measured. The kernel's
// file systems are read under roots that tests point at fixture trees.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace hearth::hw {

// "/sys", or $HEARTH_SYSFS_ROOT.
std::filesystem::path sysfs_root();
// "/proc", or $HEARTH_PROCFS_ROOT.
std::filesystem::path procfs_root();
// $XDG_CACHE_HOME/hearth/hw.json, else $HOME/.cache/hearth/hw.json.
std::filesystem::path hw_cache_path();

// A small file's contents with surrounding white space removed; nullopt when
// it cannot be read.
std::optional<std::string> read_text_file(const std::filesystem::path& path);
// A file holding one unsigned number, decimal or 0x-prefixed hex (sysfs style).
std::optional<uint64_t> read_number_file(const std::filesystem::path& path);

}  // namespace hearth::hw
