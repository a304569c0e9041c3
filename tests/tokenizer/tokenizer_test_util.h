#pragma once
// Helpers shared by the tokenizer tests: loading the bundled vocabularies,
// building small vocabularies in memory, and checking UTF-8.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "gguf/file.h"
#include "gguf/value.h"
#include "gguf/writer.h"
#include "tokenizer/vocab.h"

namespace hearth::tokenizer::testing {

inline const Vocab& llama_spm_vocab() {
  static const Vocab vocab =
      Vocab::from_gguf(gguf::File::open(HEARTH_TEST_DATA "/ggml-vocab-llama-spm.gguf"));
  return vocab;
}

inline const Vocab& stories_vocab() {
  static const Vocab vocab =
      Vocab::from_gguf(gguf::File::open(HEARTH_SOURCE_DIR "/models/stories260K.gguf"));
  return vocab;
}

inline gguf::Value str_value(std::string s) { return gguf::Value{std::move(s)}; }
inline gguf::Value u32_value(uint32_t x) { return gguf::Value{x}; }
inline gguf::Value bool_value(bool b) { return gguf::Value{b}; }

struct Entry {
  std::string piece;
  float score;
  TokenType type;
};

// A GGUF image holding an SPM vocabulary made of entries; `extra` may add or
// replace keys before it is written.
inline std::vector<uint8_t> vocab_image(const std::vector<Entry>& entries,
                                        const std::function<void(gguf::Writer&)>& extra = {}) {
  gguf::Array tokens{gguf::ValueType::STRING, {}};
  gguf::Array scores{gguf::ValueType::FLOAT32, {}};
  gguf::Array types{gguf::ValueType::INT32, {}};
  for (const Entry& e : entries) {
    tokens.items.push_back(gguf::Value{e.piece});
    scores.items.push_back(gguf::Value{e.score});
    types.items.push_back(gguf::Value{static_cast<int32_t>(e.type)});
  }
  gguf::Writer w;
  w.set("general.architecture", str_value("llama"));
  w.set("tokenizer.ggml.model", str_value("llama"));
  w.set("tokenizer.ggml.tokens", gguf::Value{std::move(tokens)});
  w.set("tokenizer.ggml.scores", gguf::Value{std::move(scores)});
  w.set("tokenizer.ggml.token_type", gguf::Value{std::move(types)});
  if (extra) extra(w);
  return w.to_bytes();
}

inline Vocab make_vocab(const std::vector<Entry>& entries,
                        const std::function<void(gguf::Writer&)>& extra = {}) {
  const std::vector<uint8_t> image = vocab_image(entries, extra);
  return Vocab::from_gguf(gguf::File::parse(image, "test.gguf"));
}

// <unk>, <s>, </s> and the 256 byte tokens, as SentencePiece vocabularies start.
inline std::vector<Entry> base_entries(bool with_bytes = true) {
  std::vector<Entry> e = {{"<unk>", 0, TokenType::Unknown},
                          {"<s>", 0, TokenType::Control},
                          {"</s>", 0, TokenType::Control}};
  if (with_bytes) {
    const char* hex = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b)
      e.push_back({std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">", 0, TokenType::Byte});
  }
  return e;
}

// Strict UTF-8 validation (no overlongs, no surrogates, at most U+10FFFF).
inline bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) { ++i; continue; }
    if (c >= 0xc2 && c <= 0xdf) { n = 2; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { n = 3; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 4; cp = c & 0x07; }
    else return false;
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      const unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += n;
  }
  return true;
}

// Printable form of a string for failure messages.
inline std::string escaped(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else out += ch;
  }
  return out + "\"";
}

}  // namespace hearth::tokenizer::testing
