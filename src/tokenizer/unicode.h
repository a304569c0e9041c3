#pragma once
// Unicode helpers for the tokenizers: UTF-8 decoding the way llama.cpp does
// it, GPT-2's byte <-> character mapping, and the character properties and
// decompositions WordPiece needs (from ICU, so there are no hand-written
// Unicode tables here).
#include <cstdint>
#include <string>
#include <string_view>

namespace hearth::tokenizer::unicode {

constexpr uint32_t kReplacement = 0xFFFD;

// Decodes the code point at s[pos] and advances pos, as llama.cpp does: the
// lead byte decides the length, continuation bytes must be 10xxxxxx, and
// anything else (a stray continuation byte, a truncated sequence, a 0xF8..0xFF
// lead) yields U+FFFD for that one byte. Overlong forms decode to their value.
uint32_t decode(std::string_view s, size_t& pos);

// Appends the UTF-8 encoding of cp (cp must be a valid scalar value).
void append(std::string& out, uint32_t cp);

// Strictly valid UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
bool is_valid(std::string_view s);

// Text as the tokenizers see it: valid UTF-8 is returned as is; otherwise
// every code point is decoded with decode() and re-encoded into storage, as
// llama.cpp does: invalid bytes become U+FFFD, overlong forms their shortest
// form, and an encoded surrogate (U+D800..U+DFFF) stays as its three bytes.
// Values above U+10FFFF (which llama.cpp aborts on) become U+FFFD.
std::string_view sanitize(std::string_view s, std::string& storage);

// The sanitized text with every encoded surrogate replaced by U+E000 (a
// private-use character: like a surrogate, of general category C), so that a
// strict UTF-8 matcher can run over it; same length, same character offsets.
std::string_view mask_surrogates(std::string_view sanitized, std::string& storage);

// GPT-2's byte-level alphabet: every byte maps to one printable character
// (the printable Latin-1 bytes to themselves, the rest to U+0100 + n).
const std::string& byte_to_text(uint8_t byte);
// The byte a character of that alphabet stands for, or -1.
int text_to_byte(uint32_t cp);

// Properties (ICU) used by WordPiece.
bool is_white_space(uint32_t cp);   // the White_Space property
bool is_other(uint32_t cp);         // general category C* (Cc, Cf, Cn, Co, Cs)
bool is_nonspacing_mark(uint32_t cp);  // general category Mn
bool is_punctuation(uint32_t cp);   // general category P*
bool is_symbol(uint32_t cp);        // general category S*
uint32_t to_lower(uint32_t cp);     // simple (one-to-one) lowercase mapping
// Appends the canonical decomposition (NFD) of cp, or cp itself if it has none.
void append_nfd(std::u32string& out, uint32_t cp);

}  // namespace hearth::tokenizer::unicode
