// Byte-level BPE encoding, as llama.cpp does it for tokenizer models "gpt2"
// and "gemma4".
//
// The text is made valid UTF-8 the way llama.cpp does it (invalid bytes
// become U+FFFD; see unicode::sanitize), cut into words by the pre-tokenizer, and each word is mapped to
// GPT-2's byte alphabet (or, for SPM-style BPE, kept as UTF-8 with spaces
// written U+2581). A word is then one symbol per character in a linked list;
// every adjacent pair that is a merge is a candidate, ranked by the merge's
// rank (ties: the leftmost pair). The best candidate is merged and the merged
// symbol forms new candidates with its neighbours, until none is left. Each
// remaining symbol becomes its token; a symbol that is not a token becomes
// its bytes' tokens where the vocabulary has them (and nothing otherwise, as
// in llama.cpp).
#include <algorithm>
#include <cstdio>
#include <limits>

#include "core/error.h"
#include "tokenizer/bpe.h"
#include "tokenizer/unicode.h"
#include "tokenizer/vocab.h"

namespace hearth::tokenizer {

void MergeRanks::add(std::string_view merge, int32_t rank) {
  const size_t space = merge.size() > 1 ? merge.find(' ', 1) : std::string_view::npos;
  // A merge without a separating space pairs nothing (llama.cpp records an
  // empty pair, which no symbols can form).
  if (space == std::string_view::npos) return;
  std::string joined;
  joined.reserve(merge.size() - 1);
  joined.append(merge.substr(0, space));
  joined.append(merge.substr(space + 1));
  if (joined.size() == space) return;  // empty right side: no symbol is empty either
  set_.insert(Entry{std::move(joined), static_cast<uint32_t>(space), rank});
}

int32_t MergeRanks::rank(std::string_view joined, size_t left_length) const {
  const auto it = set_.find(Probe{joined, left_length});
  return it == set_.end() ? -1 : it->rank;
}

namespace {

struct Symbol {
  int32_t prev;
  int32_t next;
  uint32_t offset;
  uint32_t length;  // 0 once merged into the symbol on its left
};

struct Candidate {
  int32_t rank;
  int32_t left;
  int32_t right;
  uint32_t length;  // bytes of left + right when the candidate was made
};

// Orders the heap: the top is the lowest rank, then the leftmost pair.
struct Later {
  bool operator()(const Candidate& a, const Candidate& b) const {
    if (a.rank != b.rank) return a.rank > b.rank;
    return a.left > b.left;
  }
};

// Bytes of the character whose lead byte is c (the text is valid UTF-8 here).
inline uint32_t char_length(unsigned char c) {
  static constexpr uint8_t kByHighNibble[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kByHighNibble[c >> 4];
}

void replace_spaces(std::string_view text, std::string& out) {
  out.clear();
  out.reserve(text.size() + text.size() / 4);
  for (char c : text) {
    if (c == ' ')
      out += "\xe2\x96\x81";
    else
      out += c;
  }
}

}  // namespace

void Vocab::encode_bpe(std::string_view text, std::vector<Token>& out) const {
  const BpeModel& bpe = *bpe_;
  const PreTokenizerTraits& traits = bpe.pre->traits();

  std::string escaped;
  if (traits.escape_spaces) {
    replace_spaces(text, escaped);
    text = escaped;
  }
  std::string sanitized, masked;
  text = unicode::sanitize(text, sanitized);
  if (text.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
    fail("text of ", text.size(), " bytes is too long to tokenize");
  // The pre-tokenizer needs strict UTF-8: it splits a copy in which encoded
  // surrogates (kept, as llama.cpp keeps them) are masked; the words are the
  // same ranges of the text itself.
  const std::string_view match_text =
      text.data() == sanitized.data() ? unicode::mask_surrogates(text, masked) : text;

  std::vector<std::string_view> words;
  bpe.pre->split(match_text, words);
  if (match_text.data() != text.data()) {
    for (std::string_view& w : words) w = text.substr(w.data() - match_text.data(), w.size());
  }

  std::string encoded;
  std::vector<Symbol> symbols;
  std::vector<Candidate> heap;
  for (std::string_view word : words) {
    if (traits.byte_encode) {
      encoded.clear();
      for (char byte : word) encoded += unicode::byte_to_text(static_cast<uint8_t>(byte));
      word = encoded;
    }
    if (traits.ignore_merges || (traits.whole_newline_runs &&
                                 word.find_first_not_of('\n') == std::string_view::npos)) {
      const Token id = find(word);
      if (id >= 0) {
        out.push_back(id);
        continue;
      }
    }

    symbols.clear();
    for (uint32_t offset = 0; offset < word.size();) {
      uint32_t len = char_length(static_cast<unsigned char>(word[offset]));
      len = std::min<uint32_t>(len, static_cast<uint32_t>(word.size()) - offset);
      const int32_t index = static_cast<int32_t>(symbols.size());
      symbols.push_back({index - 1, index + 1, offset, len});
      offset += len;
    }
    if (symbols.empty()) continue;
    symbols.back().next = -1;

    heap.clear();
    auto candidate = [&](int32_t left, int32_t right) {
      if (left < 0 || right < 0) return false;
      const Symbol& l = symbols[left];
      const uint32_t length = l.length + symbols[right].length;
      const int32_t rank = bpe.ranks.rank(word.substr(l.offset, length), l.length);
      if (rank < 0) return false;
      heap.push_back({rank, left, right, length});
      return true;
    };
    for (int32_t i = 1; i < static_cast<int32_t>(symbols.size()); ++i) candidate(i - 1, i);
    std::make_heap(heap.begin(), heap.end(), Later{});

    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end(), Later{});
      const Candidate c = heap.back();
      heap.pop_back();
      Symbol& left = symbols[c.left];
      Symbol& right = symbols[c.right];
      // Stale: one side was merged away or has grown since (a symbol only
      // grows by absorbing its right neighbour, so an unchanged total length
      // means both are as they were, and still adjacent).
      if (left.length == 0 || right.length == 0 || left.length + right.length != c.length) continue;
      left.length += right.length;
      right.length = 0;
      left.next = right.next;
      if (right.next >= 0) symbols[right.next].prev = c.left;
      if (candidate(left.prev, c.left)) std::push_heap(heap.begin(), heap.end(), Later{});
      if (candidate(c.left, left.next)) std::push_heap(heap.begin(), heap.end(), Later{});
    }

    for (int32_t i = 0; i >= 0; i = symbols[i].next) {
      const Symbol& s = symbols[i];
      const std::string_view piece = word.substr(s.offset, s.length);
      const Token id = find(piece);
      if (id >= 0) {
        out.push_back(id);
        continue;
      }
      for (char byte : piece) {
        Token b;
        if (traits.byte_encode) {
          b = find(std::string_view(&byte, 1));
        } else {
          char hex[8];
          std::snprintf(hex, sizeof hex, "<0x%02X>", static_cast<unsigned>(static_cast<uint8_t>(byte)));
          b = find(hex);
        }
        if (b >= 0) out.push_back(b);
      }
    }
  }
}

std::string Vocab::decode_bpe_piece(const std::string& piece) const {
  std::string out;
  out.reserve(piece.size());
  if (!bpe_->pre->traits().byte_encode) {
    // SPM-style BPE: U+2581 stands for a space.
    for (size_t i = 0; i < piece.size();) {
      if (piece.compare(i, 3, "\xe2\x96\x81") == 0) {
        out += ' ';
        i += 3;
      } else {
        out += piece[i++];
      }
    }
    return out;
  }
  // Each character of GPT-2's byte alphabet is one byte. A character outside
  // it (a token added as plain text) stands for itself, as in Hugging Face's
  // byte-level decoder.
  for (size_t pos = 0; pos < piece.size();) {
    const size_t start = pos;
    const uint32_t cp = unicode::decode(piece, pos);
    const int byte = unicode::text_to_byte(cp);
    if (byte >= 0)
      out += static_cast<char>(byte);
    else
      out.append(piece, start, pos - start);
  }
  return out;
}

}  // namespace hearth::tokenizer
