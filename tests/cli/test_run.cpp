// `hearth run` and `hearth perplexity` as a user runs them.
#include <gtest/gtest.h>

#include "cli/run_hearth.h"
#include "reference_texts.h"

namespace hearth::testing {
namespace {

const std::string kModel = HEARTH_SOURCE_DIR "/models/stories260K.gguf";

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

TEST(Run, PrintsExactlyTheReferenceContinuations) {
  const auto refs = load_reference_texts(HEARTH_TEST_DATA "/stories260K-REFERENCE.md");
  ASSERT_EQ(refs.size(), 3u);
  for (const auto& ref : refs) {
    Outcome o = run_hearth("run " + quote(kModel) + " -n 48 --temp 0 " + quote(ref.prompt));
    EXPECT_EQ(o.status, 0) << o.err;
    EXPECT_EQ(o.out, ref.continuation + "\n") << "prompt: " << ref.prompt;
  }
}

TEST(Run, TakesThePromptFromTheFlagOrStandardInput) {
  const auto refs = load_reference_texts(HEARTH_TEST_DATA "/stories260K-REFERENCE.md");
  const auto& ref = refs.at(2);  // "The cat"
  Outcome flag = run_hearth("run " + quote(kModel) + " -n 48 --temp 0 -p " + quote(ref.prompt));
  EXPECT_EQ(flag.out, ref.continuation + "\n") << flag.err;
  const std::string piped = ref.prompt + "\n";
  Outcome in = run_hearth("run " + quote(kModel) + " -n 48 --temp 0", &piped);
  EXPECT_EQ(in.out, ref.continuation + "\n") << in.err;
}

TEST(Run, VerbosePrintsOllamaStyleTimingsToStandardError) {
  Outcome o = run_hearth("run " + quote(kModel) + " -n 5 --temp 0 --verbose 'The cat'");
  EXPECT_EQ(o.status, 0);
  // "The cat" is BOS + 3 tokens in this vocabulary.
  for (const char* field : {"total duration:", "load duration:", "prompt eval count:    4 token(s)",
                            "prompt eval duration:", "prompt eval rate:", "eval count:           5 token(s)",
                            "eval duration:", "eval rate:"})
    EXPECT_NE(o.err.find(field), std::string::npos) << field << "\n" << o.err;
}

TEST(Run, SameSeedSameText) {
  const std::string args = "run " + quote(kModel) + " -n 40 --temp 1 --seed 7 'Once upon a time'";
  Outcome a = run_hearth(args), b = run_hearth(args);
  EXPECT_EQ(a.status, 0);
  EXPECT_EQ(a.out, b.out);
  EXPECT_GT(a.out.size(), 20u);
}

TEST(Perplexity, LastLineIsThePpl) {
  Outcome o = run_hearth("perplexity " + quote(kModel) + " -f " + quote(HEARTH_TEST_DATA "/gpl-3.0-first-20000-bytes.txt") +
                         " -c 128");
  ASSERT_EQ(o.status, 0) << o.err;
  std::string out = o.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  const std::string last = out.substr(out.rfind('\n') + 1);
  ASSERT_EQ(last.rfind("PPL = ", 0), 0u) << last;
  EXPECT_NEAR(std::stod(last.substr(6)), 72.2424, 0.05);
}

// A q8_0 KV cache: the perplexity within 1% of llama.cpp's f16 figure (why
// 1%: tests/runtime/test_perplexity.cpp); other types are refused by name.
TEST(Perplexity, Q8_0KvCache) {
  Outcome o = run_hearth("perplexity " + quote(kModel) + " -f " +
                         quote(HEARTH_TEST_DATA "/gpl-3.0-first-20000-bytes.txt") + " -c 128 --kv-type q8_0");
  ASSERT_EQ(o.status, 0) << o.err;
  const std::string last = o.out.substr(o.out.rfind("PPL = "));
  EXPECT_NEAR(std::stod(last.substr(6)), 72.2424, 0.01 * 72.2424);
  Outcome bad = run_hearth("perplexity " + quote(kModel) + " -f " +
                           quote(HEARTH_TEST_DATA "/gpl-3.0-first-20000-bytes.txt") + " --kv-type q4_0");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("unknown KV cache type 'q4_0' (use f16, f32 or q8_0)"), std::string::npos) << bad.err;
  Outcome help = run_hearth("run --help");
  EXPECT_NE(help.out.find("f16, f32, or q8_0"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace hearth::testing
