#pragma once
// A model's vocabulary and tokenizer, built from the GGUF metadata keys
// tokenizer.ggml.* exactly as llama.cpp reads them.
#include <cstdint>
#include <functional>
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

struct BpeModel;

using Token = int32_t;

// tokenizer.ggml.token_type values.
enum class TokenType : int32_t {
  Undefined = 0, Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6,
};

class Vocab {
 public:
  // Reads tokenizer.ggml.model ("llama" = SentencePiece BPE; "gpt2" =
  // byte-level BPE, with tokenizer.ggml.merges and the pre-tokenizer named by
  // tokenizer.ggml.pre; "gemma4" = BPE over UTF-8 with U+2581 for spaces;
  // "bert" = WordPiece), tokens, scores, token_type, special token ids,
  // add_bos_token / add_eos_token and add_space_prefix, with llama.cpp's
  // defaults per model. A tokenizer or pre-tokenizer that is not supported
  // is refused with a hearth::Error naming it.
  //
  // WordPiece: BOS is [CLS] (bos_token_id, else cls_token_id, else 101) and
  // EOS is [SEP] (eos_token_id, else seperator_token_id, else 102); both are
  // added by default (add_eos follows tokenizer.ggml.add_sep_token), as
  // llama.cpp adds [CLS] ... [SEP] for BERT.
  static Vocab from_gguf(const gguf::File& file);

  // tokenizer.ggml.model: "llama", "gpt2", "gemma4" or "bert".
  const std::string& model() const { return model_; }

  int32_t size() const { return static_cast<int32_t>(pieces_.size()); }
  Token bos() const { return bos_; }
  Token eos() const { return eos_; }
  // tokenizer.ggml.eot_token_id, else the first Control token spelled
  // <|eot_id|>, <|im_end|>, <|end|>, <end_of_turn> or <|endoftext|>; -1 if none.
  Token eot() const { return eot_; }
  Token unk() const { return unk_; }
  bool add_bos() const { return add_bos_; }
  bool add_eos() const { return add_eos_; }
  // End of generation: EOS, EOT, and any Control token spelled as one of the
  // end-of-turn markers above.
  bool is_eog(Token id) const;
  TokenType type(Token id) const;
  const std::string& piece(Token id) const;  // the raw vocabulary string

  // Tokenizes text. add_bos prepends BOS (when the vocabulary has one); EOS
  // is never appended (callers that want llama.cpp's add_special behaviour
  // append eos() themselves when add_eos()). parse_special recognises
  // control/unknown tokens written in the text (chat prompts); otherwise they
  // are tokenized as plain text. User-defined tokens are always recognised,
  // as in llama.cpp.
  std::vector<Token> encode(std::string_view text, bool add_bos, bool parse_special) const;

  // The bytes a token stands for: "▁" becomes a space (SPM, WordPiece,
  // SPM-style BPE), GPT-2's byte alphabet becomes bytes (byte-level BPE),
  // <0xNN> the byte NN.
  // Control tokens give "" unless render_special; user-defined tokens give
  // their text; the unknown token gives "\u2585" (as llama.cpp); unused and
  // undefined tokens give "". Throws hearth::Error for an id out of range.
  std::string decode_token(Token id, bool render_special = false) const;
  // Concatenated decode_token of every token.
  std::string decode(std::span<const Token> ids, bool render_special = false) const;

 private:
  // Transparent hashing so that look-ups by string_view allocate nothing.
  struct PieceHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Fragment {
    Token token;            // >= 0: a special token found in the text
    size_t offset, length;  // otherwise: a range of raw text
  };

  enum class Kind { Spm, Bpe, Wpm };

  void encode_spm(std::string_view text, std::vector<Token>& out) const;
  void encode_bpe(std::string_view text, std::vector<Token>& out) const;   // bpe.cpp
  std::string decode_bpe_piece(const std::string& piece) const;           // bpe.cpp
  void encode_wpm(std::string_view text, std::vector<Token>& out) const;   // wpm.cpp
  std::vector<std::string> wpm_words(std::string_view text) const;         // wpm.cpp
  Token byte_token(uint8_t byte) const;
  // The id of a vocabulary string, -1 when absent (a duplicated string maps
  // to its last id, as in llama.cpp).
  Token find(std::string_view piece) const;
  // Splits text on the strings of special tokens (longest first).
  std::vector<Fragment> partition(std::string_view text, bool parse_special) const;
  void check_id(Token id) const;

  std::string model_;
  Kind kind_ = Kind::Spm;
  std::shared_ptr<const BpeModel> bpe_;  // Kind::Bpe
  bool wpm_lowercase_ = true, wpm_strip_accents_ = true;  // Kind::Wpm
  size_t max_piece_bytes_ = 0;  // longest piece + 1 (WordPiece's search window)
  std::vector<std::string> pieces_;
  std::vector<float> scores_;
  std::vector<TokenType> types_;
  std::unordered_map<std::string, Token, PieceHash, std::equal_to<>> index_;
  std::vector<Token> byte_tokens_;  // byte value -> <0xNN> token, -1 if absent
  std::vector<Token> specials_;     // Control/UserDefined/Unknown, longest string first
  std::vector<Token> eog_;          // sorted ids for is_eog
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
