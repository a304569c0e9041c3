// Issue 4: no allocation in the per-token path. Once a session has decoded a
// few tokens (scratch buffers grown to their size), decoding one more token and
// sampling it allocate nothing, for float and for quantized weights. Counted by
// replacing the global operator new (tests/sampling/alloc_count.cpp).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "backend/backend.h"
#include "convert/synth.h"
#include "model/model.h"
#include "runtime/session.h"
#include "sampling/sampler.h"

long allocation_count();

namespace hearth::runtime {
namespace {

long allocations_while_decoding(const model::Model& model, int threads, tensor::DType kv_type) {
  auto backend = backend::make_cpu_backend(threads);
  SessionParams sp;
  sp.n_ctx = 128;
  sp.kv_type = kv_type;
  Session session(model, *backend, sp);
  sampling::Params params;
  params.seed = 7;
  params.random_seed = false;
  sampling::Sampler sampler(params);
  const std::vector<int32_t> prompt = {1, 20, 30, 40, 50, 60};
  session.append(0, prompt);
  int32_t token = 0;
  for (int i = 0; i < 4; ++i) {  // warm-up: scratch grows here
    token = sampler.sample(session.logits(0));
    session.append(0, std::span<const int32_t>(&token, 1));
  }
  const long before = allocation_count();
  for (int i = 0; i < 16; ++i) {
    token = sampler.sample(session.logits(0));
    session.append(0, std::span<const int32_t>(&token, 1));
  }
  return allocation_count() - before;
}

TEST(NoAllocation, DecodingATokenAllocatesNothingWithFloatWeights) {
  auto model = model::Model::load(HEARTH_SOURCE_DIR "/models/stories260K.gguf");
  for (int threads : {1, 2})
    EXPECT_EQ(allocations_while_decoding(*model, threads, tensor::DType::F16), 0) << threads << " threads";
  EXPECT_EQ(allocations_while_decoding(*model, 2, tensor::DType::F32), 0);
}

TEST(NoAllocation, DecodingATokenAllocatesNothingWithQuantizedWeights) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("hearth-noalloc-" + std::to_string(::getpid()) + ".gguf")).string();
  convert::synth_file(convert::find_known_model("test-qwen2"), convert::parse_mix("Q4_K_M"), path, {});
  auto model = model::Model::load(path);
  std::remove(path.c_str());
  EXPECT_EQ(allocations_while_decoding(*model, 2, tensor::DType::F16), 0);
}

}  // namespace
}  // namespace hearth::runtime
