#include "core/error.h"

#include <cstring>

namespace hearth {

std::string errno_text(int err) {
  char buf[256];
  // GNU strerror_r returns a pointer that may or may not be buf.
  const char* text = strerror_r(err, buf, sizeof buf);
  return text;
}

}  // namespace hearth
