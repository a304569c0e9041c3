// Reading Modelfiles: instructions line by line, quoted values across lines.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>

#include "chat/template.h"
#include "core/error.h"
#include "store/go_template.h"
#include "store/modelfile.h"
#include "store/parameters.h"

namespace hearth::store {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  return s;
}

std::string_view trim(std::string_view s) {
  s = trim_left(s);
  while (!s.empty() && (is_blank(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool starts_quoted(std::string_view value) { return !value.empty() && value.front() == '"'; }

// Walks the text, handing out logical lines: an instruction word and its
// value, the value possibly quoted across physical lines.
class Reader {
 public:
  Reader(std::string_view text, const std::string& source) : text_(text), source_(source) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") text_.remove_prefix(3);  // a UTF-8 byte order mark
  }

  [[noreturn]] void error(int line, const std::string& problem) const { fail(source_, ":", line, ": ", problem); }

  bool at_end() const { return pos_ >= text_.size(); }
  int line() const { return line_; }

  // The next physical line, without its line ending, consumed.
  std::string_view take_line() {
    const size_t end = std::min(text_.find('\n', pos_), text_.size());
    std::string_view out = text_.substr(pos_, end - pos_);
    pos_ = end < text_.size() ? end + 1 : end;
    ++line_;
    if (!out.empty() && out.back() == '\r') out.remove_suffix(1);
    return out;
  }

  // A value starting at `first` (the rest of the instruction's line): bare,
  // or quoted with `quote` (" or """) up to a closing quote that ends a line.
  std::string value(std::string_view first, int start_line) {
    first = trim_left(first);
    if (!starts_quoted(first)) return std::string(trim(first));
    const std::string_view quote = first.substr(0, 3) == "\"\"\"" ? "\"\"\"" : first.substr(0, 1) == "\"" ? "\"" : "";
    std::string out;
    std::string_view rest = first.substr(quote.size());
    for (;;) {
      if (auto close = closing(rest, quote)) return out + std::string(rest.substr(0, *close));
      out += rest;
      if (at_end()) error(start_line, cat("the value opened with ", quote, " is never closed"));
      out += '\n';
      rest = take_line();
    }
  }

 private:
  // Where a closing quote starts in this line: the first occurrence followed
  // by nothing but blanks.
  static std::optional<size_t> closing(std::string_view line, std::string_view quote) {
    for (size_t at = line.find(quote); at != std::string_view::npos; at = line.find(quote, at + 1)) {
      std::string_view after = line.substr(at + quote.size());
      if (std::all_of(after.begin(), after.end(), is_blank)) return at;
    }
    return std::nullopt;
  }

  std::string_view text_;
  const std::string& source_;
  size_t pos_ = 0;
  int line_ = 0;
};

// Splits "word rest" at the first run of blanks; rest keeps its end, which
// may open a quoted value.
std::pair<std::string_view, std::string_view> split_word(std::string_view s) {
  s = trim_left(s);
  size_t end = 0;
  while (end < s.size() && !is_blank(s[end])) ++end;
  return {s.substr(0, end), trim_left(s.substr(end))};
}

const char* kInstructions = "FROM, PARAMETER, TEMPLATE, SYSTEM, MESSAGE, LICENSE or ADAPTER";

}  // namespace

void check_chat_template(std::string_view source) {
  const bool go = is_go_template(source);
  try {
    if (go) (void)GoTemplate::parse(source);
    else (void)chat::Template::parse(source);
  } catch (const Error& e) {
    fail("the TEMPLATE is not a ", go ? "Go" : "Jinja", " chat template hearth can run: ", e.what());
  }
}

Modelfile Modelfile::parse(std::string_view text, const std::string& source) {
  Modelfile mf;
  Reader in(text, source);
  bool has_from = false;
  while (!in.at_end()) {
    std::string_view raw = in.take_line();
    const int line = in.line();
    if (trim(raw).empty() || trim(raw).front() == '#') continue;
    auto [word, rest] = split_word(raw);
    const std::string instruction = lower(word);
    if (!std::all_of(word.begin(), word.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }))
      in.error(line, cat("'", word, "' is not an instruction (use ", kInstructions, ")"));
    try {
      if (instruction == "parameter") {
        auto [name, value_start] = split_word(rest);
        if (name.empty()) in.error(line, "PARAMETER needs a name and a value");
        if (trim(value_start).empty()) in.error(line, cat("PARAMETER ", name, " needs a value"));
        const std::string value = in.value(value_start, line);
        const std::string key = lower(name);
        if (is_deprecated_parameter(key)) {
          mf.warnings.push_back(cat(source, ":", line, ": parameter ", key, " is deprecated and ignored"));
          continue;
        }
        add_parameter(mf.parameters, key, value);
        continue;
      }
      if (instruction == "message") {
        auto [role, value_start] = split_word(rest);
        const std::string r = lower(role);
        if (r != "system" && r != "user" && r != "assistant")
          in.error(line, cat("MESSAGE role '", role, "' must be system, user or assistant"));
        if (trim(value_start).empty()) in.error(line, cat("MESSAGE ", role, " needs a text"));
        mf.messages.push_back({r, in.value(value_start, line)});
        continue;
      }
      const bool known = instruction == "from" || instruction == "template" || instruction == "system" ||
                         instruction == "license" || instruction == "adapter";
      if (!known) {
        if (instruction == "draft" || instruction == "renderer" || instruction == "parser" || instruction == "requires")
          in.error(line, cat(word, " is an ollama instruction hearth does not support"));
        in.error(line, cat("unknown instruction '", word, "' (use ", kInstructions, ")"));
      }
      if (trim(rest).empty()) in.error(line, cat(word, " needs a value"));
      std::string value = in.value(rest, line);
      if (value.empty() && (instruction == "from" || instruction == "adapter"))
        in.error(line, cat(word, " needs a value"));
      if (instruction == "from") {
        if (has_from) in.error(line, "more than one FROM (hearth builds a model from one GGUF file or model)");
        has_from = true;
        mf.from = std::move(value);
      } else if (instruction == "template") {
        check_chat_template(value);
        mf.template_text = std::move(value);
      } else if (instruction == "system") {
        mf.system = std::move(value);
      } else if (instruction == "license") {
        mf.licenses.push_back(std::move(value));
      } else {
        if (mf.adapter) in.error(line, "more than one ADAPTER");
        mf.adapter = std::move(value);
      }
    } catch (const Error& e) {
      const std::string what = e.what();
      if (what.rfind(source + ":", 0) == 0) throw;
      in.error(line, what);
    }
  }
  if (!has_from) fail(source, ": no FROM line (say which GGUF file or model to build from)");
  return mf;
}

Modelfile Modelfile::read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read Modelfile '", path.string(), "': ", errno_text(errno));
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) fail("cannot read Modelfile '", path.string(), "'");
  Modelfile mf = parse(text, path.string());
  mf.directory = std::filesystem::absolute(path).parent_path();
  return mf;
}

}  // namespace hearth::store
