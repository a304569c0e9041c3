// The output of `hearth inspect` (src/cli/inspect_format.h), checked against
// known values of stories260K.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/inspect_format.h"
#include "gguf_test_util.h"

namespace hearth::cli {
namespace {

using gguf::Array;
using gguf::Value;
using gguf::ValueType;

TEST(GgufInspect, JsonOfStories260K) {
  const gguf::File f = gguf::File::open(gguf::test::repo_path("models/stories260K.gguf"));
  // Through the text form, as the command prints it.
  const nlohmann::json j = nlohmann::json::parse(inspect_json_text(f));
  EXPECT_EQ(j["version"], 3);
  EXPECT_EQ(j["alignment"], 32);
  EXPECT_EQ(j["data_offset"], 14176);

  const auto& m = j["metadata"];
  ASSERT_EQ(m.size(), 19u);
  EXPECT_EQ(m["general.architecture"]["type"], "string");
  EXPECT_EQ(m["general.architecture"]["value"], "llama");
  EXPECT_EQ(m["llama.embedding_length"]["type"], "uint32");
  EXPECT_EQ(m["llama.embedding_length"]["value"], 64);
  EXPECT_EQ(m["llama.block_count"]["value"], 5);
  EXPECT_EQ(m["llama.context_length"]["value"], 2048);
  EXPECT_EQ(m["tokenizer.ggml.seperator_token_id"]["value"], 4294967295u);
  EXPECT_EQ(m["llama.attention.layer_norm_rms_epsilon"]["type"], "float32");
  EXPECT_EQ(m["llama.attention.layer_norm_rms_epsilon"]["value"], 1e-05);
  EXPECT_EQ(m["tokenizer.ggml.tokens"]["type"], "array[string]");
  ASSERT_EQ(m["tokenizer.ggml.tokens"]["value"].size(), 512u);  // complete, not abbreviated
  EXPECT_EQ(m["tokenizer.ggml.tokens"]["value"][0], "<unk>");
  EXPECT_EQ(m["tokenizer.ggml.tokens"]["value"][259], "\xe2\x96\x81t");
  EXPECT_EQ(m["tokenizer.ggml.scores"]["type"], "array[float32]");
  EXPECT_EQ(m["tokenizer.ggml.scores"]["value"][511], -252.0);
  EXPECT_EQ(m["tokenizer.ggml.token_type"]["type"], "array[int32]");
  EXPECT_EQ(m["tokenizer.ggml.token_type"]["value"][100], 6);

  // Keys in file order.
  const nlohmann::ordered_json oj = inspect_json(f);
  EXPECT_EQ(oj["metadata"].begin().key(), "tokenizer.ggml.tokens");
  EXPECT_EQ((--oj["metadata"].end()).key(), "llama.attention.layer_norm_rms_epsilon");

  const auto& t = j["tensors"];
  ASSERT_EQ(t.size(), 48u);
  EXPECT_EQ(t[0]["name"], "token_embd.weight");
  EXPECT_EQ(t[0]["type"], "f32");
  EXPECT_EQ(t[0]["shape"], nlohmann::json::array({64, 512}));
  EXPECT_EQ(t[0]["offset"], 0);
  EXPECT_EQ(t[0]["nbytes"], 131072);
  EXPECT_EQ(t[8]["name"], "blk.0.ffn_gate.weight");
  EXPECT_EQ(t[8]["shape"], nlohmann::json::array({64, 172}));
  EXPECT_EQ(t[8]["offset"], 311808);
  EXPECT_EQ(t[8]["nbytes"], 44032);
  EXPECT_EQ(t[47]["name"], "blk.4.ffn_norm.weight");
  EXPECT_EQ(t[47]["offset"], 1170944);
}

TEST(GgufInspect, TextOfStories260K) {
  const gguf::File f = gguf::File::open(gguf::test::repo_path("models/stories260K.gguf"));
  const std::string s = inspect_text(f);
  auto has = [&](const std::string& needle) {
    EXPECT_NE(s.find(needle), std::string::npos) << "missing: " << needle << "\nin:\n" << s;
  };
  has("version:     3\n");
  has("tensors:     48\n");
  has("metadata:    19 keys\n");
  has("alignment:   32\n");
  has("data offset: 14176\n");
  has("general.architecture  ");
  has("\"llama\"\n");
  has("array[string]");
  has("[\"<unk>\", \"<s>\", \"</s>\", \"<0x00>\", \"<0x01>\", \"<0x02>\", \"<0x03>\", \"<0x04>\", ... (504 more)]");
  has("1e-05\n");
  has("4294967295\n");
  has("token_embd.weight");
  has("[64, 512]");
  has("  1170944     256\n");
  has("  name                      type  shape       offset  nbytes\n");
  // One line per key and per tensor, plus the header lines.
  EXPECT_EQ(std::count(s.begin(), s.end(), '\n'), 6 + 2 + 19 + 3 + 48);
}

TEST(GgufInspect, Formatting) {
  EXPECT_EQ(inspect_quote("plain"), "\"plain\"");
  EXPECT_EQ(inspect_quote("a\"b\\c\nd\te\r"), "\"a\\\"b\\\\c\\nd\\te\\r\"");
  EXPECT_EQ(inspect_quote(std::string("\x01\x7f\0", 3)), "\"\\x01\\x7f\\x00\"");
  EXPECT_EQ(inspect_quote("\xe2\x96\x81t"), "\"\xe2\x96\x81t\"");        // valid UTF-8 kept
  EXPECT_EQ(inspect_quote("\xff\xe2\x96"), "\"\\xff\\xe2\\x96\"");      // invalid bytes escaped
  EXPECT_EQ(inspect_quote("\xc0\xaf"), "\"\\xc0\\xaf\"");               // overlong
  EXPECT_EQ(inspect_quote("\xed\xa0\x80"), "\"\\xed\\xa0\\x80\"");      // surrogate
  EXPECT_EQ(inspect_quote("abcdef", 3), "\"abc\" ... (3 more bytes)");
  EXPECT_EQ(inspect_quote("\xe2\x96\x81\xe2\x96\x81", 4), "\"\xe2\x96\x81\xe2\x96\x81\"");

  EXPECT_EQ(inspect_value_text(Value{uint8_t{200}}), "200");
  EXPECT_EQ(inspect_value_text(Value{int64_t{-5}}), "-5");
  EXPECT_EQ(inspect_value_text(Value{0.1f}), "0.1");
  EXPECT_EQ(inspect_value_text(Value{0.1}), "0.1");
  EXPECT_EQ(inspect_value_text(Value{true}), "true");
  EXPECT_EQ(inspect_value_text(Value{std::numeric_limits<float>::infinity()}), "inf");
  EXPECT_EQ(inspect_value_text(Value{Array{ValueType::UINT8, {}}}), "[]");
  Array many{ValueType::INT32, {}};
  for (int i = 0; i < 10; ++i) many.items.push_back(Value{int32_t{i}});
  EXPECT_EQ(inspect_value_text(Value{many}), "[0, 1, 2, 3, 4, 5, 6, 7, ... (2 more)]");

  const Value nested{Array{ValueType::ARRAY, {Value{Array{ValueType::INT32, {Value{int32_t{1}}}}},
                                               Value{Array{ValueType::INT32, {}}}}}};
  EXPECT_EQ(inspect_type_name(nested), "array[array[int32]]");
  EXPECT_EQ(inspect_value_text(nested), "[[1], []]");
  const Value mixed{Array{ValueType::ARRAY, {Value{Array{ValueType::INT32, {}}},
                                              Value{Array{ValueType::STRING, {}}}}}};
  EXPECT_EQ(inspect_type_name(mixed), "array[array]");
  EXPECT_EQ(inspect_type_name(Value{Array{ValueType::ARRAY, {}}}), "array[array]");

  EXPECT_EQ(inspect_value_json(nested).dump(), "[[1],[]]");
  EXPECT_EQ(inspect_value_json(Value{std::numeric_limits<double>::quiet_NaN()}), "nan");
  EXPECT_EQ(inspect_value_json(Value{-std::numeric_limits<float>::infinity()}), "-inf");
  EXPECT_EQ(inspect_value_json(Value{std::numeric_limits<float>::denorm_min()}).get<double>(), 1e-45);
}

TEST(GgufInspect, InvalidUtf8InJson) {
  gguf::Writer w;
  w.set("bad", Value{std::string("\xff\xfe ok")});
  const auto bytes = w.to_bytes();
  const gguf::File f = gguf::File::parse(bytes);
  const nlohmann::json j = nlohmann::json::parse(inspect_json_text(f));
  EXPECT_EQ(j["metadata"]["bad"]["value"], "\xef\xbf\xbd\xef\xbf\xbd ok");
}

}  // namespace
}  // namespace hearth::cli
