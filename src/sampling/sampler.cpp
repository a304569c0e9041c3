#include "sampling/sampler.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/clock.h"
#include "core/error.h"
#include "sampling/constraint.h"

namespace hearth::sampling {

namespace {

uint64_t fresh_seed() {
  uint64_t s = static_cast<uint64_t>(now_ns());
  try {
    std::random_device rd;
    s ^= (static_cast<uint64_t>(rd()) << 32) ^ static_cast<uint64_t>(rd());
  } catch (...) {
    // No entropy source: the clock alone will do.
  }
  return s;
}

}  // namespace

Sampler::Sampler(const Params& params) : params_(params) {
  seed_ = params_.random_seed ? fresh_seed() : params_.seed;
  rng_.seed(seed_);
  candidates_.reserve(1024);
}

void Sampler::reset() {
  // Forget the context and restart the random stream, so that replaying the
  // same context and logits after reset() gives the same tokens again.
  recent_.clear();
  rng_.seed(seed_);
}

size_t Sampler::history_cap() const {
  if (params_.repeat_last_n > 0) return static_cast<size_t>(params_.repeat_last_n);
  if (params_.repeat_last_n < 0) return kMaxHistory;
  return 0;
}

void Sampler::accept(int32_t token) {
  const size_t cap = history_cap();
  if (cap == 0) return;
  recent_.push_back(token);
  while (recent_.size() > cap) recent_.pop_front();
}

// The distinct recent tokens, sorted, into penalized_ (empty when the penalty
// is off). Ids outside the vocabulary are dropped.
void Sampler::collect_penalized(size_t n_vocab) {
  penalized_.clear();
  const float penalty = params_.repeat_penalty;
  if (penalty == 1.0f || !(penalty > 0.0f) || recent_.empty()) return;
  penalized_.assign(recent_.begin(), recent_.end());
  std::sort(penalized_.begin(), penalized_.end());
  penalized_.erase(std::unique(penalized_.begin(), penalized_.end()), penalized_.end());
  const auto first_valid = std::lower_bound(penalized_.begin(), penalized_.end(), 0);
  penalized_.erase(penalized_.begin(), first_valid);
  const auto end_valid =
      std::lower_bound(penalized_.begin(), penalized_.end(), static_cast<int64_t>(n_vocab),
                       [](int32_t id, int64_t n) { return static_cast<int64_t>(id) < n; });
  penalized_.erase(end_valid, penalized_.end());
}

namespace {
// Higher logit first; the lower id first on equal logits, so every step is
// deterministic.
bool better(const auto& a, const auto& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}
}  // namespace

// Keeps the smallest set of best candidates (by probability, descending, ties
// by id) among candidates_[0, n) whose probability adds up to at least top_p,
// at least one token; moves them to the front and returns their count.
//
// A full sort would cost O(n log n) on a 150k vocabulary when top-k is off.
// Instead the candidates go into buckets by logit (kBuckets buckets over
// [max - kRange, max], everything lower in the last one); higher logits never
// land in a later bucket, so whole buckets are kept until the one where the
// cumulative probability reaches top_p, and only that bucket is sorted.
size_t Sampler::truncate_top_p(size_t n) {
  const float top_p = params_.top_p;
  if (top_p >= 1.0f || n <= 1) return n;
  constexpr int kBuckets = static_cast<int>(kTopPBuckets);
  constexpr float kRange = 32.0f;  // e^-32: below that a token's share is ~1e-14
  float max_logit = candidates_[0].logit;
  for (size_t i = 1; i < n; ++i) max_logit = std::max(max_logit, candidates_[i].logit);
  const auto bucket_of = [&](float logit) {
    const float below = max_logit - logit;
    if (!(below < kRange)) return kBuckets - 1;  // also NaN
    return std::min(kBuckets - 1, static_cast<int>(below * (kBuckets / kRange)));
  };
  bucket_mass_.fill(0.0);
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    Candidate& c = candidates_[i];
    c.p = std::exp(c.logit - max_logit);
    sum += c.p;
    bucket_mass_[static_cast<size_t>(bucket_of(c.logit))] += c.p;
  }
  const double need = static_cast<double>(top_p) * sum;
  double acc = 0.0;
  int cut = 0;
  for (; cut < kBuckets - 1; ++cut) {
    if (acc + bucket_mass_[static_cast<size_t>(cut)] >= need) break;
    acc += bucket_mass_[static_cast<size_t>(cut)];
  }
  // Buckets before the cut to the front, then the cut bucket, sorted.
  const auto first = candidates_.begin();
  const auto last = first + static_cast<std::ptrdiff_t>(n);
  const auto kept = std::partition(first, last, [&](const Candidate& c) { return bucket_of(c.logit) < cut; });
  const auto cut_end = std::partition(kept, last, [&](const Candidate& c) { return bucket_of(c.logit) == cut; });
  std::sort(kept, cut_end, [](const Candidate& a, const Candidate& b) { return better(a, b); });
  for (auto it = kept; it != cut_end; ++it) {
    acc += it->p;
    if (acc >= need) return static_cast<size_t>(it - first) + 1;
  }
  // Rounding left the sum just short: keep the cut bucket whole (at least one).
  return std::max<size_t>(1, static_cast<size_t>(cut_end - first));
}

// Softmax over candidates_[0, n) (logits already divided by the temperature)
// and one draw. The uniform variate is built from the generator's bits by hand
// rather than with std::uniform_real_distribution, whose algorithm differs
// between standard libraries: the same seed gives the same tokens everywhere.
int32_t Sampler::draw(size_t n) {
  float max_logit = candidates_[0].logit;
  for (size_t i = 1; i < n; ++i) max_logit = std::max(max_logit, candidates_[i].logit);
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    candidates_[i].p = std::exp(candidates_[i].logit - max_logit);
    sum += candidates_[i].p;
  }
  const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;  // [0, 1)
  const double target = u * sum;
  double cum = 0.0;
  size_t last_positive = 0;
  for (size_t i = 0; i < n; ++i) {
    if (candidates_[i].p <= 0.0f) continue;
    cum += candidates_[i].p;
    last_positive = i;
    if (target < cum) return candidates_[i].id;
  }
  return candidates_[last_positive].id;  // rounding left target just past the end
}

int32_t Sampler::sample(std::span<const float> logits) {
  if (logits.empty()) fail("sampler: empty logits");
  if (constraint_) return sample_constrained(logits);
  const size_t n_vocab = logits.size();

  if (params_.temperature <= 0.0f) {
    // Greedy: argmax of the raw logits, the lowest id on ties; no penalties.
    size_t best = 0;
    for (size_t i = 1; i < n_vocab; ++i)
      if (logits[i] > logits[best]) best = i;
    return static_cast<int32_t>(best);
  }

  // One pass over the logits applies the repeat penalty (llama.cpp's rule:
  // each distinct recent token once; a positive logit is divided by the
  // penalty, any other multiplied by it) and top-k. penalized_ is sorted, so
  // a cursor into it meets each penalised id as the scan reaches it.
  collect_penalized(n_vocab);
  const float penalty = params_.repeat_penalty;
  size_t next_penalized = 0;
  const auto logit_of = [&](size_t i) {
    float l = logits[i];
    if (next_penalized < penalized_.size() &&
        penalized_[next_penalized] == static_cast<int32_t>(i)) {
      ++next_penalized;
      l = l > 0.0f ? l / penalty : l * penalty;
    }
    return l;
  };
  const auto cmp = [](const Candidate& a, const Candidate& b) { return better(a, b); };
  candidates_.clear();  // keeps its capacity: no allocation once warm
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < n_vocab) {
    // top-k with a heap of the k best so far, its worst at the front. With
    // ids scanned in increasing order, a later token displaces the worst only
    // with a strictly higher logit (the lower id wins ties). Most tokens cost
    // one comparison, so this beats nth_element over the whole vocabulary.
    const size_t k = static_cast<size_t>(params_.top_k);
    for (size_t i = 0; i < n_vocab; ++i) {
      const float l = logit_of(i);
      if (candidates_.size() < k) {
        candidates_.push_back(Candidate{static_cast<int32_t>(i), l, 0.0f});
        if (candidates_.size() == k) std::make_heap(candidates_.begin(), candidates_.end(), cmp);
      } else if (l > candidates_.front().logit) {
        std::pop_heap(candidates_.begin(), candidates_.end(), cmp);
        candidates_.back() = Candidate{static_cast<int32_t>(i), l, 0.0f};
        std::push_heap(candidates_.begin(), candidates_.end(), cmp);
      }
    }
  } else {
    for (size_t i = 0; i < n_vocab; ++i)
      candidates_.push_back(Candidate{static_cast<int32_t>(i), logit_of(i), 0.0f});
  }
  return finish(candidates_.size());
}

// The rest of the chain over candidates_[0, n): top-p, min-p, temperature,
// and the draw.
int32_t Sampler::finish(size_t n) {
  n = truncate_top_p(n);

  // min-p: keep p >= min_p * p_max, i.e. logit >= max_logit + log(min_p),
  // which does not depend on the normalisation. min_p is capped at 1 so the
  // best token always stays.
  if (params_.min_p > 0.0f && n > 1) {
    float max_logit = candidates_[0].logit;
    for (size_t i = 1; i < n; ++i) max_logit = std::max(max_logit, candidates_[i].logit);
    const float threshold = max_logit + std::log(std::min(params_.min_p, 1.0f));
    const auto first = candidates_.begin();
    const auto kept = std::remove_if(first, first + static_cast<std::ptrdiff_t>(n),
                                     [&](const Candidate& c) { return !(c.logit >= threshold); });
    n = std::max<size_t>(1, static_cast<size_t>(kept - first));
  }

  const float t = params_.temperature;
  for (size_t i = 0; i < n; ++i) candidates_[i].logit /= t;

  return draw(n);
}

// Checking a token against the grammar costs far more than reading its
// logit, so tokens are checked best first and only until the chain has what
// it needs: greedy stops at the first allowed one, top-k at the k-th. The
// order is a heap over all tokens (O(n) to build, O(log n) per token taken),
// with the same tie rule as the unconstrained chain.
int32_t Sampler::sample_constrained(std::span<const float> logits) {
  const size_t n_vocab = logits.size();
  const TokenConstraint& c = *constraint_;
  const bool greedy = params_.temperature <= 0.0f;
  const auto worse = [](const Candidate& a, const Candidate& b) { return better(b, a); };

  if (greedy) {
    // The argmax is allowed most of the time: try it before ranking.
    size_t best = 0;
    for (size_t i = 1; i < n_vocab; ++i)
      if (logits[i] > logits[best]) best = i;
    if (c.allowed(static_cast<int32_t>(best))) return static_cast<int32_t>(best);
  }

  collect_penalized(n_vocab);
  const float penalty = params_.repeat_penalty;
  size_t next_penalized = 0;
  ranked_.clear();
  for (size_t i = 0; i < n_vocab; ++i) {
    float l = logits[i];
    if (!greedy && next_penalized < penalized_.size() && penalized_[next_penalized] == static_cast<int32_t>(i)) {
      ++next_penalized;
      l = l > 0.0f ? l / penalty : l * penalty;
    }
    ranked_.push_back(Candidate{static_cast<int32_t>(i), l, 0.0f});
  }

  const size_t k = greedy ? 1 : params_.top_k > 0 ? static_cast<size_t>(params_.top_k) : n_vocab;
  candidates_.clear();
  if (k >= n_vocab) {
    // Every allowed token is a candidate: no order needed.
    for (const Candidate& cand : ranked_)
      if (c.allowed(cand.id)) candidates_.push_back(cand);
  } else {
    std::make_heap(ranked_.begin(), ranked_.end(), worse);
    for (auto end = ranked_.end(); end != ranked_.begin() && candidates_.size() < k; --end) {
      std::pop_heap(ranked_.begin(), end, worse);
      const Candidate& cand = *(end - 1);
      if (c.allowed(cand.id)) candidates_.push_back(cand);
    }
  }
  if (candidates_.empty()) fail("sampler: the grammar allows no token");
  if (greedy) return candidates_[0].id;
  return finish(candidates_.size());
}

}  // namespace hearth::sampling
