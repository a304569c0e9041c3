#pragma once
// Byte-level BPE state of a Vocab (tokenizer.ggml.model "gpt2" or "gemma4"):
// the ranked merges and the pre-tokenizer.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>

#include "tokenizer/pretokenizer.h"

namespace hearth::tokenizer {

// Merge ranks: tokenizer.ggml.merges[i] = "left right" has rank i (lower
// merges first). As in llama.cpp a merge is split at its first space after
// the first byte, and the first of duplicated pairs keeps its rank.
class MergeRanks {
 public:
  void reserve(size_t n) { set_.reserve(n); }
  void add(std::string_view merge, int32_t rank);
  // The rank of merging left = joined[0, left_length) with right = the rest,
  // or -1 when they do not merge.
  int32_t rank(std::string_view joined, size_t left_length) const;
  size_t size() const { return set_.size(); }

 private:
  struct Entry {
    std::string joined;  // left + right, without the space
    uint32_t left_length;
    int32_t rank;
  };
  struct Probe {
    std::string_view joined;
    size_t left_length;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(const Probe& p) const {
      return std::hash<std::string_view>{}(p.joined) ^ (p.left_length * 0x9e3779b97f4a7c15ull);
    }
    size_t operator()(const Entry& e) const { return (*this)(Probe{e.joined, e.left_length}); }
  };
  struct Equal {
    using is_transparent = void;
    static Probe probe(const Entry& e) { return {e.joined, e.left_length}; }
    static Probe probe(const Probe& p) { return p; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      const Probe pa = probe(a), pb = probe(b);
      return pa.left_length == pb.left_length && pa.joined == pb.joined;
    }
  };
  std::unordered_set<Entry, Hash, Equal> set_;
};

struct BpeModel {
  std::shared_ptr<const PreTokenizer> pre;
  MergeRanks ranks;
};

}  // namespace hearth::tokenizer
