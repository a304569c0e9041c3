#pragma once
// Splits template source into tokens the way jinja2's lexer does when
// configured as Hugging Face transformers configures it: trim_blocks and
// lstrip_blocks on, keep_trailing_newline off, default delimiters. Whitespace
// control ({%- -%} {{- -}} {#- -#} and the + forms), comments and raw blocks
// are resolved here, so the parser sees only text and tag contents.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::chat {

enum class Tok : uint8_t {
  Data,        // literal template text
  VarBegin,    // {{
  VarEnd,      // }}
  BlockBegin,  // {%
  BlockEnd,    // %}
  Name,
  String,      // text holds the unescaped value
  Int,
  Float,
  Op,          // text holds the operator: + - * / // % ** ~ == != < <= > >= = . : | , ; ( ) [ ] { }
  Eof,
};

struct Token {
  Tok type = Tok::Eof;
  int line = 1;
  std::string text;
  int64_t int_value = 0;
  double float_value = 0;

  bool is_op(std::string_view op) const { return type == Tok::Op && text == op; }
  bool is_name(std::string_view name) const { return type == Tok::Name && text == name; }
};

// Throws TemplateError (with the line) for unterminated tags, comments, raw
// blocks and strings, unbalanced brackets and characters outside the language.
std::vector<Token> tokenize(std::string_view source);

}  // namespace hearth::chat
