#pragma once
// Text shared by `hearth hw` and `hearth fit`: sizes and the measured rates.
#include <cstdint>
#include <string>

#include "hw/rates_cache.h"

namespace hearth::cli {

// "512 MiB", "48.0 GiB", "7.5 MiB", "812 KiB".
std::string byte_size(uint64_t bytes);
// The measured-rates block of `hearth hw`, one indented line each.
std::string rates_text(const hw::CachedRates& cached);

}  // namespace hearth::cli
