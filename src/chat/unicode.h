#pragma once
// Code-point helpers for the template language. Python strings are sequences
// of code points; hearth keeps UTF-8 bytes and decodes where Python semantics
// need code points (len, indexing, slicing, case mapping, whitespace).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::chat::unicode {

// Decodes UTF-8 leniently: a byte that does not start a valid sequence becomes
// 0xDC00 + byte (Python's surrogateescape), so encode() gives the bytes back.
std::u32string decode(std::string_view s);
void append_utf8(std::string& out, char32_t cp);
std::string encode(std::u32string_view s);

// Decodes the code point starting at s[i] and advances i.
char32_t next(std::string_view s, size_t& i);

// True when s is pure ASCII (the fast paths).
bool is_ascii(std::string_view s);
// Number of code points.
size_t length(std::string_view s);

// Python's str.isspace() for one code point.
bool is_space(char32_t c);
// Python's str.isprintable() for one code point (approximated for the rarely
// used ranges: C0/C1 controls, separators, format characters, surrogates and
// private use are not printable).
bool is_printable(char32_t c);
// Letters and digits as Python's str.isalpha()/isdigit() see them for ASCII,
// Latin-1, Latin Extended-A, Greek and Cyrillic; any other code point >= 0x80
// that is not a space or punctuation counts as a letter.
bool is_alpha(char32_t c);
bool is_digit(char32_t c);
bool is_word(char32_t c);  // regex \w: alnum or '_'

// Simple case mapping (ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic).
char32_t to_upper(char32_t c);
char32_t to_lower(char32_t c);
bool is_upper(char32_t c);
bool is_lower(char32_t c);

std::string upper(std::string_view s);
std::string lower(std::string_view s);

}  // namespace hearth::chat::unicode
