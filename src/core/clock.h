#pragma once
#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>

namespace hearth {

// Monotonic time in nanoseconds, for durations.
inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The wall-clock time now in UTC, ISO 8601: "2026-12-03T14:39:39Z".
inline std::string utc_now() {
  char buf[32];
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%FT%TZ", &tm);
  return buf;
}

}  // namespace hearth
