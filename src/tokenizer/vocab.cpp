#include "tokenizer/vocab.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <variant>

#include "core/error.h"
#include "gguf/file.h"
#include "tokenizer/bpe.h"
#include "tokenizer/pretokenizer.h"

namespace hearth::tokenizer {

namespace {

constexpr std::string_view kSpaceMarker = "\xe2\x96\x81";  // U+2581 "▁"
// What llama.cpp prints for the unknown token: U+2585 "▅".
constexpr std::string_view kUnknownText = "\xe2\x96\x85";

// Pieces that mark the end of a turn in common chat templates. They end
// generation only where the vocabulary makes them Control tokens.
constexpr std::array<std::string_view, 5> kEndOfTurnPieces = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
};


// "<0xNN>" (hex digits in either case) -> NN, or -1.
int parse_byte_piece(std::string_view piece) {
  if (piece.size() != 6 || piece[0] != '<' || piece[1] != '0' || piece[2] != 'x' || piece[5] != '>')
    return -1;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  const int hi = hex(piece[3]), lo = hex(piece[4]);
  if (hi < 0 || lo < 0) return -1;
  return hi * 16 + lo;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(s.size());
  size_t pos = 0;
  while (true) {
    const size_t hit = s.find(from, pos);
    if (hit == std::string::npos) break;
    out.append(s, pos, hit - pos);
    out.append(to);
    pos = hit + from.size();
  }
  out.append(s, pos, std::string::npos);
  s = std::move(out);
}

}  // namespace

Vocab Vocab::from_gguf(const gguf::File& file) {
  Vocab v;
  // Messages name the file, as the GGUF reader's do.
  const std::string where = cat("'", file.path(), "': ");
  auto key_name = [&](std::string_view key) { return cat(where, key); };
  auto item_name = [&](std::string_view key, size_t i) { return cat(where, key, "[", i, "]"); };

  const std::optional<std::string> model = file.find_string("tokenizer.ggml.model");
  if (!model) fail(where, "the model has no tokenizer (tokenizer.ggml.model is missing)");
  if (*model == "llama") {
    v.kind_ = Kind::Spm;
  } else if (*model == "gpt2" || *model == "gemma4") {
    v.kind_ = Kind::Bpe;
  } else if (*model == "bert") {
    v.kind_ = Kind::Wpm;
  } else {
    fail(where, "unsupported tokenizer model '", *model, "'");
  }
  v.model_ = *model;

  // The pre-tokenizer first: an unsupported one is refused before the
  // vocabulary is read. Gemma 4's is implied by its model name.
  std::shared_ptr<const PreTokenizer> pre;
  if (v.kind_ == Kind::Bpe) {
    std::string pre_name = *model == "gemma4" ? std::string("gemma4")
                                              : file.find_string("tokenizer.ggml.pre").value_or("");
    try {
      pre = PreTokenizer::create(pre_name);
    } catch (const Error& e) {
      fail(where, e.what());
    }
  }

  // Tokens.
  const gguf::Value* tokens_value = file.find("tokenizer.ggml.tokens");
  if (!tokens_value) fail(where, "tokenizer.ggml.tokens is missing");
  const gguf::Array& tokens = tokens_value->as_array(key_name("tokenizer.ggml.tokens"));
  const size_t n = tokens.items.size();
  if (n == 0) fail(where, "tokenizer.ggml.tokens is empty");
  if (n > static_cast<size_t>(std::numeric_limits<Token>::max()))
    fail(where, "tokenizer.ggml.tokens has ", n, " entries, more than a token id can hold");
  v.pieces_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const std::string* text = std::get_if<std::string>(&tokens.items[i].data);
    std::string piece =
        text ? *text : tokens.items[i].as_string(item_name("tokenizer.ggml.tokens", i));
    // llama.cpp renames empty pieces so that they can never match text.
    if (piece.empty()) piece = cat("[EMPTY_", i, "]");
    v.pieces_.push_back(std::move(piece));
  }

  // Scores (optional, 0 when absent).
  v.scores_.assign(n, 0.0f);
  if (const gguf::Value* scores_value = file.find("tokenizer.ggml.scores")) {
    const gguf::Array& scores = scores_value->as_array(key_name("tokenizer.ggml.scores"));
    if (scores.items.size() != n)
      fail(where, "tokenizer.ggml.scores has ", scores.items.size(),
           " entries but tokenizer.ggml.tokens has ", n);
    for (size_t i = 0; i < n; ++i) {
      const gguf::Value& item = scores.items[i];
      const float* f = std::get_if<float>(&item.data);
      v.scores_[i] =
          f ? *f : static_cast<float>(item.as_double(item_name("tokenizer.ggml.scores", i)));
      // Merges are ranked by score; NaN has no rank.
      if (std::isnan(v.scores_[i])) fail(where, "tokenizer.ggml.scores[", i, "] is NaN");
    }
  }

  // Token types (optional, Normal when absent).
  v.types_.assign(n, TokenType::Normal);
  if (const gguf::Value* types_value = file.find("tokenizer.ggml.token_type")) {
    const gguf::Array& types = types_value->as_array(key_name("tokenizer.ggml.token_type"));
    if (types.items.size() != n)
      fail(where, "tokenizer.ggml.token_type has ", types.items.size(),
           " entries but tokenizer.ggml.tokens has ", n);
    for (size_t i = 0; i < n; ++i) {
      const gguf::Value& item = types.items[i];
      const int32_t* i32 = std::get_if<int32_t>(&item.data);
      const int64_t t = i32 ? *i32 : item.as_int(item_name("tokenizer.ggml.token_type", i));
      if (t < 0 || t > static_cast<int64_t>(TokenType::Byte))
        fail(where, "tokenizer.ggml.token_type[", i, "] is ", t, ", expected 0..6");
      v.types_[i] = static_cast<TokenType>(t);
    }
  }

  // String -> id. A duplicated string maps to its last id (llama.cpp's map
  // assignment keeps the last).
  v.index_.reserve(n);
  for (size_t i = 0; i < n; ++i) v.index_[v.pieces_[i]] = static_cast<Token>(i);

  // Byte tokens must spell their byte.
  for (size_t i = 0; i < n; ++i) {
    if (v.types_[i] == TokenType::Byte && parse_byte_piece(v.pieces_[i]) < 0)
      fail(where, "token ", i, " has type byte but its text '", v.pieces_[i],
           "' is not of the form <0xNN>");
  }

  // Special ids, with llama.cpp's defaults per model: SentencePiece unk 0,
  // bos 1, eos 2; byte-level BPE bos = eos = 11, no unk; Gemma 4 none;
  // WordPiece [CLS] 101, [SEP] 102, [UNK] 100. A default outside the
  // vocabulary means none. A stored 0xFFFFFFFF (or a negative value) means
  // "none".
  auto read_id = [&](const char* key, Token fallback, bool strict) -> Token {
    const gguf::Value* value = file.find(key);
    if (!value) return fallback >= 0 && static_cast<size_t>(fallback) < n ? fallback : -1;
    const int64_t id = value->as_int(key_name(key));
    if (id < 0 || id == 0xFFFFFFFFll) return -1;
    if (static_cast<uint64_t>(id) >= n) {
      if (!strict) return -1;
      fail(where, key, " is ", id, " but the vocabulary has only ", n, " tokens");
    }
    return static_cast<Token>(id);
  };
  Token default_bos = 1, default_eos = 2, default_unk = 0;
  bool default_add_bos = true, default_add_eos = false;
  switch (v.kind_) {
    case Kind::Spm:
      break;
    case Kind::Bpe: {
      const PreTokenizerTraits& traits = pre->traits();
      default_bos = default_eos = *model == "gemma4" ? -1 : 11;
      if (traits.no_default_bos) default_bos = -1;
      default_unk = -1;
      default_add_bos = traits.add_bos.value_or(false);
      break;
    }
    case Kind::Wpm:
      default_bos = read_id("tokenizer.ggml.cls_token_id", 101, true);
      default_eos = read_id("tokenizer.ggml.seperator_token_id", 102, true);
      default_unk = 100;
      default_add_eos = file.get_bool_or("tokenizer.ggml.add_sep_token", true);
      break;
  }
  v.bos_ = read_id("tokenizer.ggml.bos_token_id", default_bos, true);
  v.eos_ = read_id("tokenizer.ggml.eos_token_id", default_eos, true);
  v.unk_ = read_id("tokenizer.ggml.unknown_token_id", default_unk, true);
  v.eot_ = read_id("tokenizer.ggml.eot_token_id", -1, true);
  // The padding id is never used for inference; some converted models store
  // one past the vocabulary (llama.cpp warns and ignores it), so do we.
  v.pad_ = read_id("tokenizer.ggml.padding_token_id", -1, false);

  v.add_bos_ = file.get_bool_or("tokenizer.ggml.add_bos_token", default_add_bos);
  v.add_eos_ = v.kind_ == Kind::Wpm ? default_add_eos
                                    : file.get_bool_or("tokenizer.ggml.add_eos_token", default_add_eos);
  // add_space_prefix matters to SentencePiece only.
  v.add_space_prefix_ =
      v.kind_ == Kind::Spm && file.get_bool_or("tokenizer.ggml.add_space_prefix", true);

  if (v.kind_ == Kind::Bpe) {
    // Gemma 4 always starts with BOS (llama.cpp overrides the file).
    if (pre->traits().force_add_bos) v.add_bos_ = true;
    auto bpe = std::make_shared<BpeModel>();
    bpe->pre = std::move(pre);
    const gguf::Value* merges_value = file.find("tokenizer.ggml.merges");
    if (!merges_value) fail(where, "tokenizer.ggml.merges is missing (a BPE vocabulary needs it)");
    const gguf::Array& merges = merges_value->as_array(key_name("tokenizer.ggml.merges"));
    if (merges.items.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
      fail(where, "tokenizer.ggml.merges has ", merges.items.size(), " entries, too many");
    bpe->ranks.reserve(merges.items.size());
    for (size_t i = 0; i < merges.items.size(); ++i) {
      const std::string* text = std::get_if<std::string>(&merges.items[i].data);
      const std::string merge =
          text ? *text : merges.items[i].as_string(item_name("tokenizer.ggml.merges", i));
      bpe->ranks.add(merge, static_cast<int32_t>(i));
    }
    v.bpe_ = std::move(bpe);
  }
  if (v.kind_ == Kind::Wpm) {
    v.wpm_lowercase_ = file.get_bool_or("tokenizer.ggml.normalizer.lowercase", true);
    v.wpm_strip_accents_ =
        file.get_bool_or("tokenizer.ggml.normalizer.strip_accents", v.wpm_lowercase_);
    size_t longest = 0;
    for (const std::string& p : v.pieces_) longest = std::max(longest, p.size());
    v.max_piece_bytes_ = longest + 1;
  }

  // Byte fallback table: "<0xNN>", else the one-byte string itself (as
  // llama.cpp), else -1 (the unknown token is used then).
  v.byte_tokens_.assign(256, -1);
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    Token id = v.find(buf);
    if (id < 0) id = v.find(std::string(1, static_cast<char>(b)));
    v.byte_tokens_[b] = id;
  }

  // Tokens that text can name directly: Control, UserDefined and Unknown, the
  // longest first so that a longer token wins over one it contains.
  for (size_t i = 0; i < n; ++i) {
    const TokenType t = v.types_[i];
    if (t == TokenType::Control || t == TokenType::UserDefined || t == TokenType::Unknown)
      v.specials_.push_back(static_cast<Token>(i));
  }
  std::stable_sort(v.specials_.begin(), v.specials_.end(), [&](Token a, Token b) {
    return v.pieces_[a].size() > v.pieces_[b].size();
  });

  // End of generation: EOS, EOT, and Control tokens spelling a common
  // end-of-turn marker. When the file names no EOT, the first such marker
  // (in kEndOfTurnPieces order) becomes it.
  for (std::string_view marker : kEndOfTurnPieces) {
    const Token id = v.find(marker);
    if (id < 0 || v.types_[id] != TokenType::Control) continue;
    if (v.eot_ < 0) v.eot_ = id;
    v.eog_.push_back(id);
  }
  if (v.eos_ >= 0) v.eog_.push_back(v.eos_);
  if (v.eot_ >= 0) v.eog_.push_back(v.eot_);
  std::sort(v.eog_.begin(), v.eog_.end());
  v.eog_.erase(std::unique(v.eog_.begin(), v.eog_.end()), v.eog_.end());

  return v;
}

Token Vocab::find(std::string_view piece) const {
  auto it = index_.find(piece);
  return it == index_.end() ? -1 : it->second;
}

void Vocab::check_id(Token id) const {
  if (id < 0 || id >= size())
    fail("token id ", id, " is out of range (vocabulary of ", size(), ")");
}

bool Vocab::is_eog(Token id) const { return std::binary_search(eog_.begin(), eog_.end(), id); }

TokenType Vocab::type(Token id) const {
  check_id(id);
  return types_[id];
}

const std::string& Vocab::piece(Token id) const {
  check_id(id);
  return pieces_[id];
}

Token Vocab::byte_token(uint8_t byte) const {
  const Token id = byte_tokens_[byte];
  if (id >= 0) return id;
  if (unk_ >= 0) return unk_;
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", byte);
  fail("cannot encode byte ", hex,
       ": the vocabulary has neither a byte token nor an unknown token");
}

std::vector<Vocab::Fragment> Vocab::partition(std::string_view text, bool parse_special) const {
  std::vector<Fragment> fragments{{-1, 0, text.size()}};
  std::vector<Fragment> next;
  // As llama.cpp: each special token in turn (longest first) splits every
  // raw-text fragment at all its non-overlapping occurrences, left to right.
  // Without parse_special only user-defined tokens are split out.
  for (Token id : specials_) {
    if (!parse_special && types_[id] != TokenType::UserDefined) continue;
    const std::string& s = pieces_[id];
    bool any = false;
    for (const Fragment& f : fragments) {
      if (f.token >= 0 || f.length < s.size() ||
          text.substr(f.offset, f.length).find(s) == std::string_view::npos) {
        continue;
      }
      any = true;
      break;
    }
    if (!any) continue;
    next.clear();
    for (const Fragment& f : fragments) {
      if (f.token >= 0) {
        next.push_back(f);
        continue;
      }
      const std::string_view raw = text.substr(f.offset, f.length);
      size_t pos = 0;
      while (true) {
        const size_t hit = raw.find(s, pos);
        if (hit == std::string_view::npos) break;
        if (hit > pos) next.push_back({-1, f.offset + pos, hit - pos});
        next.push_back({id, 0, 0});
        pos = hit + s.size();
      }
      if (pos < raw.size()) next.push_back({-1, f.offset + pos, raw.size() - pos});
    }
    fragments.swap(next);
  }
  return fragments;
}

std::vector<Token> Vocab::encode(std::string_view text, bool add_bos, bool parse_special) const {
  std::vector<Token> out;
  if (add_bos && bos_ >= 0) out.push_back(bos_);
  if (text.empty()) return out;  // no fragments at all: not even the space prefix

  const std::vector<Fragment> fragments = partition(text, parse_special);
  if (kind_ != Kind::Spm) {
    // BPE and WordPiece: each raw-text fragment on its own, no space prefix.
    for (const Fragment& f : fragments) {
      if (f.token >= 0) {
        out.push_back(f.token);
      } else if (kind_ == Kind::Bpe) {
        encode_bpe(text.substr(f.offset, f.length), out);
      } else {
        encode_wpm(text.substr(f.offset, f.length), out);
      }
    }
    return out;
  }

  // llama.cpp's SPM rule: a raw-text fragment gets the space prefix when it
  // is the first fragment or follows a special token.
  bool after_special = true;
  std::string buffer;
  for (const Fragment& f : fragments) {
    if (f.token >= 0) {
      out.push_back(f.token);
      after_special = true;
      continue;
    }
    buffer.clear();
    if (add_space_prefix_ && after_special) buffer.push_back(' ');
    buffer.append(text.substr(f.offset, f.length));
    replace_all(buffer, " ", kSpaceMarker);
    encode_spm(buffer, out);
    after_special = false;
  }
  return out;
}

std::string Vocab::decode_token(Token id, bool render_special) const {
  check_id(id);
  const std::string& p = pieces_[id];
  switch (types_[id]) {
    case TokenType::Normal: {
      if (kind_ == Kind::Bpe) return decode_bpe_piece(p);
      std::string s = p;
      replace_all(s, kSpaceMarker, " ");
      return s;
    }
    case TokenType::Byte:
      return std::string(1, static_cast<char>(parse_byte_piece(p)));
    case TokenType::Control:
      return render_special ? p : std::string();
    case TokenType::UserDefined:
      return p;
    case TokenType::Unknown:
      return std::string(kUnknownText);
    case TokenType::Undefined:
    case TokenType::Unused:
      break;
  }
  return {};
}

std::string Vocab::decode(std::span<const Token> ids, bool render_special) const {
  std::string out;
  for (Token id : ids) out += decode_token(id, render_special);
  return out;
}

}  // namespace hearth::tokenizer
