#include "sampling/grammar_matcher.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "core/error.h"

namespace hearth::sampling {

namespace {

using Element = Grammar::Element;

uint32_t bump(uint32_t count, const Element& el) {
  // Past min an unbounded repetition is in one state, whatever the count.
  if (el.max == kUnbounded) return std::min(count + 1, el.min);
  return count + 1;
}

// The bytes as a short quoted string for messages.
std::string quoted(std::string_view bytes) {
  std::string out = "\"";
  const size_t shown = std::min<size_t>(bytes.size(), 40);
  for (size_t i = 0; i < shown; ++i) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    }
  }
  if (shown < bytes.size()) out += "...";
  return out + "\"";
}

}  // namespace

GrammarMatcher::GrammarMatcher(std::shared_ptr<const Grammar> grammar) : grammar_(std::move(grammar)) {
  if (!grammar_) fail("grammar matcher: no grammar");
  State& init = scratch_[0];
  init.clear();
  ++stamp_;
  visited_ = 0;
  work_.clear();
  work_frames_.clear();
  const Frame start{grammar_->start_sequence(), 0, 0};
  push_work(nullptr, 0, &start);
  close(init);
  commit(init);
}

void GrammarMatcher::push_work(const Frame* frames, size_t n, const Frame* extra) const {
  const size_t off = work_frames_.size();
  if (off + n + 1 > kMaxFrames)
    fail("grammar: more than ", kMaxFrames, " stack frames in one step (the grammar is too ambiguous)");
  work_frames_.insert(work_frames_.end(), frames, frames + n);
  work_frames_.push_back(*extra);
  work_.push_back({static_cast<uint32_t>(off), static_cast<uint32_t>(n + 1)});
}

// Records cur_ as seen in this step, appending it to out's arena; false if
// it was seen before (its expansion is already done or under way).
bool GrammarMatcher::visit(State& out) const {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ cur_.size();
  for (const Frame& f : cur_) {
    h = (h ^ f.seq) * 0x100000001B3ull;
    h = (h ^ f.pos) * 0x100000001B3ull;
    h = (h ^ f.count) * 0x100000001B3ull;
  }
  h ^= h >> 29;
  if ((visited_ + 1) * 2 > slots_.size()) {
    std::vector<Slot> bigger(std::max<size_t>(64, slots_.size() * 2));
    const size_t mask = bigger.size() - 1;
    for (const Slot& s : slots_) {
      if (s.stamp != stamp_) continue;
      size_t i = s.hash & mask;
      while (bigger[i].stamp == stamp_) i = (i + 1) & mask;
      bigger[i] = s;
    }
    slots_ = std::move(bigger);
  }
  const size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  for (; slots_[i].stamp == stamp_; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.hash == h && s.len == cur_.size() &&
        std::equal(cur_.begin(), cur_.end(), out.frames.begin() + s.off))
      return false;
  }
  if (out.frames.size() + cur_.size() > kMaxFrames)
    fail("grammar: more than ", kMaxFrames, " stack frames in one step (the grammar is too ambiguous)");
  slots_[i] = Slot{stamp_, static_cast<uint32_t>(out.frames.size()), static_cast<uint32_t>(cur_.size()), h};
  out.frames.insert(out.frames.end(), cur_.begin(), cur_.end());
  ++visited_;
  return true;
}

// Expands the stacks on the work list until each top waits for a character.
void GrammarMatcher::close(State& out) const {
  size_t work = 0;
  while (!work_.empty()) {
    const Span sp = work_.back();
    work_.pop_back();
    cur_.assign(work_frames_.begin() + sp.off, work_frames_.begin() + sp.off + sp.len);
    work_frames_.resize(sp.off);
    if (++work > kMaxWork)
      fail("grammar: more than ", kMaxWork, " parse steps for one character (the grammar is too ambiguous)");
    if (!visit(out)) continue;
    const size_t n = cur_.size();
    const uint32_t at = static_cast<uint32_t>(out.frames.size() - n);
    const Frame f = cur_.back();
    const auto seq = grammar_->sequence(f.seq);
    if (f.pos == seq.size()) {
      // The sequence is done: back to the rule that entered it.
      if (n == 1) {
        out.complete = true;
        continue;
      }
      Frame parent = cur_[n - 2];
      parent.count = bump(parent.count, element(parent));
      push_work(cur_.data(), n - 2, &parent);
      continue;
    }
    const Element& el = seq[f.pos];
    if (f.count >= el.min) {
      const Frame next{f.seq, f.pos + 1, 0};
      push_work(cur_.data(), n - 1, &next);
    }
    if (f.count >= el.max) continue;
    if (el.kind == Element::Kind::chars) {
      out.leaves.push_back({at, static_cast<uint32_t>(n)});
      continue;
    }
    // Entering the last element for the last time: the caller's frame would
    // only be popped afterwards, so the callee replaces it (keeps right
    // recursion and chains of rules at a constant depth).
    const bool tail = f.pos + 1 == seq.size() && uint64_t{f.count} + 1 >= el.max;
    const size_t keep = tail ? n - 1 : n;
    if (keep + 1 > kMaxDepth) continue;
    for (uint32_t alt : grammar_->alternatives(el.id)) {
      const Frame child{alt, 0, 0};
      push_work(cur_.data(), keep, &child);
    }
  }
  if (out.leaves.size() > kMaxStacks)
    fail("grammar: more than ", kMaxStacks, " parse positions at once (the grammar is too ambiguous)");
}

void GrammarMatcher::step(const State& in, uint32_t cp, State& out) const {
  out.clear();
  if (++stamp_ == 0) {
    std::fill(slots_.begin(), slots_.end(), Slot{});
    stamp_ = 1;
  }
  visited_ = 0;
  work_.clear();
  work_frames_.clear();
  for (const Span& sp : in.leaves) {
    const Frame& top = in.frames[sp.off + sp.len - 1];
    const Element& el = element(top);
    if (!grammar_->class_contains(el.id, cp)) continue;
    Frame moved = top;
    moved.count = bump(top.count, el);
    push_work(in.frames.data() + sp.off, sp.len - 1, &moved);
  }
  close(out);
}

// The state after `bytes`, or nullptr if they do not fit; `decoder` carries
// the partial character in and out.
const GrammarMatcher::State* GrammarMatcher::run(std::string_view bytes, Utf8Decoder& decoder) const {
  const State* cur = &state_;
  int next = 0;
  for (char c : bytes) {
    switch (decoder.feed(static_cast<unsigned char>(c))) {
      case Utf8Decoder::Result::invalid:
        return nullptr;
      case Utf8Decoder::Result::partial:
        continue;
      case Utf8Decoder::Result::complete:
        break;
    }
    if (cur->leaves.empty()) return nullptr;
    State& out = scratch_[next];
    next ^= 1;
    step(*cur, decoder.code_point(), out);
    cur = &out;
    if (cur->leaves.empty() && !cur->complete) return nullptr;
  }
  if (decoder.in_sequence()) {
    const CharRange r = decoder.pending_range();
    for (const Span& sp : cur->leaves) {
      const Element& el = element(cur->frames[sp.off + sp.len - 1]);
      if (grammar_->class_intersects(el.id, r.lo, r.hi)) return cur;
    }
    return nullptr;
  }
  return cur;
}

void GrammarMatcher::commit(const State& s) {
  state_.clear();
  state_.complete = s.complete;
  leads_.fill(0);
  for (const Span& sp : s.leaves) {
    state_.leaves.push_back({static_cast<uint32_t>(state_.frames.size()), sp.len});
    state_.frames.insert(state_.frames.end(), s.frames.begin() + sp.off, s.frames.begin() + sp.off + sp.len);
    const auto& leads = grammar_->class_lead_bytes(element(s.frames[sp.off + sp.len - 1]).id);
    for (size_t i = 0; i < leads_.size(); ++i) leads_[i] |= leads[i];
  }
}

bool GrammarMatcher::accepts(std::string_view bytes) const {
  Utf8Decoder d = decoder_;
  return run(bytes, d) != nullptr;
}

void GrammarMatcher::advance(std::string_view bytes) {
  Utf8Decoder d = decoder_;
  const State* s = run(bytes, d);
  if (!s) fail("grammar: the output cannot continue with ", quoted(bytes));
  if (s != &state_) commit(*s);
  decoder_ = d;
}

bool GrammarMatcher::complete() const { return !decoder_.in_sequence() && state_.complete; }

bool GrammarMatcher::can_continue() const { return decoder_.in_sequence() || !state_.leaves.empty(); }

bool GrammarMatcher::may_start_with(unsigned char byte) const {
  if (decoder_.in_sequence()) {
    const char c = static_cast<char>(byte);
    return accepts(std::string_view(&c, 1));
  }
  return (leads_[byte >> 6] >> (byte & 63)) & 1;
}

}  // namespace hearth::sampling
