#include "model/hparams.h"

#include "core/error.h"
#include "gguf/file.h"

namespace hearth::model {

namespace {

int64_t positive(const gguf::File& file, const std::string& key, uint64_t value) {
  // Bounded so that products of dimensions cannot overflow.
  if (value == 0 || value > (1ull << 24)) fail("'", file.path(), "': ", key, " = ", value, " is out of range");
  return static_cast<int64_t>(value);
}

}  // namespace

HParams HParams::from_gguf(const gguf::File& file, const std::string& arch) {
  auto key = [&](const char* name) { return arch + "." + name; };
  auto required = [&](const char* name) { return positive(file, key(name), file.get_uint(key(name))); };
  auto optional = [&](const char* name, uint64_t fallback) {
    return positive(file, key(name), file.get_uint_or(key(name), fallback));
  };

  HParams hp;
  hp.arch = arch;
  hp.n_ctx_train = required("context_length");
  hp.n_embd = required("embedding_length");
  hp.n_layer = required("block_count");
  hp.n_ff = required("feed_forward_length");
  hp.n_head = required("attention.head_count");
  hp.n_head_kv = optional("attention.head_count_kv", hp.n_head);
  if (hp.n_head % hp.n_head_kv != 0)
    fail("'", file.path(), "': ", hp.n_head, " attention heads cannot be grouped into ", hp.n_head_kv, " KV heads");
  if (hp.n_embd % hp.n_head != 0 && !file.find(key("attention.key_length")))
    fail("'", file.path(), "': embedding length ", hp.n_embd, " is not a multiple of the head count ", hp.n_head);
  hp.head_dim = optional("attention.key_length", hp.n_embd / hp.n_head);
  const int64_t value_length = optional("attention.value_length", hp.head_dim);
  if (value_length != hp.head_dim) fail("'", file.path(), "': key and value head sizes differ, which hearth does not support yet");
  hp.n_rot = optional("rope.dimension_count", hp.head_dim);
  if (hp.n_rot > hp.head_dim || hp.n_rot % 2 != 0)
    fail("'", file.path(), "': rope dimension ", hp.n_rot, " does not fit a head of ", hp.head_dim);
  hp.norm_eps = static_cast<float>(file.get_double_or(key("attention.layer_norm_rms_epsilon"),
                                                      file.get_double_or(key("attention.layer_norm_epsilon"), 1e-5)));
  hp.causal = file.get_bool_or(key("attention.causal"), true);
  hp.pooling_type = static_cast<int>(file.get_uint_or(key("pooling_type"), 0));
  hp.rope_freq_base = static_cast<float>(file.get_double_or(key("rope.freq_base"), 10000.0));
  const std::string scaling = file.find_string(key("rope.scaling.type")).value_or("none");
  if (scaling == "linear") {
    const double factor = file.get_double_or(key("rope.scaling.factor"), 1.0);
    if (!(factor > 0.0)) fail("'", file.path(), "': rope scaling factor must be positive");
    hp.rope_freq_scale = static_cast<float>(1.0 / factor);
  } else if (scaling != "none") {
    fail("'", file.path(), "': rope scaling type '", scaling, "' is not supported yet");
  }

  hp.rope_attn_factor = static_cast<float>(file.get_double_or(key("rope.scaling.attn_factor"), 1.0));
  hp.n_ctx_orig = optional("rope.scaling.original_context_length", hp.n_ctx_train);
  if (file.find(key("attention.sliding_window"))) hp.n_swa = required("attention.sliding_window");
  hp.rope_freq_base_swa = static_cast<float>(file.get_double_or(key("rope.freq_base_swa"), 10000.0));

  if (file.find(key("expert_count")) && file.get_uint(key("expert_count")) > 0) {
    hp.n_expert = required("expert_count");
    hp.n_expert_used = required("expert_used_count");
    if (hp.n_expert_used > hp.n_expert)
      fail("'", file.path(), "': ", hp.n_expert_used, " experts used per token but only ", hp.n_expert, " exist");
    hp.n_ff_exp = optional("expert_feed_forward_length", hp.n_ff);
  }

  if (const gguf::Value* v = file.find(key("vocab_size"))) {
    hp.n_vocab = positive(file, key("vocab_size"), v->as_uint(key("vocab_size")));
  } else if (const gguf::Value* tokens = file.find("tokenizer.ggml.tokens")) {
    hp.n_vocab = positive(file, "tokenizer.ggml.tokens", tokens->as_array("tokenizer.ggml.tokens").items.size());
  } else {
    fail("'", file.path(), "': the vocabulary size is unknown (no ", key("vocab_size"), " and no tokenizer.ggml.tokens)");
  }
  return hp;
}

}  // namespace hearth::model
