#pragma once
// hearth's one error type: a message that names what is wrong and where.
// Every layer throws hearth::Error for bad input; the CLI prints e.what() on
// one line and exits non-zero.
#include <sstream>
#include <stdexcept>
#include <string>

namespace hearth {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Concatenates its arguments with operator<< into one message.
template <typename... Args>
std::string cat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

template <typename... Args>
[[noreturn]] void fail(const Args&... args) {
  throw Error(cat(args...));
}

// strerror(errno) as a std::string, thread-safe.
std::string errno_text(int err);

}  // namespace hearth
