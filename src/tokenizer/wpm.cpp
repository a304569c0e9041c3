// WordPiece encoding (tokenizer.ggml.model "bert"), as llama.cpp does it.
//
// Normalisation (BERT's): NUL, U+FFFD and characters of general category C
// (controls, formats, unassigned, private use) are dropped; with
// strip_accents every character is decomposed (NFD) and non-spacing marks
// (Mn) are dropped; with lowercase every character is lowercased (simple
// case mapping). Whitespace ends a word; punctuation, ASCII symbols and CJK
// ideographs are words of their own.
//
// Where llama.cpp departs from BERT's normaliser (Hugging Face's
// BertNormalizer, which made the test vectors) this follows BERT: llama.cpp
// maps each character to the first code point of its decomposition (so a
// Hangul syllable keeps only its leading consonant), drops spacing and
// enclosing marks (Mc, Me) too, and keeps unassigned characters. Each word, with U+2581 in front (the converted vocabulary spells
// word-initial pieces "▁piece" and continuations "piece", where BERT writes
// "piece" and "##piece"), is cut greedily into the longest pieces the
// vocabulary has, left to right. A word that cannot be cut that way becomes
// the unknown token.
#include <algorithm>
#include <string>
#include <vector>

#include "core/error.h"
#include "tokenizer/unicode.h"
#include "tokenizer/vocab.h"

namespace hearth::tokenizer {

namespace {

// BERT's "Chinese character" ranges (CJK Unified Ideographs and their
// extensions and compatibility blocks), with Hugging Face's 0x2B920 start.
bool is_cjk_ideograph(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

}  // namespace

std::vector<std::string> Vocab::wpm_words(std::string_view text) const {
  std::u32string cps;
  cps.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    uint32_t cp = unicode::decode(text, pos);
    if (cp > 0x10FFFF) cp = unicode::kReplacement;
    if (wpm_strip_accents_)
      unicode::append_nfd(cps, cp);
    else
      cps.push_back(cp);
  }

  std::vector<std::string> words(1);
  for (const uint32_t cp : cps) {
    if (unicode::is_white_space(cp)) {
      if (!words.back().empty()) words.emplace_back();
      continue;
    }
    if (cp == 0 || cp == unicode::kReplacement || unicode::is_other(cp)) continue;
    if (wpm_strip_accents_ && unicode::is_nonspacing_mark(cp)) continue;
    const uint32_t c = wpm_lowercase_ ? unicode::to_lower(cp) : cp;
    if (unicode::is_punctuation(cp) || (cp < 0x7F && unicode::is_symbol(cp)) || is_cjk_ideograph(cp)) {
      if (!words.back().empty()) words.emplace_back();
      unicode::append(words.back(), c);
      words.emplace_back();
    } else {
      unicode::append(words.back(), c);
    }
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

void Vocab::encode_wpm(std::string_view text, std::vector<Token>& out) const {
  std::string word1;
  for (const std::string& word : wpm_words(text)) {
    word1 = "\xe2\x96\x81";
    word1 += word;
    const size_t n = word1.size();
    const size_t start = out.size();
    bool ok = true;
    for (size_t i = 0; i < n && ok;) {
      ok = false;
      for (size_t j = std::min(n, i + max_piece_bytes_); j > i; --j) {
        const Token id = find(std::string_view(word1).substr(i, j - i));
        if (id >= 0) {
          out.push_back(id);
          i = j;
          ok = true;
          break;
        }
      }
    }
    if (!ok) out.resize(start);
    if (out.size() == start) {
      if (unk_ < 0) fail("cannot encode the word '", word, "': the vocabulary has no unknown token");
      out.push_back(unk_);
    }
  }
}

}  // namespace hearth::tokenizer
