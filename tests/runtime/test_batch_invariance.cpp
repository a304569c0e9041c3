// A sequence's logits do not depend on how its tokens were batched: the
// whole prompt in one step, token by token, in uneven pieces, or sharing
// steps with other sequences give bit-identical logits. Continuous batching
// and prefix reuse in the server (each request's text equals the same request
// run alone) rest on this. Checked for the architectures' distinct paths:
// f32 and f16 weights, q8_0 and q4_0 weights (integer kernels), a sliding
// window (gemma2), mixture of experts (qwen3moe), and a q8_0 KV cache.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

#include "backend/backend.h"
#include "convert/mix.h"
#include "convert/synth.h"
#include "model/model.h"
#include "runtime/session.h"

namespace hearth::runtime {
namespace {

std::unique_ptr<model::Model> synth(const std::string& like, const std::string& type) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("hearth-invariance-" + like + "-" + type + "-" + std::to_string(::getpid()) + ".gguf"))
                               .string();
  convert::synth_file(convert::find_known_model(like), convert::parse_mix(type), path, {});
  auto m = model::Model::load(path);
  std::remove(path.c_str());  // the mapping stays valid
  return m;
}

std::vector<int32_t> prompt_of(int64_t n, int32_t vocab) {
  std::vector<int32_t> t;
  for (int64_t i = 0; i < n; ++i) t.push_back(static_cast<int32_t>((i * 37 + 11) % vocab));
  return t;
}

// The last token's logits after feeding `tokens` to sequence `seq` in pieces
// of the given sizes (cycled), with `other` tokens of sequence 1 riding along
// in every step when other_tokens is set.
std::vector<float> logits_after(const model::Model& m, backend::Backend& be, tensor::DType kv,
                                const std::vector<int32_t>& tokens, const std::vector<size_t>& pieces,
                                bool other_tokens) {
  SessionParams sp;
  sp.n_ctx = 160;
  sp.n_seq = 2;
  sp.kv_type = kv;
  Session s(m, be, sp);
  size_t at = 0, step = 0;
  int32_t other = 5;
  while (at < tokens.size()) {
    const size_t n = std::min(pieces[step++ % pieces.size()], tokens.size() - at);
    std::vector<BatchToken> batch;
    if (other_tokens && s.length(1) < s.n_ctx())
      batch.push_back({other++ % 200, static_cast<int32_t>(s.length(1)), 1, true});
    for (size_t i = 0; i < n; ++i)
      batch.push_back({tokens[at + i], static_cast<int32_t>(at + i), 0, at + i + 1 == tokens.size()});
    s.decode(batch);
    at += n;
  }
  const auto l = s.logits(s.n_logits() - 1);
  return {l.begin(), l.end()};
}

void expect_invariant(const model::Model& m, tensor::DType kv) {
  auto be = backend::make_cpu_backend(2);
  const auto tokens = prompt_of(120, static_cast<int32_t>(m.hparams().n_vocab));
  const auto whole = logits_after(m, *be, kv, tokens, {tokens.size()}, false);
  const std::vector<std::vector<size_t>> splits = {{1}, {7, 1, 30}, {64, 3}, {17}};
  for (const auto& pieces : splits)
    for (bool other : {false, true}) {
      const auto got = logits_after(m, *be, kv, tokens, pieces, other);
      ASSERT_EQ(got.size(), whole.size());
      EXPECT_EQ(0, std::memcmp(got.data(), whole.data(), sizeof(float) * got.size()))
          << "pieces of " << pieces[0] << (pieces.size() > 1 ? "..." : "") << (other ? ", with another sequence" : "");
    }
}

TEST(BatchInvariance, F32Llama) {
  auto m = model::Model::load(HEARTH_SOURCE_DIR "/models/stories260K.gguf");
  expect_invariant(*m, tensor::DType::F16);
}
TEST(BatchInvariance, F16Qwen2) { expect_invariant(*synth("test-qwen2", "F16"), tensor::DType::F16); }
TEST(BatchInvariance, Q8_0LlamaWithAQ8_0Cache) { expect_invariant(*synth("test-llama", "Q8_0"), tensor::DType::Q8_0); }
TEST(BatchInvariance, Q4_0Qwen3) { expect_invariant(*synth("test-qwen3", "Q4_0"), tensor::DType::F16); }
TEST(BatchInvariance, SlidingWindowGemma2) { expect_invariant(*synth("test-gemma2", "F16"), tensor::DType::F16); }
TEST(BatchInvariance, MixtureOfExpertsQwen3Moe) { expect_invariant(*synth("test-qwen3moe", "Q8_0"), tensor::DType::F16); }

}  // namespace
}  // namespace hearth::runtime
