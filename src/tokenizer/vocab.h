#pragma once
// A model's vocabulary and tokenizer, built from the GGUF metadata keys
// tokenizer.ggml.* exactly as llama.cpp reads them.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hearth::gguf {
class File;
}

namespace hearth::tokenizer {

using Token = int32_t;

// tokenizer.ggml.token_type values.
enum class TokenType : int32_t {
  Undefined = 0, Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6,
};

class Vocab {
 public:
  // Reads tokenizer.ggml.model ("llama" = SentencePiece BPE), tokens, scores,
  // token_type, special token ids, add_bos_token / add_eos_token and
  // add_space_prefix. A model whose tokenizer is not supported is refused
  // with a hearth::Error naming it.
  static Vocab from_gguf(const gguf::File& file);

  int32_t size() const { return static_cast<int32_t>(pieces_.size()); }
  Token bos() const { return bos_; }
  Token eos() const { return eos_; }
  Token eot() const { return eot_; }   // -1 when the vocabulary has none
  Token unk() const { return unk_; }
  bool add_bos() const { return add_bos_; }
  bool add_eos() const { return add_eos_; }
  // End of generation: EOS, EOT, or any other token the vocabulary marks so.
  bool is_eog(Token id) const;
  TokenType type(Token id) const;
  const std::string& piece(Token id) const;  // the raw vocabulary string

  // Tokenizes text. add_bos prepends BOS (when the vocabulary has one);
  // parse_special recognises control/user-defined tokens written in the text
  // (chat prompts); otherwise they are tokenized as plain text.
  std::vector<Token> encode(std::string_view text, bool add_bos, bool parse_special) const;

  // The bytes a token stands for: "▁" becomes a space, <0xNN> the byte NN.
  // Control tokens give "" unless render_special.
  std::string decode_token(Token id, bool render_special = false) const;
  // Concatenated decode_token of every token.
  std::string decode(std::span<const Token> ids, bool render_special = false) const;

 private:
  void encode_spm(std::string_view text, std::vector<Token>& out) const;
  Token byte_token(uint8_t byte) const;

  std::string model_;
  std::vector<std::string> pieces_;
  std::vector<float> scores_;
  std::vector<TokenType> types_;
  std::unordered_map<std::string, Token> index_;
  std::vector<Token> byte_tokens_;  // byte value -> <0xNN> token, -1 if absent
  Token bos_ = -1, eos_ = -1, eot_ = -1, unk_ = -1, pad_ = -1;
  bool add_bos_ = true, add_eos_ = false, add_space_prefix_ = true;
};

// Turns a stream of tokens into text without ever emitting a broken UTF-8
// sequence: bytes of a character split across tokens are held back until the
// character is complete.
class StreamDecoder {
 public:
  explicit StreamDecoder(const Vocab& vocab) : vocab_(&vocab) {}
  // Text that is complete after adding id (possibly empty).
  std::string push(Token id);
  // Whatever is still held back (an incomplete sequence at the end).
  std::string flush();

 private:
  const Vocab* vocab_;
  std::string pending_;
};

}  // namespace hearth::tokenizer
