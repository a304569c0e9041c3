#include "chat/lexer.h"

#include <cerrno>
#include <cstdlib>

#include "chat/errors.h"
#include "chat/unicode.h"

namespace hearth::chat {
namespace {

// jinja2 turns \r\n and \r into \n and, without keep_trailing_newline, drops
// one trailing newline.
std::string normalize_newlines(std::string_view src) {
  std::string out;
  out.reserve(src.size());
  for (size_t i = 0; i < src.size(); ++i) {
    if (src[i] == '\r') {
      out += '\n';
      if (i + 1 < src.size() && src[i + 1] == '\n') ++i;
    } else {
      out += src[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

class Lexer {
 public:
  explicit Lexer(std::string_view source) : src_(normalize_newlines(source)) {}

  std::vector<Token> run() {
    const size_t n = src_.size();
    while (pos_ < n) {
      const size_t tag = find_tag(pos_);
      if (tag == std::string::npos) {
        emit_data(src_.substr(pos_), line_);
        line_ += count_newlines(pos_, n);
        pos_ = n;
        break;
      }
      const char kind = src_[tag + 1];  // '{', '%' or '#'
      size_t after = tag + 2;
      char sign = 0;
      if (after < n && (src_[after] == '-' || src_[after] == '+')) sign = src_[after++];

      size_t raw_body = std::string::npos;
      if (kind == '%') raw_body = match_raw_begin(after);

      std::string text = src_.substr(pos_, tag - pos_);
      strip_text(text, sign, kind != '{');
      emit_data(text, line_);
      line_ += count_newlines(pos_, tag);
      pos_ = tag;

      if (kind == '#') {
        comment(after);
      } else if (raw_body != std::string::npos) {
        raw(tag, raw_body);
      } else {
        tag_contents(kind == '%', after);
      }
    }
    tokens_.push_back(Token{Tok::Eof, line_, {}, 0, 0});
    return std::move(tokens_);
  }

 private:
  std::string src_;
  size_t pos_ = 0;
  int line_ = 1;
  bool line_starting_ = true;
  std::vector<Token> tokens_;

  int count_newlines(size_t from, size_t to) const {
    int k = 0;
    for (size_t i = from; i < to; ++i) k += src_[i] == '\n';
    return k;
  }

  size_t find_tag(size_t from) const {
    for (size_t t = src_.find('{', from); t != std::string::npos; t = src_.find('{', t + 1)) {
      if (t + 1 < src_.size()) {
        const char c = src_[t + 1];
        if (c == '{' || c == '%' || c == '#') return t;
      }
    }
    return std::string::npos;
  }

  // Length of the Python whitespace character at i (0 if none).
  size_t space_at(size_t i) const {
    const auto c = static_cast<unsigned char>(src_[i]);
    if (c < 0x80) return unicode::is_space(c) ? 1 : 0;
    size_t j = i;
    return unicode::is_space(unicode::next(src_, j)) ? j - i : 0;
  }

  size_t skip_spaces(size_t i) const {
    while (i < src_.size()) {
      const size_t k = space_at(i);
      if (!k) break;
      i += k;
    }
    return i;
  }

  static bool all_space(std::string_view s) {
    if (s.empty()) return false;
    for (size_t i = 0; i < s.size();)
      if (!unicode::is_space(unicode::next(s, i))) return false;
    return true;
  }

  static void rstrip(std::string& s) {
    size_t keep = 0;
    for (size_t i = 0; i < s.size();)
      if (!unicode::is_space(unicode::next(s, i))) keep = i;
    s.resize(keep);
  }

  // Whitespace control for the text before a tag: '-' strips all whitespace
  // before it; otherwise lstrip_blocks removes the spaces and tabs between
  // the start of the line and a block or comment tag.
  void strip_text(std::string& text, char sign, bool block_or_comment) const {
    if (sign == '-') {
      rstrip(text);
    } else if (sign != '+' && block_or_comment) {
      const size_t nl = text.rfind('\n');
      const size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
      if ((l_pos > 0 || line_starting_) && all_space(std::string_view(text).substr(l_pos))) text.resize(l_pos);
    }
  }

  void emit_data(const std::string& text, int line) {
    if (!text.empty()) tokens_.push_back(Token{Tok::Data, line, text, 0, 0});
  }

  // "{% raw %}" (the opener already consumed up to after): returns where the
  // raw body starts, or npos when this is not a raw tag.
  size_t match_raw_begin(size_t after) const {
    size_t p = skip_spaces(after);
    if (src_.compare(p, 3, "raw") != 0) return std::string::npos;
    p = skip_spaces(p + 3);
    if (src_.compare(p, 3, "-%}") == 0) return skip_spaces(p + 3);
    if (src_.compare(p, 2, "%}") == 0) return p + 2;  // no trim_blocks newline removal here
    return std::string::npos;
  }

  // After a block end: '-' skips all whitespace, '+' nothing, plain trims one newline.
  size_t block_end_suffix(size_t end, char sign) const {
    if (sign == '-') return skip_spaces(end);
    if (sign == '+') return end;
    if (end < src_.size() && src_[end] == '\n') return end + 1;  // trim_blocks
    return end;
  }

  void finish_tag(size_t end) {
    line_ += count_newlines(pos_, end);
    line_starting_ = end > 0 && src_[end - 1] == '\n';
    pos_ = end;
  }

  void comment(size_t body) {
    const size_t q = src_.find("#}", body);
    if (q == std::string::npos) syntax_fail(line_, "missing end of comment tag");
    char sign = 0;
    if (q > body && (src_[q - 1] == '-' || src_[q - 1] == '+')) sign = src_[q - 1];
    finish_tag(block_end_suffix(q + 2, sign));
  }

  void raw(size_t tag, size_t body) {
    line_ += count_newlines(tag, body);
    line_starting_ = body > 0 && src_[body - 1] == '\n';
    for (size_t k = src_.find("{%", body); k != std::string::npos; k = src_.find("{%", k + 1)) {
      size_t p = k + 2;
      char sign = 0;
      if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) sign = src_[p++];
      p = skip_spaces(p);
      if (src_.compare(p, 6, "endraw") != 0) continue;
      p = skip_spaces(p + 6);
      char end_sign = 0;
      if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) end_sign = src_[p++];
      if (src_.compare(p, 2, "%}") != 0) continue;
      std::string text = src_.substr(body, k - body);
      strip_text(text, sign, true);
      emit_data(text, line_);
      pos_ = body;
      finish_tag(block_end_suffix(p + 2, end_sign));
      return;
    }
    syntax_fail(line_, "missing end of raw directive");
  }

  void tag_contents(bool block, size_t p) {
    const int start_line = line_;
    tokens_.push_back(Token{block ? Tok::BlockBegin : Tok::VarBegin, line_, {}, 0, 0});
    int line = line_ + count_newlines(pos_, p);
    std::vector<char> balance;
    const size_t n = src_.size();
    for (;;) {
      if (p >= n) syntax_fail(start_line, block ? "unexpected end of template, expected '%}'"
                                                : "unexpected end of template, expected '}}'");
      if (balance.empty()) {
        size_t end = std::string::npos;
        if (block) {
          if (src_.compare(p, 3, "+%}") == 0) end = p + 3;
          else if (src_.compare(p, 3, "-%}") == 0) end = block_end_suffix(p + 3, '-');
          else if (src_.compare(p, 2, "%}") == 0) end = block_end_suffix(p + 2, 0);
        } else {
          if (src_.compare(p, 3, "-}}") == 0) end = skip_spaces(p + 3);
          else if (src_.compare(p, 2, "}}") == 0) end = p + 2;
        }
        if (end != std::string::npos) {
          tokens_.push_back(Token{block ? Tok::BlockEnd : Tok::VarEnd, line, {}, 0, 0});
          finish_tag(end);
          return;
        }
      }
      if (const size_t k = space_at(p)) {
        line += src_[p] == '\n';
        p += k;
        continue;
      }
      const char c = src_[p];
      if (is_digit(c)) {
        p = number(p, line);
        continue;
      }
      if (is_name_start(c)) {
        size_t e = p + 1;
        while (e < n && is_name_char(src_[e])) ++e;
        tokens_.push_back(Token{Tok::Name, line, src_.substr(p, e - p), 0, 0});
        p = e;
        continue;
      }
      if (c == '\'' || c == '"') {
        p = string(p, line);
        continue;
      }
      static const char* const two[] = {"//", "**", "==", "!=", ">=", "<="};
      bool matched = false;
      for (const char* op : two) {
        if (src_.compare(p, 2, op) == 0) {
          tokens_.push_back(Token{Tok::Op, line, op, 0, 0});
          p += 2;
          matched = true;
          break;
        }
      }
      if (matched) continue;
      if (std::string_view("+-/*%~[](){}><=.:|,;").find(c) != std::string_view::npos) {
        if (c == '(' || c == '[' || c == '{') {
          balance.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
        } else if (c == ')' || c == ']' || c == '}') {
          if (balance.empty()) syntax_fail(line, cat("unexpected '", c, "'"));
          if (balance.back() != c) syntax_fail(line, cat("unexpected '", c, "', expected '", balance.back(), "'"));
          balance.pop_back();
        }
        tokens_.push_back(Token{Tok::Op, line, std::string(1, c), 0, 0});
        ++p;
        continue;
      }
      std::string ch;
      size_t j = p;
      unicode::append_utf8(ch, unicode::next(src_, j));
      syntax_fail(line, cat("unexpected character '", ch, "'"));
    }
  }

  // \d+(_\d+)*: returns the end, or npos when no digit is at p.
  size_t digits(size_t p) const {
    if (p >= src_.size() || !is_digit(src_[p])) return std::string::npos;
    while (p < src_.size()) {
      if (is_digit(src_[p])) {
        ++p;
      } else if (src_[p] == '_' && p + 1 < src_.size() && is_digit(src_[p + 1])) {
        p += 2;
      } else {
        break;
      }
    }
    return p;
  }

  static std::string without_underscores(std::string_view s) {
    std::string out;
    for (char c : s)
      if (c != '_') out += c;
    return out;
  }

  size_t number(size_t p, int line) {
    const size_t n = src_.size();
    // Float: digits, then a fraction and/or an exponent (not right after a '.').
    if (p == 0 || src_[p - 1] != '.') {
      const size_t int_end = digits(p);
      size_t end = int_end;
      bool is_float = false;
      if (end + 1 < n && src_[end] == '.' && is_digit(src_[end + 1])) {
        end = digits(end + 1);
        is_float = true;
      }
      if (end < n && (src_[end] == 'e' || src_[end] == 'E')) {
        size_t s = end + 1;
        if (s < n && (src_[s] == '+' || src_[s] == '-')) ++s;
        const size_t exp_end = digits(s);
        if (exp_end != std::string::npos) {
          end = exp_end;
          is_float = true;
        }
      }
      if (is_float) {
        const std::string text = without_underscores(std::string_view(src_).substr(p, end - p));
        tokens_.push_back(Token{Tok::Float, line, text, 0, std::strtod(text.c_str(), nullptr)});
        return end;
      }
    }
    // Integer: 0b / 0o / 0x prefixes, [1-9](_?\d)*, or 0(_?0)*.
    int base = 10;
    size_t start = p, end = p;
    auto lower = [](char c) { return static_cast<char>(c | 0x20); };
    if (src_[p] == '0' && p + 1 < n && (lower(src_[p + 1]) == 'b' || lower(src_[p + 1]) == 'o' || lower(src_[p + 1]) == 'x')) {
      const char kind = lower(src_[p + 1]);
      base = kind == 'b' ? 2 : kind == 'o' ? 8 : 16;
      auto ok = [&](char c) {
        if (base == 2) return c == '0' || c == '1';
        if (base == 8) return c >= '0' && c <= '7';
        return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f');
      };
      size_t q = p + 2;
      for (;;) {
        if (q < n && ok(src_[q])) {
          ++q;
        } else if (q + 1 < n && src_[q] == '_' && ok(src_[q + 1])) {
          q += 2;
        } else {
          break;
        }
      }
      if (q > p + 2) {
        start = p + 2;
        end = q;
      } else {
        base = 10;
      }
    }
    if (base == 10) {
      if (src_[p] == '0') {
        end = p + 1;
        for (;;) {
          if (end < n && src_[end] == '0') ++end;
          else if (end + 1 < n && src_[end] == '_' && src_[end + 1] == '0') end += 2;
          else break;
        }
      } else {
        end = digits(p);
      }
    }
    const std::string digits_text = without_underscores(std::string_view(src_).substr(start, end - start));
    errno = 0;
    const long long v = std::strtoll(digits_text.c_str(), nullptr, base);
    if (errno == ERANGE) syntax_fail(line, "integer literal too large");
    tokens_.push_back(Token{Tok::Int, line, src_.substr(p, end - p), v, 0});
    return end;
  }

  static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // A quoted string with Python's escapes (jinja2 decodes literals with
  // Python's unicode-escape codec).
  size_t string(size_t p, int& line) {
    const char quote = src_[p];
    const int start_line = line;
    std::string value;
    size_t i = p + 1;
    const size_t n = src_.size();
    for (;;) {
      if (i >= n) syntax_fail(start_line, "unterminated string literal");
      const char c = src_[i];
      if (c == quote) break;
      if (c == '\n') ++line;
      if (c != '\\') {
        value += c;
        ++i;
        continue;
      }
      if (i + 1 >= n) syntax_fail(start_line, "unterminated string literal");
      const char e = src_[i + 1];
      i += 2;
      switch (e) {
        case '\n': ++line; break;
        case '\\': value += '\\'; break;
        case '\'': value += '\''; break;
        case '"': value += '"'; break;
        case 'a': value += '\a'; break;
        case 'b': value += '\b'; break;
        case 'f': value += '\f'; break;
        case 'n': value += '\n'; break;
        case 'r': value += '\r'; break;
        case 't': value += '\t'; break;
        case 'v': value += '\v'; break;
        case 'x':
        case 'u':
        case 'U': {
          const int len = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          uint32_t cp = 0;
          for (int k = 0; k < len; ++k) {
            const int h = i < n ? hex_value(src_[i]) : -1;
            if (h < 0) syntax_fail(line, cat("truncated \\", e, " escape in string literal"));
            cp = cp * 16 + static_cast<uint32_t>(h);
            ++i;
          }
          if (cp > 0x10ffff) syntax_fail(line, "illegal Unicode character in string literal");
          unicode::append_utf8(value, cp);
          break;
        }
        case 'N': syntax_fail(line, "\\N{...} escapes are not supported");
        default:
          if (e >= '0' && e <= '7') {
            uint32_t cp = static_cast<uint32_t>(e - '0');
            for (int k = 0; k < 2 && i < n && src_[i] >= '0' && src_[i] <= '7'; ++k) cp = cp * 8 + (src_[i++] - '0');
            unicode::append_utf8(value, cp);
          } else {
            value += '\\';
            value += e;
          }
      }
    }
    tokens_.push_back(Token{Tok::String, start_line, std::move(value), 0, 0});
    return i + 1;
  }
};

}  // namespace

std::vector<Token> tokenize(std::string_view source) { return Lexer(source).run(); }

}  // namespace hearth::chat
