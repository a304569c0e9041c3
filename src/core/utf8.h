#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hearth {

// Length of the UTF-8 sequence that starts with lead byte c (1 for ASCII and
// for bytes that cannot start a sequence, so callers always advance).
inline size_t utf8_sequence_length(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c >> 5) == 0x6) return 2;
  if ((c >> 4) == 0xe) return 3;
  if ((c >> 3) == 0x1e) return 4;
  return 1;
}

// Number of bytes at the end of s that form an incomplete UTF-8 sequence
// (0 when s ends on a character boundary). A streaming detokenizer holds these
// back until the rest of the character arrives.
inline size_t utf8_incomplete_tail(std::string_view s) {
  const size_t n = s.size();
  for (size_t back = 1; back <= 4 && back <= n; ++back) {
    unsigned char c = static_cast<unsigned char>(s[n - back]);
    if ((c & 0xc0) == 0x80) continue;  // continuation byte: keep looking for the lead
    size_t need = utf8_sequence_length(c);
    return need > back ? back : 0;
  }
  return 0;
}

// Appends the UTF-8 encoding of code point cp (cp <= 0x10FFFF; surrogates
// are encoded as they are, for callers that carry invalid input through).
inline void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

}  // namespace hearth
