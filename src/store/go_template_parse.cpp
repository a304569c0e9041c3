// Go template syntax: the text is cut at {{ }} actions (with their - trim
// markers and /* */ comments), each action is lexed into items, and the
// items are parsed into go_template_ast.h's tree, as text/template/parse does.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

#include "core/error.h"
#include "store/go_template_ast.h"

namespace hearth::store::gotmpl {

namespace {

using Json = nlohmann::ordered_json;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

const std::set<std::string, std::less<>> kFunctions = {"and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge",
                                                      "len", "index", "slice", "print", "printf", "println", "json"};
// Go's other built-ins: real Go, but nothing ollama's templates need.
const std::set<std::string, std::less<>> kUnsupportedFunctions = {"html", "js", "urlquery", "call"};

enum class ItemType { Space, Field, Variable, Dot, Ident, String, Number, Bool, Nil, LParen, RParen, Pipe, Declare, Assign, Comma };

struct Item {
  ItemType type;
  std::string text;  // the field/variable/identifier name, or a string's decoded value
  Json value;        // Number and Bool
};

// One piece of the template: text, or an action's items.
struct Piece {
  bool action = false;
  int line = 0;
  std::string text;
  std::vector<Item> items;
};

class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {
    for (size_t i = 0; i < src_.size(); ++i)
      if (src_[i] == '\n') newlines_.push_back(i);
  }

  std::vector<Piece> pieces() {
    std::vector<Piece> out;
    size_t pos = 0;
    bool trim_next = false;
    while (pos <= src_.size()) {
      const size_t open = src_.find("{{", pos);
      std::string text(src_.substr(pos, open == std::string_view::npos ? std::string_view::npos : open - pos));
      if (trim_next) {
        const size_t keep = text.find_first_not_of(" \t\r\n");
        text.erase(0, keep == std::string::npos ? text.size() : keep);
      }
      if (open == std::string_view::npos) {
        if (!text.empty()) out.push_back({false, line_at(pos), std::move(text), {}});
        break;
      }
      size_t i = open + 2;
      if (i + 1 < src_.size() && src_[i] == '-' && is_space(src_[i + 1])) {
        const size_t keep = text.find_last_not_of(" \t\r\n");
        text.erase(keep == std::string::npos ? 0 : keep + 1);
        i += 2;
      }
      if (!text.empty()) out.push_back({false, line_at(pos), std::move(text), {}});
      Piece action{true, line_at(open), {}, {}};
      const size_t start = i;
      while (i < src_.size() && is_space(src_[i])) ++i;
      if (src_.substr(i, 2) == "/*") {
        const size_t end = src_.find("*/", i + 2);
        if (end == std::string_view::npos) fail_at(open, "unclosed comment");
        i = end + 2;
        if (src_.substr(i, 4) == " -}}") {
          trim_next = true;
          pos = i + 4;
        } else if (src_.substr(i, 2) == "}}") {
          trim_next = false;
          pos = i + 2;
        } else {
          fail_at(open, "comment ends before closing delimiter");
        }
        continue;
      }
      i = start;
      pos = lex_action(i, action.items, trim_next, open);
      out.push_back(std::move(action));
    }
    return out;
  }

 private:
  int line_at(size_t pos) const {
    return 1 + static_cast<int>(std::lower_bound(newlines_.begin(), newlines_.end(), pos) - newlines_.begin());
  }
  [[noreturn]] void fail_at(size_t pos, const std::string& what) const {
    fail("Go template, line ", line_at(pos), ": ", what);
  }

  // Lexes from i to the closing }}; returns the position after it.
  size_t lex_action(size_t i, std::vector<Item>& items, bool& trim_next, size_t open) {
    for (;;) {
      if (i >= src_.size()) fail_at(open, "unclosed action");
      const char c = src_[i];
      if (is_space(c)) {
        size_t j = i;
        while (j < src_.size() && is_space(src_[j])) ++j;
        if (src_.substr(j, 3) == "-}}") {
          trim_next = true;
          return j + 3;
        }
        items.push_back({ItemType::Space, "", {}});
        i = j;
        continue;
      }
      if (src_.substr(i, 2) == "}}") {
        trim_next = false;
        return i + 2;
      }
      if (c == '.' && i + 1 < src_.size() && is_alnum(src_[i + 1]) &&
          !std::isdigit(static_cast<unsigned char>(src_[i + 1]))) {
        size_t j = i + 1;
        while (j < src_.size() && is_alnum(src_[j])) ++j;
        items.push_back({ItemType::Field, std::string(src_.substr(i + 1, j - i - 1)), {}});
        i = j;
      } else if (c == '.' && !(i + 1 < src_.size() && std::isdigit(static_cast<unsigned char>(src_[i + 1])))) {
        items.push_back({ItemType::Dot, ".", {}});
        ++i;
      } else if (c == '$') {
        size_t j = i + 1;
        while (j < src_.size() && is_alnum(src_[j])) ++j;
        items.push_back({ItemType::Variable, std::string(src_.substr(i, j - i)), {}});
        i = j;
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t j = i;
        while (j < src_.size() && is_alnum(src_[j])) ++j;
        std::string word(src_.substr(i, j - i));
        if (word == "true" || word == "false") items.push_back({ItemType::Bool, word, Json(word == "true")});
        else if (word == "nil") items.push_back({ItemType::Nil, word, {}});
        else items.push_back({ItemType::Ident, word, {}});
        i = j;
      } else if (c == '"') {
        i = lex_quoted(i, items, open);
      } else if (c == '`') {
        const size_t end = src_.find('`', i + 1);
        if (end == std::string_view::npos) fail_at(open, "unterminated raw quoted string");
        items.push_back({ItemType::String, std::string(src_.substr(i + 1, end - i - 1)), {}});
        i = end + 1;
      } else if (c == '\'') {
        i = lex_char(i, items, open);
      } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '.' ||
                 ((c == '-' || c == '+') && i + 1 < src_.size() &&
                  (std::isdigit(static_cast<unsigned char>(src_[i + 1])) || src_[i + 1] == '.'))) {
        i = lex_number(i, items, open);
      } else if (c == '(') {
        items.push_back({ItemType::LParen, "(", {}});
        ++i;
      } else if (c == ')') {
        items.push_back({ItemType::RParen, ")", {}});
        ++i;
      } else if (c == '|') {
        items.push_back({ItemType::Pipe, "|", {}});
        ++i;
      } else if (c == ',') {
        items.push_back({ItemType::Comma, ",", {}});
        ++i;
      } else if (src_.substr(i, 2) == ":=") {
        items.push_back({ItemType::Declare, ":=", {}});
        i += 2;
      } else if (c == '=') {
        items.push_back({ItemType::Assign, "=", {}});
        ++i;
      } else {
        fail_at(i, cat("unexpected '", std::string(1, c), "' in an action"));
      }
    }
  }

  size_t lex_quoted(size_t i, std::vector<Item>& items, size_t open) {
    std::string out;
    size_t j = i + 1;
    for (;;) {
      if (j >= src_.size() || src_[j] == '\n') fail_at(open, "unterminated quoted string");
      const char c = src_[j];
      if (c == '"') break;
      if (c != '\\') {
        out += c;
        ++j;
        continue;
      }
      if (++j >= src_.size()) fail_at(open, "unterminated quoted string");
      j = unescape(j, out, open);
    }
    items.push_back({ItemType::String, std::move(out), {}});
    return j + 1;
  }

  size_t lex_char(size_t i, std::vector<Item>& items, size_t open) {
    std::string out;
    size_t j = i + 1;
    if (j < src_.size() && src_[j] == '\\') j = unescape(j + 1, out, open);
    else if (j < src_.size()) out += src_[j++];
    if (j >= src_.size() || src_[j] != '\'' || out.size() != 1) fail_at(open, "hearth reads only single-byte character constants");
    items.push_back({ItemType::Number, "'", Json(static_cast<int64_t>(static_cast<unsigned char>(out[0])))});
    return j + 1;
  }

  // After a backslash: appends the escaped character, returns the position after it.
  size_t unescape(size_t j, std::string& out, size_t open) {
    const char e = src_[j];
    switch (e) {
      case 'n': out += '\n'; return j + 1;
      case 't': out += '\t'; return j + 1;
      case 'r': out += '\r'; return j + 1;
      case 'a': out += '\a'; return j + 1;
      case 'b': out += '\b'; return j + 1;
      case 'f': out += '\f'; return j + 1;
      case 'v': out += '\v'; return j + 1;
      case '\\': out += '\\'; return j + 1;
      case '"': out += '"'; return j + 1;
      case '\'': out += '\''; return j + 1;
      case 'x': case 'u': case 'U': {
        const size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        if (j + n >= src_.size()) fail_at(open, "bad escape in a quoted string");
        const std::string hex(src_.substr(j + 1, n));
        char* end = nullptr;
        const unsigned long cp = std::strtoul(hex.c_str(), &end, 16);
        if (hex.size() != n || *end) fail_at(open, "bad escape in a quoted string");
        if (e == 'x') out += static_cast<char>(cp);
        else append_utf8(out, static_cast<uint32_t>(cp));
        return j + 1 + n;
      }
      default:
        if (e >= '0' && e <= '7' && j + 2 < src_.size()) {
          const std::string oct(src_.substr(j, 3));
          out += static_cast<char>(std::strtoul(oct.c_str(), nullptr, 8));
          return j + 3;
        }
        fail_at(open, cat("unknown escape sequence '\\", std::string(1, e), "'"));
    }
  }

  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  size_t lex_number(size_t i, std::vector<Item>& items, size_t open) {
    size_t j = i;
    if (src_[j] == '-' || src_[j] == '+') ++j;
    while (j < src_.size() && (is_alnum(src_[j]) || src_[j] == '.' ||
                               ((src_[j] == '-' || src_[j] == '+') && (src_[j - 1] == 'e' || src_[j - 1] == 'E'))))
      ++j;
    std::string text(src_.substr(i, j - i));
    std::string digits;
    for (char c : text)
      if (c != '_') digits += c;
    char* end = nullptr;
    const bool hex = digits.find("0x") != std::string::npos || digits.find("0X") != std::string::npos;
    if (!hex && digits.find_first_of(".eE") != std::string::npos) {
      const double v = std::strtod(digits.c_str(), &end);
      if (*end) fail_at(open, cat("bad number syntax: '", text, "'"));
      items.push_back({ItemType::Number, text, Json(v)});
    } else {
      const long long v = std::strtoll(digits.c_str(), &end, 0);
      if (*end) fail_at(open, cat("bad number syntax: '", text, "'"));
      items.push_back({ItemType::Number, text, Json(static_cast<int64_t>(v))});
    }
    return j;
  }

  std::string_view src_;
  std::vector<size_t> newlines_;  // positions, for line numbers
};

// Turns the pieces into the tree.
class Parser {
 public:
  explicit Parser(std::vector<Piece> pieces) : pieces_(std::move(pieces)) {}

  List parse_all() {
    vars_ = {"$"};
    std::string stop;
    List list = parse_list(stop);
    if (!stop.empty()) fail_line(stop_line_, cat("unexpected {{", stop, "}}"));
    return list;
  }

 private:
  [[noreturn]] void fail_line(int line, const std::string& what) const { fail("Go template, line ", line, ": ", what); }

  // Bounds the recursion: blocks and parentheses nested deeper than this are refused.
  struct Nesting {
    static constexpr int kMaxDepth = 200;
    explicit Nesting(Parser& p) : p(p) {
      if (++p.depth_ > kMaxDepth) p.fail_line(p.line_, "blocks or parentheses nested too deep");
    }
    ~Nesting() { --p.depth_; }
    Parser& p;
  };

  // Parses nodes until {{end}} or {{else ...}} (returned in stop, with the
  // items after the keyword left in rest_) or the end of the template.
  List parse_list(std::string& stop) {
    List list;
    while (next_ < pieces_.size()) {
      Piece& p = pieces_[next_++];
      if (!p.action) {
        Node n;
        n.kind = Node::Kind::Text;
        n.line = p.line;
        n.text = std::move(p.text);
        list.push_back(std::move(n));
        continue;
      }
      line_ = p.line;
      items_ = std::move(p.items);
      pos_ = 0;
      skip_space();
      const Item* first = peek();
      if (!first) fail_line(line_, "missing value for command");
      if (first->type == ItemType::Ident) {
        const std::string kw = first->text;  // a copy: parsing replaces items_
        if (kw == "end" || kw == "else") {
          ++pos_;
          stop = kw;
          stop_line_ = line_;
          if (kw == "end") expect_end("end");
          return list;
        }
        if (kw == "if" || kw == "range" || kw == "with") {
          ++pos_;
          list.push_back(parse_control(kw));
          continue;
        }
        if (kw == "break" || kw == "continue") {
          ++pos_;
          if (range_depth_ == 0) fail_line(line_, cat("{{", kw, "}} outside {{range}}"));
          expect_end(kw);
          Node n;
          n.kind = kw == "break" ? Node::Kind::Break : Node::Kind::Continue;
          n.line = line_;
          list.push_back(std::move(n));
          continue;
        }
        if (kw == "define" || kw == "template" || kw == "block")
          fail_line(line_, cat("the template uses {{", kw, "}}, which hearth does not support"));
      }
      Node n;
      n.kind = Node::Kind::Action;
      n.line = line_;
      n.pipe = parse_pipeline("command", false);
      list.push_back(std::move(n));
    }
    stop.clear();
    return list;
  }

  Node parse_control(const std::string kw) {
    const Nesting nest(*this);
    Node n;
    n.kind = kw == "if" ? Node::Kind::If : kw == "range" ? Node::Kind::Range : Node::Kind::With;
    n.line = line_;
    const size_t mark = vars_.size();
    n.pipe = parse_pipeline(kw, kw == "range");
    if (kw == "range") ++range_depth_;
    std::string stop;
    n.list = std::make_shared<List>(parse_list(stop));
    if (kw == "range") --range_depth_;
    if (stop.empty()) fail_line(n.line, cat("unexpected end of template: {{", kw, "}} has no {{end}}"));
    if (stop == "else") {
      skip_space();
      const Item* after = peek();
      if (after && after->type == ItemType::Ident && after->text == kw && kw != "range") {
        // {{else if ...}} is {{else}}{{if ...}}...{{end}}: one {{end}} closes both.
        const std::string inner = after->text;
        ++pos_;
        n.else_list = std::make_shared<List>();
        n.else_list->push_back(parse_control(inner));
      } else {
        expect_end("else");
        n.else_list = std::make_shared<List>(parse_list(stop));
        if (stop != "end") fail_line(n.line, cat("{{", kw, "}} has no {{end}} after its {{else}}"));
      }
    }
    vars_.resize(mark);
    return n;
  }

  Pipeline parse_pipeline(const std::string& context, bool range) {
    Pipeline pipe;
    pipe.line = line_;
    skip_space();
    // Declarations: $x := / $x = / (range) $i, $e :=
    const size_t save = pos_;
    if (const Item* v = peek(); v && v->type == ItemType::Variable) {
      ++pos_;
      skip_space();
      const Item* op = peek();
      if (op && (op->type == ItemType::Declare || op->type == ItemType::Assign)) {
        ++pos_;
        pipe.assign = op->type == ItemType::Assign;
        pipe.decls.push_back(v->text);
      } else if (op && op->type == ItemType::Comma && range) {
        ++pos_;
        skip_space();
        const Item* v2 = peek();
        if (!v2 || v2->type != ItemType::Variable) fail_line(line_, "range can only initialize variables");
        ++pos_;
        skip_space();
        const Item* op2 = peek();
        if (!op2 || (op2->type != ItemType::Declare && op2->type != ItemType::Assign))
          fail_line(line_, "expected := or = after the range variables");
        ++pos_;
        pipe.assign = op2->type == ItemType::Assign;
        pipe.decls = {v->text, v2->text};
      } else {
        pos_ = save;
      }
    }
    for (const std::string& d : pipe.decls) {
      if (pipe.assign) {
        if (!declared(d)) fail_line(line_, cat("undefined variable \"", d, "\""));
      } else {
        vars_.push_back(d);
      }
    }
    for (;;) {
      skip_space();
      const Item* it = peek();
      if (!it) break;
      if (it->type == ItemType::RParen) break;
      Command cmd = parse_command();
      pipe.cmds.push_back(std::move(cmd));
      skip_space();
      const Item* sep = peek();
      if (sep && sep->type == ItemType::Pipe) {
        ++pos_;
        continue;
      }
      break;
    }
    if (pipe.cmds.empty()) fail_line(line_, cat("missing value for ", context));
    for (size_t i = 1; i < pipe.cmds.size(); ++i) {
      const Arg& a = pipe.cmds[i].args[0];
      if (a.kind != Arg::Kind::Function && a.kind != Arg::Kind::Field)
        fail_line(line_, "non executable command in pipeline stage " + std::to_string(i + 1));
    }
    return pipe;
  }

  Command parse_command() {
    Command cmd;
    for (;;) {
      skip_space();
      const Item* it = peek();
      if (!it || it->type == ItemType::Pipe || it->type == ItemType::RParen) break;
      cmd.args.push_back(parse_operand());
    }
    if (cmd.args.empty()) fail_line(line_, "empty command");
    return cmd;
  }

  Arg parse_operand() {
    Arg a = parse_term();
    while (const Item* f = peek()) {
      if (f->type != ItemType::Field) break;
      if (a.kind == Arg::Kind::Literal || a.kind == Arg::Kind::Nil || a.kind == Arg::Kind::Function)
        fail_line(line_, "unexpected field after a value");
      if (a.kind == Arg::Kind::Dot) a.kind = Arg::Kind::Field;
      a.chain.push_back(f->text);
      ++pos_;
    }
    return a;
  }

  Arg parse_term() {
    const Item& it = items_[pos_++];
    Arg a;
    switch (it.type) {
      case ItemType::Field: a.kind = Arg::Kind::Field; a.chain = {it.text}; return a;
      case ItemType::Dot: a.kind = Arg::Kind::Dot; return a;
      case ItemType::Nil: a.kind = Arg::Kind::Nil; return a;
      case ItemType::Bool:
      case ItemType::Number: a.kind = Arg::Kind::Literal; a.literal = it.value; return a;
      case ItemType::String: a.kind = Arg::Kind::Literal; a.literal = it.text; return a;
      case ItemType::Variable:
        if (!declared(it.text)) fail_line(line_, cat("undefined variable \"", it.text, "\""));
        a.kind = Arg::Kind::Variable;
        a.name = it.text;
        return a;
      case ItemType::Ident:
        if (kFunctions.count(it.text)) {
          a.kind = Arg::Kind::Function;
          a.name = it.text;
          return a;
        }
        if (kUnsupportedFunctions.count(it.text))
          fail_line(line_, cat("the template calls the function '", it.text, "', which hearth does not support"));
        fail_line(line_, cat("function \"", it.text, "\" not defined"));
      case ItemType::LParen: {
        const Nesting nest(*this);
        a.kind = Arg::Kind::Sub;
        a.sub = std::make_shared<Pipeline>(parse_pipeline("parenthesized pipeline", false));
        skip_space();
        if (!peek() || peek()->type != ItemType::RParen) fail_line(line_, "unclosed left paren");
        ++pos_;
        return a;
      }
      default: fail_line(line_, cat("unexpected '", it.text, "' in an operand"));
    }
  }

  void expect_end(const std::string& kw) {
    skip_space();
    if (peek()) fail_line(line_, cat("unexpected '", peek()->text, "' in {{", kw, "}}"));
  }
  void skip_space() {
    while (pos_ < items_.size() && items_[pos_].type == ItemType::Space) ++pos_;
  }
  const Item* peek() const { return pos_ < items_.size() ? &items_[pos_] : nullptr; }
  bool declared(const std::string& v) const {
    for (const std::string& d : vars_)
      if (d == v) return true;
    return false;
  }

  std::vector<Piece> pieces_;
  size_t next_ = 0;
  std::vector<Item> items_;
  size_t pos_ = 0;
  int line_ = 1, stop_line_ = 1;
  int range_depth_ = 0;
  int depth_ = 0;
  std::vector<std::string> vars_;
};

}  // namespace

List parse(std::string_view source) { return Parser(Lexer(source).pieces()).parse_all(); }

std::string snake_case(std::string_view go) {
  std::string out;
  for (size_t i = 0; i < go.size(); ++i) {
    const char c = go[i];
    const bool upper = std::isupper(static_cast<unsigned char>(c));
    if (upper && i > 0) {
      const char prev = go[i - 1];
      const bool next_lower = i + 1 < go.size() && std::islower(static_cast<unsigned char>(go[i + 1]));
      if (std::islower(static_cast<unsigned char>(prev)) || std::isdigit(static_cast<unsigned char>(prev)) ||
          (std::isupper(static_cast<unsigned char>(prev)) && next_lower))
        out += '_';
    }
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace hearth::store::gotmpl
