#pragma once
// Matches text against a Grammar as it is generated, byte by byte.
//
// The matcher keeps every parse position the text so far can be in: a set of
// stacks of (sequence, position, repetition count) frames, the top frame of
// each waiting for a character class, as a pushdown automaton would (an
// Earley-style simulation of all parses at once). A token may end inside a
// multi-byte UTF-8 character; the partial character is kept pending and is
// accepted only if some code point it can still become fits the grammar.
//
// Bounded on hostile grammars: a stack deeper than kMaxDepth frames is not
// followed (text nested that deep is simply not allowed), and more than
// kMaxStacks parse positions, or more than kMaxWork expansions for one
// character, is a hearth::Error.
//
// accepts() is const but reuses scratch buffers: one matcher is for one
// thread at a time.
#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "sampling/grammar.h"
#include "sampling/utf8_decoder.h"

namespace hearth::sampling {

class GrammarMatcher {
 public:
  static constexpr size_t kMaxDepth = 1024;
  static constexpr size_t kMaxStacks = 4096;
  static constexpr size_t kMaxWork = 1 << 16;
  static constexpr size_t kMaxFrames = 1 << 21;  // all stacks of one step together

  explicit GrammarMatcher(std::shared_ptr<const Grammar> grammar);

  // Whether the text so far followed by `bytes` would still be a prefix of
  // some sentence of the grammar (a whole sentence counts).
  bool accepts(std::string_view bytes) const;
  // Appends `bytes` to the text; throws hearth::Error (and changes nothing)
  // if they are not accepted.
  void advance(std::string_view bytes);
  // The text so far is a whole sentence (and does not end inside a character).
  bool complete() const;
  // Some non-empty continuation of the text exists.
  bool can_continue() const;
  // accepts(std::string_view(&byte, 1)), cheaper: one bit test between characters.
  bool may_start_with(unsigned char byte) const;

  const Grammar& grammar() const { return *grammar_; }
  // Parse positions the text is in now (for tests and diagnostics).
  size_t stack_count() const { return state_.leaves.size(); }

 private:
  struct Frame {
    uint32_t seq;
    uint32_t pos;
    uint32_t count;  // matches of the element at pos so far (capped at min when unbounded)
    friend bool operator==(const Frame&, const Frame&) = default;
  };
  struct Span {
    uint32_t off;
    uint32_t len;
  };
  // The stacks whose top waits for a character, in one arena.
  struct State {
    std::vector<Frame> frames;
    std::vector<Span> leaves;
    bool complete = false;  // some parse has finished the start rule
    void clear() {
      frames.clear();
      leaves.clear();
      complete = false;
    }
  };
  struct Slot {
    uint32_t stamp = 0;  // the slot is in use in the step with this stamp
    uint32_t off = 0;    // the stack, in the output state's arena
    uint32_t len = 0;
    uint64_t hash = 0;
  };

  const Grammar::Element& element(const Frame& f) const { return grammar_->sequence(f.seq)[f.pos]; }
  void step(const State& in, uint32_t cp, State& out) const;
  void close(State& out) const;
  bool visit(State& out) const;
  void push_work(const Frame* frames, size_t n, const Frame* extra) const;
  const State* run(std::string_view bytes, Utf8Decoder& decoder) const;
  void commit(const State& s);

  std::shared_ptr<const Grammar> grammar_;
  State state_;
  Utf8Decoder decoder_;  // holds a partial character between calls
  std::array<uint64_t, 4> leads_{};  // bytes that can start the next character

  // Scratch, reused across calls.
  mutable State scratch_[2];
  mutable std::vector<Frame> work_frames_;
  mutable std::vector<Span> work_;
  mutable std::vector<Frame> cur_;
  mutable std::vector<Slot> slots_;
  mutable uint32_t stamp_ = 0;
  mutable size_t visited_ = 0;
};

}  // namespace hearth::sampling
