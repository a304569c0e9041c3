// SentencePiece BPE encoding, as llama.cpp does it for tokenizer model "llama".
//
// The text (spaces already turned into U+2581) is cut into UTF-8 characters,
// each one symbol in a doubly linked list. Every adjacent pair whose
// concatenation is a vocabulary string is a candidate, ranked by that
// string's score (ties: the leftmost pair). The best candidate is merged,
// and the merged symbol forms new candidates with its neighbours, until none
// is left. Each remaining symbol becomes its token; a symbol that is not in
// the vocabulary becomes one byte token per byte.
//
// On resegmentation: llama.cpp re-splits a final symbol that is not in the
// vocabulary into the pair it was merged from. Every merge makes a symbol
// whose text is a vocabulary string, so only symbols that were never merged
// (single characters) can miss the vocabulary, and those go straight to byte
// tokens. Looking up the symbol first and falling back to bytes is therefore
// the same thing, without keeping a record of merges.
#include <cstdint>
#include <limits>
#include <algorithm>
#include <vector>

#include "core/error.h"
#include "tokenizer/vocab.h"

namespace hearth::tokenizer {

namespace {

// Bytes in the character that starts with lead byte c, as llama.cpp counts
// them (by the high nibble, so 0xF8..0xFF count as 4 and stray continuation
// bytes as 1). Invalid input is split the same way llama.cpp splits it.
inline uint32_t char_length(unsigned char c) {
  static constexpr uint8_t kByHighNibble[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kByHighNibble[c >> 4];
}

struct Symbol {
  int32_t prev;
  int32_t next;
  uint32_t offset;
  uint32_t length;  // 0 once merged into the symbol on its left
};

struct Candidate {
  float score;
  int32_t left;
  int32_t right;
  uint32_t length;  // bytes of left + right when the candidate was made
};

// Orders the heap: the top is the highest score, then the leftmost pair.
struct Lower {
  bool operator()(const Candidate& a, const Candidate& b) const {
    if (a.score != b.score) return a.score < b.score;
    return a.left > b.left;
  }
};

}  // namespace

void Vocab::encode_spm(std::string_view text, std::vector<Token>& out) const {
  if (text.empty()) return;
  if (text.size() > std::numeric_limits<int32_t>::max())
    fail("text of ", text.size(), " bytes is too long to tokenize");

  std::vector<Symbol> symbols;
  symbols.reserve(text.size());
  for (uint32_t offset = 0; offset < text.size();) {
    uint32_t len = char_length(static_cast<unsigned char>(text[offset]));
    len = std::min<uint32_t>(len, static_cast<uint32_t>(text.size()) - offset);
    const int32_t index = static_cast<int32_t>(symbols.size());
    symbols.push_back({index - 1, index + 1, offset, len});
    offset += len;
  }
  symbols.back().next = -1;

  // A max-heap of candidates (std::push_heap / pop_heap with Lower).
  std::vector<Candidate> heap;
  heap.reserve(symbols.size());
  auto candidate = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return false;
    const uint32_t length = symbols[left].length + symbols[right].length;
    const Token id = find(text.substr(symbols[left].offset, length));
    if (id < 0) return false;
    heap.push_back({scores_[id], left, right, length});
    return true;
  };
  auto consider = [&](int32_t left, int32_t right) {
    if (candidate(left, right)) std::push_heap(heap.begin(), heap.end(), Lower{});
  };

  for (int32_t i = 1; i < static_cast<int32_t>(symbols.size()); ++i) candidate(i - 1, i);
  std::make_heap(heap.begin(), heap.end(), Lower{});

  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), Lower{});
    const Candidate c = heap.back();
    heap.pop_back();
    Symbol& left = symbols[c.left];
    Symbol& right = symbols[c.right];
    // Stale: one side was merged away, or has grown since (lengths only grow,
    // so an unchanged sum means both are as they were and still adjacent).
    if (left.length == 0 || right.length == 0 || left.length + right.length != c.length) continue;

    left.length += right.length;
    right.length = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = c.left;

    consider(left.prev, c.left);
    consider(c.left, left.next);
  }

  for (int32_t i = 0; i >= 0; i = symbols[i].next) {
    const Symbol& s = symbols[i];
    const std::string_view piece = text.substr(s.offset, s.length);
    const Token id = find(piece);
    if (id >= 0) {
      out.push_back(id);
      continue;
    }
    for (char byte : piece) out.push_back(byte_token(static_cast<uint8_t>(byte)));
  }
}

}  // namespace hearth::tokenizer
