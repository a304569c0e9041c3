// hearth quantize on the bundled stories260K model: types as planned,
// metadata and tensor order kept, errors within each type's expected bounds,
// and clear refusals.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "backend/backend.h"
#include "cli/run_hearth.h"
#include "convert/mix.h"
#include "convert/plan.h"
#include "convert/quantize.h"
#include "core/error.h"
#include "gguf/file.h"
#include "model/model.h"
#include "runtime/generate.h"
#include "tensor/dequantize.h"

namespace hearth::convert {
namespace {

using tensor::DType;
namespace fs = std::filesystem;

const std::string kStories = HEARTH_SOURCE_DIR "/models/stories260K.gguf";

std::string temp(const std::string& name) { return hearth::testing::temp_path(name); }

std::vector<float> dequantized(const gguf::File& f, const gguf::TensorInfo& t) {
  std::vector<float> out(static_cast<size_t>(t.n_elements()));
  const int64_t n = t.dims[0], rows = t.n_elements() / n;
  const size_t rb = tensor::row_bytes(t.type, n);
  for (int64_t r = 0; r < rows; ++r)
    tensor::dequantize_row(t.type, f.tensor_data(t) + r * rb, out.data() + r * n, n);
  return out;
}

struct Err {
  double rmse, rms;
};

Err error_of(const std::vector<float>& want, const std::vector<float>& got) {
  double se = 0, ss = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    se += (double(want[i]) - got[i]) * (double(want[i]) - got[i]);
    ss += double(want[i]) * want[i];
  }
  return {std::sqrt(se / want.size()), std::sqrt(ss / want.size())};
}

class QuantizeStories : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const auto& p : cleanup_) std::remove(p.c_str());
  }
  std::string quantize(const char* mix) {
    const std::string out = temp(std::string("stories-") + mix + ".gguf");
    cleanup_.push_back(out);
    quantize_file(kStories, out, parse_mix(mix), QuantizeOptions{2, nullptr});
    return out;
  }
  std::vector<std::string> cleanup_;
};

TEST_F(QuantizeStories, Q8_0ErrorsAreWithinQ8_0sBound) {
  const gguf::File in = gguf::File::open(kStories);
  const gguf::File out = gguf::File::open(quantize("Q8_0"));
  ASSERT_EQ(out.tensors().size(), in.tensors().size());
  int n_q8 = 0, n_f16 = 0;
  for (size_t i = 0; i < in.tensors().size(); ++i) {
    const gguf::TensorInfo& a = in.tensors()[i];
    const gguf::TensorInfo& b = out.tensors()[i];
    const auto want = dequantized(in, a), got = dequantized(out, b);
    const Err e = error_of(want, got);
    if (b.type == DType::F32) {
      EXPECT_EQ(e.rmse, 0.0) << a.name;
    } else if (b.type == DType::F16) {
      // ffn_down (rows of 172, no 32-block fits): f16 keeps 11 significant bits.
      ++n_f16;
      EXPECT_LT(e.rmse, e.rms * 1e-3) << a.name;
    } else {
      ASSERT_EQ(b.type, DType::Q8_0) << a.name;
      ++n_q8;
      // Each block of 32 has step d = max|x| / 127; rounding to the nearest
      // step errs by at most d/2 (plus the f16 rounding of d).
      for (size_t blk = 0; blk < want.size(); blk += 32) {
        float amax = 0;
        for (size_t j = blk; j < blk + 32; ++j) amax = std::max(amax, std::fabs(want[j]));
        const float d = amax / 127.0f;
        for (size_t j = blk; j < blk + 32; ++j)
          ASSERT_LE(std::fabs(want[j] - got[j]), 0.6f * d + 1e-9f) << a.name << " element " << j;
      }
      EXPECT_LT(e.rmse, e.rms * 0.01) << a.name;
    }
  }
  EXPECT_EQ(n_q8, 2 + 5 * 6);  // token_embd, output, 6 matrices of 64-element rows per layer
  EXPECT_EQ(n_f16, 5);         // ffn_down per layer
}

TEST_F(QuantizeStories, MetadataAndTensorOrderAreKept) {
  const gguf::File in = gguf::File::open(kStories);
  const gguf::File out = gguf::File::open(quantize("Q4_K_M"));
  EXPECT_EQ(out.get_uint("general.file_type"), 15u);
  EXPECT_EQ(out.get_uint("general.quantization_version"), 2u);
  // Every input key, in order and unchanged, then the two added keys.
  ASSERT_EQ(out.metadata().size(), in.metadata().size() + 2);
  for (size_t i = 0; i < in.metadata().size(); ++i) EXPECT_EQ(out.metadata()[i], in.metadata()[i]);
  EXPECT_EQ(out.metadata()[in.metadata().size()].key, "general.quantization_version");
  EXPECT_EQ(out.metadata()[in.metadata().size() + 1].key, "general.file_type");
  ASSERT_EQ(out.tensors().size(), in.tensors().size());
  for (size_t i = 0; i < in.tensors().size(); ++i) {
    EXPECT_EQ(out.tensors()[i].name, in.tensors()[i].name);
    EXPECT_EQ(out.tensors()[i].dims, in.tensors()[i].dims);
  }
}

TEST_F(QuantizeStories, EveryMixWritesItsPlanAndLoads) {
  const gguf::File in = gguf::File::open(kStories);
  std::vector<PlanTensor> tensors;
  for (const auto& t : in.tensors()) tensors.push_back({t.name, t.type, t.dims});
  auto backend = backend::make_cpu_backend(1);
  for (const Mix& mix : mixes()) {
    const std::string path = quantize(mix.name);
    const gguf::File out = gguf::File::open(path);
    EXPECT_EQ(out.get_uint("general.file_type"), mix.ftype) << mix.name;
    const auto plan = plan_types(mix, ModelInfo::from_gguf(in), tensors);
    for (size_t i = 0; i < tensors.size(); ++i) {
      EXPECT_EQ(out.tensors()[i].type, plan[i].type) << mix.name << " " << tensors[i].name;
      const Err e = error_of(dequantized(in, in.tensors()[i]), dequantized(out, out.tensors()[i]));
      // Even the coarsest mix here (Q2_K falls back to Q4_0 on these rows)
      // keeps the error well under the weights' size.
      EXPECT_LT(e.rmse, e.rms * 0.2) << mix.name << " " << tensors[i].name;
    }
    // hearth loads the result and generates from it.
    auto model = model::Model::load(path);
    runtime::Session session(*model, *backend, runtime::SessionParams{});
    runtime::GenerateParams gp;
    gp.num_predict = 4;
    gp.sampling.temperature = 0.0f;
    auto result = runtime::generate(session, model->vocab().encode("Once upon a time", true, false), gp, nullptr);
    EXPECT_EQ(result.tokens.size(), 4u) << mix.name;
  }
}

TEST_F(QuantizeStories, Q8_0GreedyTextStaysCloseToF32) {
  // The Q8_0 model's greedy continuation starts as the f32 model's does.
  auto backend = backend::make_cpu_backend(1);
  auto run = [&](const std::string& path) {
    auto model = model::Model::load(path);
    runtime::Session session(*model, *backend, runtime::SessionParams{});
    runtime::GenerateParams gp;
    gp.num_predict = 8;
    gp.sampling.temperature = 0.0f;
    return runtime::generate(session, model->vocab().encode("Once upon a time", true, false), gp, nullptr).tokens;
  };
  const auto f32 = run(kStories), q8 = run(quantize("Q8_0"));
  ASSERT_GE(q8.size(), 4u);
  EXPECT_TRUE(std::equal(f32.begin(), f32.begin() + 4, q8.begin()));
}

TEST_F(QuantizeStories, QuantizedInputIsDequantizedFirst) {
  const std::string q8 = quantize("Q8_0");
  const std::string out = temp("stories-requant.gguf");
  cleanup_.push_back(out);
  quantize_file(q8, out, parse_mix("Q4_0"), QuantizeOptions{2, nullptr});
  const gguf::File f = gguf::File::open(out);
  EXPECT_EQ(f.find_tensor("blk.0.attn_q.weight")->type, DType::Q4_0);
  EXPECT_EQ(f.find_tensor("output.weight")->type, DType::Q8_0);  // Q6_K -> Q8_0: copied as it is
  EXPECT_EQ(f.find_tensor("blk.0.ffn_down.weight")->type, DType::F16);
  // Requantizing the Q8_0 output to Q8_0 copies its bytes.
  const std::string same = temp("stories-same.gguf");
  cleanup_.push_back(same);
  quantize_file(q8, same, parse_mix("Q8_0"), QuantizeOptions{2, nullptr});
  const gguf::File a = gguf::File::open(q8), b = gguf::File::open(same);
  for (size_t i = 0; i < a.tensors().size(); ++i)
    EXPECT_EQ(0, std::memcmp(a.tensor_data(a.tensors()[i]), b.tensor_data(b.tensors()[i]), a.tensors()[i].nbytes));
}

TEST_F(QuantizeStories, RefusesToOverwriteTheInput) {
  const std::string copy = temp("stories-copy.gguf");
  const std::string link = temp("stories-link.gguf");
  cleanup_.push_back(copy);
  cleanup_.push_back(link);
  fs::copy_file(kStories, copy, fs::copy_options::overwrite_existing);
  fs::create_symlink(copy, link);
  const auto before = fs::file_size(copy);
  for (const std::string& out : {copy, link}) {
    try {
      quantize_file(copy, out, parse_mix("Q8_0"));
      FAIL() << "no error for " << out;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("refusing to overwrite the input"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(fs::file_size(copy), before);
}

TEST(QuantizeCli, LogsEachTensorAndTheSizes) {
  const std::string out = temp("cli-q.gguf");
  const auto o = hearth::testing::run_hearth("quantize '" + kStories + "' '" + out + "' q8_0 -t 2");
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("blk.0.ffn_down.weight"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("f32 -> f16"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("f32 -> q8_0"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("48 tensors"), std::string::npos) << o.out;
  EXPECT_EQ(gguf::File::open(out).get_uint("general.file_type"), 7u);
  std::remove(out.c_str());
}

TEST(QuantizeCli, BadTypeIsAClearError) {
  const std::string out = temp("cli-bad.gguf");
  const auto o = hearth::testing::run_hearth("quantize '" + kStories + "' '" + out + "' Q7_K");
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.err.find("hearth: error: unknown quantization type 'Q7_K' (choose one of: "), std::string::npos)
      << o.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST(QuantizeCli, SameInputAndOutputIsRefused) {
  const std::string copy = temp("cli-same.gguf");
  fs::copy_file(kStories, copy, fs::copy_options::overwrite_existing);
  const auto o = hearth::testing::run_hearth("quantize '" + copy + "' '" + copy + "' Q4_0");
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.err.find("refusing to overwrite the input file"), std::string::npos) << o.err;
  EXPECT_EQ(fs::file_size(copy), fs::file_size(kStories));
  std::remove(copy.c_str());
}

TEST(QuantizeCli, MissingInputIsAClearError) {
  const auto o = hearth::testing::run_hearth("quantize /nonexistent/in.gguf " + temp("x.gguf") + " Q4_0");
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.err.find("/nonexistent/in.gguf"), std::string::npos) << o.err;
}

}  // namespace
}  // namespace hearth::convert
