#include "store/human_format.h"

#include <cmath>
#include <cstdio>

namespace hearth::store {

namespace {

std::string printf_string(const char* format, double v, const char* unit) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v, unit);
  return buf;
}

std::string human_duration(std::chrono::nanoseconds d) {
  using namespace std::chrono;
  const auto seconds = duration_cast<std::chrono::seconds>(d).count();
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return std::to_string(seconds) + " seconds";
  const auto minutes = duration_cast<std::chrono::minutes>(d).count();
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return std::to_string(minutes) + " minutes";
  const auto hours = static_cast<int64_t>(std::round(duration<double, std::ratio<3600>>(d).count()));
  if (hours == 1) return "About an hour";
  if (hours < 48) return std::to_string(hours) + " hours";
  if (hours < 24 * 7 * 2) return std::to_string(hours / 24) + " days";
  if (hours < 24 * 30 * 2) return std::to_string(hours / 24 / 7) + " weeks";
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24 / 30) + " months";
  return std::to_string(hours / 24 / 365) + " years";
}

}  // namespace

std::string human_number(uint64_t n) {
  const double v = static_cast<double>(n);
  if (n >= 1000000000) {
    const double b = v / 1e9;
    return printf_string(b == std::floor(b) ? "%.0f%s" : "%.1f%s", b, "B");
  }
  if (n >= 1000000) {
    const double m = v / 1e6;
    return printf_string(m == std::floor(m) ? "%.0f%s" : "%.2f%s", m, "M");
  }
  if (n >= 1000) return printf_string("%.0f%s", v / 1e3, "K");
  return std::to_string(n);
}

std::string human_bytes(uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  double value;
  const char* unit;
  if (bytes >= 1000000000000ull) value = b / 1e12, unit = "TB";
  else if (bytes >= 1000000000ull) value = b / 1e9, unit = "GB";
  else if (bytes >= 1000000ull) value = b / 1e6, unit = "MB";
  else if (bytes >= 1000ull) value = b / 1e3, unit = "KB";
  else return std::to_string(bytes) + " B";
  if (value >= 10 || value == std::trunc(value)) return std::to_string(static_cast<int64_t>(value)) + " " + unit;
  return printf_string("%.1f %s", value, unit);
}

std::string human_time_ago(std::chrono::system_clock::time_point when, std::chrono::system_clock::time_point now) {
  const auto delta = now - when;
  if (delta < std::chrono::nanoseconds(0)) return human_duration(-delta) + " from now";
  return human_duration(delta) + " ago";
}

}  // namespace hearth::store
