#pragma once
// Strict incremental UTF-8 decoding (Unicode's well-formed sequences: no
// overlong forms, no surrogates, nothing above U+10FFFF), one byte at a time,
// so that a token ending inside a character can be checked before the rest
// of it arrives.
#include <cstdint>
#include <string>
#include <string_view>

#include "sampling/grammar.h"

namespace hearth::sampling {

class Utf8Decoder {
 public:
  enum class Result { complete, partial, invalid };

  Result feed(unsigned char b) {
    if (need_ == 0) {
      lo_ = 0x80;
      hi_ = 0xBF;
      if (b < 0x80) {
        cp_ = b;
        return Result::complete;
      }
      if (b >= 0xC2 && b <= 0xDF) {
        cp_ = b & 0x1Fu;
        need_ = 1;
      } else if (b >= 0xE0 && b <= 0xEF) {
        cp_ = b & 0x0Fu;
        need_ = 2;
        if (b == 0xE0) lo_ = 0xA0;
        if (b == 0xED) hi_ = 0x9F;
      } else if (b >= 0xF0 && b <= 0xF4) {
        cp_ = b & 0x07u;
        need_ = 3;
        if (b == 0xF0) lo_ = 0x90;
        if (b == 0xF4) hi_ = 0x8F;
      } else {
        return Result::invalid;
      }
      return Result::partial;
    }
    if (b < lo_ || b > hi_) {
      need_ = 0;
      return Result::invalid;
    }
    cp_ = (cp_ << 6) | (b & 0x3Fu);
    lo_ = 0x80;
    hi_ = 0xBF;
    return --need_ == 0 ? Result::complete : Result::partial;
  }

  uint32_t code_point() const { return cp_; }
  bool in_sequence() const { return need_ > 0; }

  // While in a sequence: the code points it can still become.
  CharRange pending_range() const {
    const unsigned rest = 6u * static_cast<unsigned>(need_ - 1);
    const uint32_t lo = ((cp_ << 6) | (lo_ & 0x3Fu)) << rest;
    const uint32_t hi = (((cp_ << 6) | (hi_ & 0x3Fu)) << rest) | ((1u << rest) - 1);
    return {lo, hi};
  }

 private:
  uint32_t cp_ = 0;
  int need_ = 0;
  unsigned char lo_ = 0x80;  // the range the next continuation byte must be in
  unsigned char hi_ = 0xBF;
};

// Decodes all of `s`; false if it is not well-formed UTF-8 (a cut-off last
// character included).
inline bool decode_utf8(std::string_view s, std::u32string& out) {
  out.clear();
  Utf8Decoder d;
  for (char c : s) {
    switch (d.feed(static_cast<unsigned char>(c))) {
      case Utf8Decoder::Result::complete: out.push_back(d.code_point()); break;
      case Utf8Decoder::Result::partial: break;
      case Utf8Decoder::Result::invalid: return false;
    }
  }
  return !d.in_sequence();
}

}  // namespace hearth::sampling
