// Reading real files. The expected values were taken once from an independent
// reading of the files (a short Python struct script), not from this reader.
#include <gtest/gtest.h>

#include <cstring>

#include "gguf_test_util.h"

namespace hearth::gguf {
namespace {

using test::expect_error;
using test::repo_path;

uint32_t f32_bits(const uint8_t* p) {
  uint32_t u;
  std::memcpy(&u, p, 4);
  return u;
}

TEST(GgufFile, Stories260KHeader) {
  const File f = File::open(repo_path("models/stories260K.gguf"));
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.bytes().size(), 1185376u);
  EXPECT_EQ(f.metadata().size(), 19u);
  EXPECT_EQ(f.tensors().size(), 48u);
  EXPECT_EQ(f.alignment(), 32u);        // no general.alignment key: the default
  EXPECT_EQ(f.data_offset(), 14176u);  // tensor infos end at 14152
  EXPECT_EQ(f.path(), repo_path("models/stories260K.gguf"));
}

TEST(GgufFile, Stories260KMetadata) {
  const File f = File::open(repo_path("models/stories260K.gguf"));
  const std::vector<std::string> keys = {
      "tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type",
      "tokenizer.ggml.model", "general.architecture", "general.name",
      "tokenizer.ggml.unknown_token_id", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
      "tokenizer.ggml.seperator_token_id", "tokenizer.ggml.padding_token_id", "llama.context_length",
      "llama.embedding_length", "llama.feed_forward_length", "llama.attention.head_count",
      "llama.attention.head_count_kv", "llama.block_count", "llama.rope.dimension_count",
      "llama.attention.layer_norm_rms_epsilon"};
  ASSERT_EQ(f.metadata().size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(f.metadata()[i].key, keys[i]) << i;

  EXPECT_EQ(f.get_string("general.architecture"), "llama");
  EXPECT_EQ(f.get_string("general.name"), "llama");
  EXPECT_EQ(f.get_string("tokenizer.ggml.model"), "llama");
  EXPECT_EQ(f.get_uint("llama.embedding_length"), 64u);
  EXPECT_EQ(f.get_uint("llama.block_count"), 5u);
  EXPECT_EQ(f.get_uint("llama.context_length"), 2048u);
  EXPECT_EQ(f.get_uint("llama.feed_forward_length"), 172u);
  EXPECT_EQ(f.get_uint("llama.attention.head_count"), 8u);
  EXPECT_EQ(f.get_uint("llama.attention.head_count_kv"), 4u);
  EXPECT_EQ(f.get_uint("llama.rope.dimension_count"), 8u);
  EXPECT_EQ(f.get_uint("tokenizer.ggml.unknown_token_id"), 0u);
  EXPECT_EQ(f.get_uint("tokenizer.ggml.bos_token_id"), 1u);
  EXPECT_EQ(f.get_uint("tokenizer.ggml.eos_token_id"), 2u);
  EXPECT_EQ(f.get_uint("tokenizer.ggml.seperator_token_id"), 4294967295u);
  EXPECT_EQ(f.find("llama.block_count")->type(), ValueType::UINT32);

  const Value* eps = f.find("llama.attention.layer_norm_rms_epsilon");
  ASSERT_NE(eps, nullptr);
  EXPECT_EQ(eps->type(), ValueType::FLOAT32);
  EXPECT_EQ(std::get<float>(eps->data), 1e-5f);  // bytes ac c5 27 37
  EXPECT_EQ(f.get_double_or("llama.attention.layer_norm_rms_epsilon", 0.0), static_cast<double>(1e-5f));

  const Array& tokens = f.find("tokenizer.ggml.tokens")->as_array("tokens");
  EXPECT_EQ(tokens.element_type, ValueType::STRING);
  ASSERT_EQ(tokens.items.size(), 512u);
  EXPECT_EQ(tokens.items[0].as_string("t"), "<unk>");
  EXPECT_EQ(tokens.items[1].as_string("t"), "<s>");
  EXPECT_EQ(tokens.items[2].as_string("t"), "</s>");
  EXPECT_EQ(tokens.items[3].as_string("t"), "<0x00>");
  EXPECT_EQ(tokens.items[100].as_string("t"), "<0x61>");
  EXPECT_EQ(tokens.items[259].as_string("t"), "\xe2\x96\x81t");
  EXPECT_EQ(tokens.items[511].as_string("t"), "\xe2\x80\x8a");

  const Array& scores = f.find("tokenizer.ggml.scores")->as_array("scores");
  EXPECT_EQ(scores.element_type, ValueType::FLOAT32);
  ASSERT_EQ(scores.items.size(), 512u);
  EXPECT_EQ(std::get<float>(scores.items[100].data), 0.0f);
  EXPECT_EQ(std::get<float>(scores.items[511].data), -252.0f);

  const Array& types = f.find("tokenizer.ggml.token_type")->as_array("types");
  EXPECT_EQ(types.element_type, ValueType::INT32);
  ASSERT_EQ(types.items.size(), 512u);
  EXPECT_EQ(std::get<int32_t>(types.items[0].data), 2);
  EXPECT_EQ(std::get<int32_t>(types.items[1].data), 3);
  EXPECT_EQ(std::get<int32_t>(types.items[100].data), 6);
  EXPECT_EQ(std::get<int32_t>(types.items[511].data), 1);
}

TEST(GgufFile, Stories260KTensors) {
  const File f = File::open(repo_path("models/stories260K.gguf"));
  const auto& ts = f.tensors();
  ASSERT_EQ(ts.size(), 48u);
  EXPECT_EQ(ts[0].name, "token_embd.weight");
  EXPECT_EQ(ts[0].type, tensor::DType::F32);
  EXPECT_EQ(ts[0].dims, (std::vector<int64_t>{64, 512}));
  EXPECT_EQ(ts[0].offset, 0u);
  EXPECT_EQ(ts[0].nbytes, 131072u);
  EXPECT_EQ(ts[0].n_elements(), 32768);
  EXPECT_EQ(ts[1].name, "output_norm.weight");
  EXPECT_EQ(ts[1].dims, (std::vector<int64_t>{64}));
  EXPECT_EQ(ts[1].offset, 131072u);
  EXPECT_EQ(ts[2].name, "output.weight");
  EXPECT_EQ(ts[2].offset, 131328u);
  EXPECT_EQ(ts[47].name, "blk.4.ffn_norm.weight");
  EXPECT_EQ(ts[47].offset, 1170944u);
  EXPECT_EQ(ts[47].nbytes, 256u);

  const TensorInfo* down = f.find_tensor("blk.0.ffn_down.weight");
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(down->dims, (std::vector<int64_t>{172, 64}));
  EXPECT_EQ(down->offset, 355840u);
  EXPECT_EQ(down->nbytes, 44032u);
  EXPECT_EQ(f.find_tensor("blk.0.attn_k.weight")->dims, (std::vector<int64_t>{64, 32}));
  EXPECT_EQ(f.find_tensor("no.such.tensor"), nullptr);

  for (const TensorInfo& t : ts) EXPECT_EQ(t.type, tensor::DType::F32) << t.name;

  const uint8_t* embd = f.tensor_data(ts[0]);
  EXPECT_EQ(embd, f.bytes().data() + 14176);
  EXPECT_EQ(f32_bits(embd + 0), 0xbe96e950u);
  EXPECT_EQ(f32_bits(embd + 4), 0x3f0fd864u);
  EXPECT_EQ(f32_bits(embd + 8), 0x3e33a1f7u);
  EXPECT_EQ(f32_bits(embd + 12), 0x3eae5faau);
  const uint8_t* norm = f.tensor_data(ts[47]);
  EXPECT_EQ(f32_bits(norm + 0), 0x3f846803u);
  EXPECT_EQ(f32_bits(norm + 4), 0x3f6cff8au);
  EXPECT_EQ(norm + 256, f.bytes().data() + f.bytes().size());  // the last tensor ends the file
}

TEST(GgufFile, VocabWithoutTensorsEndsBeforeTheDataOffset) {
  // Written by gguf-py: no tensors, and no padding after the metadata.
  const File f = File::open(repo_path("tests/data/ggml-vocab-llama-spm.gguf"));
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.tensors().size(), 0u);
  EXPECT_EQ(f.metadata().size(), 22u);
  EXPECT_EQ(f.bytes().size(), 723869u);
  EXPECT_EQ(f.data_offset(), 723872u);
  EXPECT_EQ(f.get_string("general.name"), "llama-spm");
  EXPECT_EQ(f.get_uint("llama.vocab_size"), 32000u);
  EXPECT_TRUE(f.get_bool_or("tokenizer.ggml.add_bos_token", false));
  EXPECT_FALSE(f.get_bool_or("tokenizer.ggml.add_eos_token", true));
  EXPECT_EQ(f.find("tokenizer.ggml.tokens")->as_array("t").items.size(), 32000u);
}

TEST(GgufFile, TypedLookups) {
  const File f = File::open(repo_path("models/stories260K.gguf"));
  EXPECT_EQ(f.find("absent"), nullptr);
  EXPECT_EQ(f.find_string("absent"), std::nullopt);
  EXPECT_EQ(f.find_string("general.name"), std::optional<std::string>("llama"));
  EXPECT_EQ(f.get_uint_or("absent", 42), 42u);
  EXPECT_EQ(f.get_uint_or("llama.block_count", 42), 5u);
  EXPECT_EQ(f.get_double_or("absent", 0.5), 0.5);
  EXPECT_EQ(f.get_double_or("llama.block_count", 0.5), 5.0);
  EXPECT_TRUE(f.get_bool_or("absent", true));

  expect_error([&] { f.get_string("absent.key"); }, "missing key 'absent.key'");
  expect_error([&] { f.get_uint("absent.key"); }, "missing key 'absent.key'");
  expect_error([&] { f.get_string("llama.block_count"); },
               "key 'llama.block_count' has type uint32, expected string");
  expect_error([&] { f.find_string("llama.block_count"); }, "expected string");
  expect_error([&] { f.get_uint("general.name"); }, "key 'general.name' has type string");
  expect_error([&] { f.get_uint_or("general.name", 1); }, "has type string");
  expect_error([&] { f.get_double_or("general.name", 1); }, "expected a number");
  expect_error([&] { f.get_bool_or("llama.block_count", true); }, "expected bool");
  // Messages name the file.
  expect_error([&] { f.get_string("absent.key"); }, "stories260K.gguf");
}

TEST(GgufFile, ParseOfMemoryMatchesOpen) {
  const test::Bytes b = test::read_bytes(repo_path("models/stories260K.gguf"));
  const File a = File::parse(b, "mem");
  const File c = File::open(repo_path("models/stories260K.gguf"));
  EXPECT_EQ(a.path(), "mem");
  EXPECT_EQ(a.metadata(), c.metadata());
  ASSERT_EQ(a.tensors().size(), c.tensors().size());
  for (size_t i = 0; i < a.tensors().size(); ++i) {
    EXPECT_EQ(a.tensors()[i].name, c.tensors()[i].name);
    EXPECT_EQ(0, std::memcmp(a.tensor_data(a.tensors()[i]), c.tensor_data(c.tensors()[i]),
                             a.tensors()[i].nbytes));
  }
}

TEST(GgufFile, CopiesShareTheMapping) {
  File copy = [] {
    File f = File::open(repo_path("models/stories260K.gguf"));
    return f;
  }();
  File second = copy;
  EXPECT_EQ(second.find_tensor("output.weight")->offset, 131328u);
  EXPECT_EQ(f32_bits(second.tensor_data(*second.find_tensor("token_embd.weight"))), 0xbe96e950u);
}

TEST(GgufFile, SharedFilesParse) {
  const auto files = test::shared_files();
  if (files.empty()) GTEST_SKIP() << "../shared is absent";
  for (const auto& rf : files) {
    SCOPED_TRACE(rf.path);
    const File f = File::open(rf.path);
    EXPECT_EQ(f.version(), 3u);
    EXPECT_FALSE(f.get_string("general.architecture").empty());
  }
}

}  // namespace
}  // namespace hearth::gguf
