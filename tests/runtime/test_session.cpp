// The batch API: sequences decoded together or apart, in one step or many,
// give the same logits; bad batches are refused and change nothing.
#include <gtest/gtest.h>

#include <algorithm>

#include "backend/backend.h"
#include "core/error.h"
#include "model/model.h"
#include "runtime/session.h"

namespace hearth::runtime {
namespace {

class SessionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = model::Model::load(HEARTH_SOURCE_DIR "/models/stories260K.gguf").release();
    backend_ = backend::make_cpu_backend(2).release();
  }
  static void TearDownTestSuite() {
    delete model_;
    delete backend_;
  }
  std::vector<int32_t> encode(const std::string& text) { return model_->vocab().encode(text, true, false); }
  Session make(int n_seq, int64_t n_batch = 512, int64_t n_ctx = 128) {
    SessionParams sp;
    sp.n_ctx = n_ctx;
    sp.n_seq = n_seq;
    sp.n_batch = n_batch;
    return Session(*model_, *backend_, sp);
  }
  static std::vector<float> copy(std::span<const float> s) { return {s.begin(), s.end()}; }

  static inline model::Model* model_ = nullptr;
  static inline backend::Backend* backend_ = nullptr;
};

TEST_F(SessionTest, TwoSequencesInOneBatchMatchEachDecodedAlone) {
  const auto a = encode("Once upon a time"), b = encode("The dog ran to the big tree");
  Session alone = make(1);
  alone.append(0, a);
  const auto logits_a = copy(alone.logits(0));
  alone.truncate(0, 0);
  alone.append(0, b);
  const auto logits_b = copy(alone.logits(0));

  Session both = make(2);
  std::vector<BatchToken> batch;
  // Interleave the two sequences token by token.
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    if (i < a.size()) batch.push_back({a[i], int32_t(i), 0, i + 1 == a.size()});
    if (i < b.size()) batch.push_back({b[i], int32_t(i), 1, i + 1 == b.size()});
  }
  both.decode(batch);
  ASSERT_EQ(both.n_logits(), 2);
  // Logits come in batch order: a finishes first since it is shorter.
  ASSERT_LT(a.size(), b.size());
  const auto got_a = both.logits(0), got_b = both.logits(1);
  for (size_t i = 0; i < logits_a.size(); ++i) {
    ASSERT_NEAR(got_a[i], logits_a[i], 1e-5f) << i;
    ASSERT_NEAR(got_b[i], logits_b[i], 1e-5f) << i;
  }
  EXPECT_EQ(both.length(0), static_cast<int64_t>(a.size()));
  EXPECT_EQ(both.length(1), static_cast<int64_t>(b.size()));
}

TEST_F(SessionTest, SmallBatchStepsMatchOneStep) {
  const auto tokens = encode("Lily and Ben went to the park to play with a ball");
  Session whole = make(1);
  whole.append(0, tokens);
  Session steps = make(1, 3);
  steps.append(0, tokens);
  const auto x = whole.logits(0), y = steps.logits(0);
  for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(x[i], y[i], 1e-5f) << i;
}

TEST_F(SessionTest, ContinuingASequenceMatchesDecodingItWhole) {
  const auto tokens = encode("The cat sat on the mat and looked at the bird");
  Session whole = make(1);
  whole.append(0, tokens);
  Session parts = make(1);
  const size_t half = tokens.size() / 2;
  parts.append(0, std::span(tokens).first(half));
  parts.append(0, std::span(tokens).subspan(half));
  const auto x = whole.logits(0), y = parts.logits(0);
  for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(x[i], y[i], 1e-5f) << i;
}

TEST_F(SessionTest, BadBatchesAreRefusedAndChangeNothing) {
  Session s = make(2, 512, 8);
  const auto tokens = encode("Once upon");
  s.append(0, tokens);
  const int64_t len = s.length(0);
  const BatchToken gap[] = {{5, static_cast<int32_t>(len + 1), 0, true}};
  EXPECT_THROW(s.decode(gap), Error);
  const BatchToken bad_seq[] = {{5, 0, 2, true}};
  EXPECT_THROW(s.decode(bad_seq), Error);
  const BatchToken bad_token[] = {{512, static_cast<int32_t>(len), 0, true}};
  EXPECT_THROW(s.decode(bad_token), Error);
  EXPECT_EQ(s.length(0), len);
  EXPECT_EQ(s.length(1), 0);

  std::vector<int32_t> many(9, 5);
  try {
    s.append(1, many);
    FAIL() << "a 9-token sequence fit a context of 8";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("context is full"), std::string::npos) << e.what();
  }
  EXPECT_EQ(s.length(1), 0);
}

TEST_F(SessionTest, KeepCommonPrefixReusesOnlyWhatMatches) {
  const auto first = encode("Once upon a time there was a dog");
  auto second = first;
  second.resize(first.size() - 2);
  for (int32_t t : encode("cat sat")) second.push_back(t);

  Session s = make(1);
  s.append(0, first);
  EXPECT_EQ(s.keep_common_prefix(0, second), static_cast<int64_t>(first.size() - 2));
  EXPECT_EQ(s.length(0), static_cast<int64_t>(first.size() - 2));
  EXPECT_TRUE(std::equal(s.tokens(0).begin(), s.tokens(0).end(), first.begin()));
  s.append(0, std::span(second).subspan(first.size() - 2));

  // The same logits as evaluating `second` from scratch.
  Session fresh = make(1);
  fresh.append(0, second);
  const auto x = s.logits(0), y = fresh.logits(0);
  for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(x[i], y[i], 1e-5f) << i;

  // An identical prompt keeps all but its last token, which must be evaluated again.
  EXPECT_EQ(s.keep_common_prefix(0, second), static_cast<int64_t>(second.size() - 1));
  EXPECT_EQ(s.keep_common_prefix(0, std::vector<int32_t>{}), 0);
  EXPECT_EQ(s.length(0), 0);
}

}  // namespace
}  // namespace hearth::runtime
