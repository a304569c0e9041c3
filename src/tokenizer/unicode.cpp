#include "tokenizer/unicode.h"

#include "core/utf8.h"

#include <unicode/uchar.h>
#include <unicode/utf16.h>
#include <unicode/unorm2.h>

#include <array>
#include <vector>

#include "core/error.h"

namespace hearth::tokenizer::unicode {

namespace {

inline bool continuation(unsigned char c) { return (c & 0xc0) == 0x80; }

struct ByteAlphabet {
  std::array<std::string, 256> text;
  std::vector<int16_t> byte_of;  // code point -> byte, -1 where none

  ByteAlphabet() {
    std::array<uint32_t, 256> cp{};
    std::array<bool, 256> direct{};
    // The bytes that are printable Latin-1 characters stand for themselves.
    for (int b = 0x21; b <= 0x7e; ++b) direct[b] = true;
    for (int b = 0xa1; b <= 0xac; ++b) direct[b] = true;
    for (int b = 0xae; b <= 0xff; ++b) direct[b] = true;
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) cp[b] = direct[b] ? static_cast<uint32_t>(b) : next++;
    byte_of.assign(next, -1);
    for (int b = 0; b < 256; ++b) {
      append(text[b], cp[b]);
      byte_of[cp[b]] = static_cast<int16_t>(b);
    }
  }
};

const ByteAlphabet& alphabet() {
  static const ByteAlphabet a;
  return a;
}

int8_t category(uint32_t cp) { return u_charType(static_cast<UChar32>(cp)); }

}  // namespace

uint32_t decode(std::string_view s, size_t& pos) {
  const auto at = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = at(pos);
  if (c < 0x80) {
    pos += 1;
    return c;
  }
  size_t n;
  uint32_t cp;
  if ((c & 0x40) == 0) {
    n = 0;  // a continuation byte cannot start a character
    cp = 0;
  } else if ((c & 0x20) == 0) {
    n = 2;
    cp = c & 0x1f;
  } else if ((c & 0x10) == 0) {
    n = 3;
    cp = c & 0x0f;
  } else if ((c & 0x08) == 0) {
    n = 4;
    cp = c & 0x07;
  } else {
    n = 0;
    cp = 0;
  }
  if (n == 0 || pos + n > s.size()) {
    pos += 1;
    return kReplacement;
  }
  for (size_t k = 1; k < n; ++k) {
    if (!continuation(at(pos + k))) {
      pos += 1;
      return kReplacement;
    }
    cp = (cp << 6) | (at(pos + k) & 0x3f);
  }
  pos += n;
  return cp;
}

void append(std::string& out, uint32_t cp) { append_utf8(out, cp); }

bool is_valid(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      const unsigned char d = static_cast<unsigned char>(s[i + k]);
      if (!continuation(d)) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += len;
  }
  return true;
}

std::string_view sanitize(std::string_view s, std::string& storage) {
  if (is_valid(s)) return s;
  storage.clear();
  storage.reserve(s.size() + 8);
  for (size_t pos = 0; pos < s.size();) {
    uint32_t cp = decode(s, pos);
    if (cp > 0x10ffff) cp = kReplacement;
    append(storage, cp);
  }
  return storage;
}

std::string_view mask_surrogates(std::string_view sanitized, std::string& storage) {
  // A surrogate is encoded ED A0..BF xx; ED is no continuation byte, so a
  // plain search finds only lead bytes.
  const auto is_surrogate_at = [&](size_t i) {
    return static_cast<unsigned char>(sanitized[i]) == 0xed && i + 2 < sanitized.size() &&
           (static_cast<unsigned char>(sanitized[i + 1]) & 0xe0) == 0xa0;
  };
  size_t i = 0;
  while (i < sanitized.size() && !is_surrogate_at(i)) ++i;
  if (i == sanitized.size()) return sanitized;
  storage.assign(sanitized);
  for (; i < storage.size(); ++i) {
    if (is_surrogate_at(i)) {
      storage[i] = static_cast<char>(0xee);
      storage[i + 1] = static_cast<char>(0x80);
      storage[i + 2] = static_cast<char>(0x80);
      i += 2;
    }
  }
  return storage;
}

const std::string& byte_to_text(uint8_t byte) { return alphabet().text[byte]; }

int text_to_byte(uint32_t cp) {
  const ByteAlphabet& a = alphabet();
  return cp < a.byte_of.size() ? a.byte_of[cp] : -1;
}

bool is_white_space(uint32_t cp) { return u_isUWhiteSpace(static_cast<UChar32>(cp)); }

bool is_other(uint32_t cp) {
  switch (category(cp)) {
    case U_CONTROL_CHAR:
    case U_FORMAT_CHAR:
    case U_UNASSIGNED:
    case U_PRIVATE_USE_CHAR:
    case U_SURROGATE:
      return true;
    default:
      return false;
  }
}

bool is_nonspacing_mark(uint32_t cp) { return category(cp) == U_NON_SPACING_MARK; }

bool is_punctuation(uint32_t cp) {
  switch (category(cp)) {
    case U_DASH_PUNCTUATION:
    case U_START_PUNCTUATION:
    case U_END_PUNCTUATION:
    case U_CONNECTOR_PUNCTUATION:
    case U_OTHER_PUNCTUATION:
    case U_INITIAL_PUNCTUATION:
    case U_FINAL_PUNCTUATION:
      return true;
    default:
      return false;
  }
}

bool is_symbol(uint32_t cp) {
  switch (category(cp)) {
    case U_MATH_SYMBOL:
    case U_CURRENCY_SYMBOL:
    case U_MODIFIER_SYMBOL:
    case U_OTHER_SYMBOL:
      return true;
    default:
      return false;
  }
}

uint32_t to_lower(uint32_t cp) { return static_cast<uint32_t>(u_tolower(static_cast<UChar32>(cp))); }

void append_nfd(std::u32string& out, uint32_t cp) {
  UErrorCode status = U_ZERO_ERROR;
  static const UNormalizer2* nfd = [] {
    UErrorCode st = U_ZERO_ERROR;
    const UNormalizer2* n = unorm2_getNFDInstance(&st);
    if (U_FAILURE(st) || n == nullptr) fail("ICU has no NFD normalizer: ", u_errorName(st));
    return n;
  }();
  // The longest canonical decomposition of one code point is 4 code points
  // (at most 8 UTF-16 units); leave room.
  UChar buf[32];
  const int32_t len = unorm2_getDecomposition(nfd, static_cast<UChar32>(cp), buf, 32, &status);
  if (U_FAILURE(status) || len < 0) {
    out.push_back(cp);
    return;
  }
  for (int32_t i = 0; i < len;) {
    UChar32 c;
    U16_NEXT(buf, i, len, c);
    out.push_back(static_cast<uint32_t>(c));
  }
}

}  // namespace hearth::tokenizer::unicode
