// `hearth embed`: a JSON array of unit length from an embedding model (a
// test-bert synth, written by `hearth synth`), the same vector from the
// argument and from stdin; decoder models are refused.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/run_hearth.h"

namespace hearth::testing {
namespace {

TEST(Embed, PrintsAUnitVectorForAText) {
  const std::string model = temp_path("embed-bert.gguf");
  ASSERT_EQ(run_hearth("synth --like test-bert -o '" + model + "'").status, 0);
  const Outcome o = run_hearth("embed '" + model + "' 'hello world'");
  ASSERT_EQ(o.status, 0) << o.err;
  const auto v = nlohmann::json::parse(o.out);
  ASSERT_TRUE(v.is_array());
  ASSERT_EQ(v.size(), 256u);  // test-bert's n_embd
  double norm = 0;
  for (const auto& x : v) norm += x.get<double>() * x.get<double>();
  EXPECT_NEAR(norm, 1.0, 1e-5);
  const std::string text = "hello world";
  const Outcome piped = run_hearth("embed '" + model + "'", &text);
  EXPECT_EQ(piped.out, o.out);
  const Outcome other = run_hearth("embed '" + model + "' 'something else entirely'");
  EXPECT_NE(other.out, o.out);
  std::remove(model.c_str());
}

TEST(Embed, DecoderModelsAreRefused) {
  const Outcome o = run_hearth("embed '" HEARTH_SOURCE_DIR "/models/stories260K.gguf' hi");
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.err.find("does not produce embeddings"), std::string::npos) << o.err;
}

}  // namespace
}  // namespace hearth::testing
