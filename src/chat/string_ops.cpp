#include "chat/string_ops.h"

#include <cmath>
#include <cstdio>

#include "chat/unicode.h"

namespace hearth::chat::pystr {
namespace {

std::u32string chars_of(const std::optional<std::string>& chars) {
  return chars ? unicode::decode(*chars) : std::u32string();
}

bool in_set(char32_t c, const std::optional<std::string>& chars, const std::u32string& set) {
  if (!chars) return unicode::is_space(c);
  return set.find(c) != std::u32string::npos;
}

std::string pad(std::string_view s, int64_t left, int64_t right, char32_t fill) {
  std::string out;
  for (int64_t i = 0; i < left; ++i) unicode::append_utf8(out, fill);
  out += s;
  for (int64_t i = 0; i < right; ++i) unicode::append_utf8(out, fill);
  return out;
}

void check_width(int64_t width) {
  if (width > (int64_t{1} << 22)) eval_fail("width ", width, " is too large");
}

}  // namespace

std::string strip(std::string_view s, const std::optional<std::string>& chars, bool left, bool right) {
  const std::u32string set = chars_of(chars);
  const std::u32string cps = unicode::decode(s);
  size_t b = 0, e = cps.size();
  if (left)
    while (b < e && in_set(cps[b], chars, set)) ++b;
  if (right)
    while (e > b && in_set(cps[e - 1], chars, set)) --e;
  return unicode::encode(std::u32string_view(cps).substr(b, e - b));
}

std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit) {
  std::vector<std::string> out;
  if (sep) {
    if (sep->empty()) eval_fail("empty separator");
    size_t i = 0;
    int64_t n = 0;
    for (size_t pos; (maxsplit < 0 || n < maxsplit) && (pos = s.find(*sep, i)) != std::string_view::npos; ++n) {
      out.emplace_back(s.substr(i, pos - i));
      i = pos + sep->size();
    }
    out.emplace_back(s.substr(i));
    return out;
  }
  const std::u32string c = unicode::decode(s);
  const size_t len = c.size();
  size_t i = 0;
  for (int64_t left = maxsplit < 0 ? INT64_MAX : maxsplit; left > 0; --left) {
    while (i < len && unicode::is_space(c[i])) ++i;
    if (i == len) break;
    const size_t j = i++;
    while (i < len && !unicode::is_space(c[i])) ++i;
    out.push_back(unicode::encode(std::u32string_view(c).substr(j, i - j)));
  }
  if (i < len) {
    while (i < len && unicode::is_space(c[i])) ++i;
    if (i != len) out.push_back(unicode::encode(std::u32string_view(c).substr(i)));
  }
  return out;
}

std::vector<std::string> rsplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit) {
  std::vector<std::string> out;
  if (sep) {
    if (sep->empty()) eval_fail("empty separator");
    size_t end = s.size();
    int64_t n = 0;
    while (maxsplit < 0 || n < maxsplit) {
      if (end < sep->size()) break;
      const size_t pos = s.substr(0, end).rfind(*sep);
      if (pos == std::string_view::npos) break;
      out.emplace_back(s.substr(pos + sep->size(), end - pos - sep->size()));
      end = pos;
      ++n;
    }
    out.emplace_back(s.substr(0, end));
    return {out.rbegin(), out.rend()};
  }
  const std::u32string c = unicode::decode(s);
  int64_t i = static_cast<int64_t>(c.size()) - 1;
  for (int64_t left = maxsplit < 0 ? INT64_MAX : maxsplit; left > 0; --left) {
    while (i >= 0 && unicode::is_space(c[i])) --i;
    if (i < 0) break;
    const int64_t j = i--;
    while (i >= 0 && !unicode::is_space(c[i])) --i;
    out.push_back(unicode::encode(std::u32string_view(c).substr(i + 1, j - i)));
  }
  if (i >= 0) {
    while (i >= 0 && unicode::is_space(c[i])) --i;
    if (i >= 0) out.push_back(unicode::encode(std::u32string_view(c).substr(0, i + 1)));
  }
  return {out.rbegin(), out.rend()};
}

std::vector<std::string> splitlines(std::string_view s, bool keepends) {
  std::vector<std::string> out;
  const std::u32string c = unicode::decode(s);
  size_t start = 0, i = 0;
  while (i < c.size()) {
    const char32_t ch = c[i];
    const bool boundary = ch == '\n' || ch == '\r' || ch == 0x0b || ch == 0x0c || ch == 0x1c || ch == 0x1d ||
                          ch == 0x1e || ch == 0x85 || ch == 0x2028 || ch == 0x2029;
    if (!boundary) {
      ++i;
      continue;
    }
    size_t eol = i + 1;
    if (ch == '\r' && eol < c.size() && c[eol] == '\n') ++eol;
    out.push_back(unicode::encode(std::u32string_view(c).substr(start, (keepends ? eol : i) - start)));
    start = i = eol;
  }
  if (start < c.size()) out.push_back(unicode::encode(std::u32string_view(c).substr(start)));
  return out;
}

std::string replace(std::string_view s, std::string_view old, std::string_view with, int64_t count, size_t max_len) {
  std::string out;
  int64_t done = 0;
  auto room = [&] {
    if (out.size() > max_len) eval_fail("string result exceeds the template output limit");
  };
  if (old.empty()) {
    // Python inserts the replacement before every character and at the end.
    size_t i = 0;
    while (i <= s.size()) {
      if (count < 0 || done < count) {
        out += with;
        ++done;
      }
      if (i == s.size()) break;
      const size_t start = i;
      unicode::next(s, i);
      out += s.substr(start, i - start);
      room();
    }
    room();
    return out;
  }
  size_t i = 0;
  for (size_t pos; (count < 0 || done < count) && (pos = s.find(old, i)) != std::string_view::npos; ++done) {
    out += s.substr(i, pos - i);
    out += with;
    i = pos + old.size();
    room();
  }
  out += s.substr(i);
  room();
  return out;
}

std::string title(std::string_view s) {
  std::string out;
  bool prev_cased = false;
  for (size_t i = 0; i < s.size();) {
    const char32_t c = unicode::next(s, i);
    const bool cased = unicode::is_upper(c) || unicode::is_lower(c);
    unicode::append_utf8(out, cased ? (prev_cased ? unicode::to_lower(c) : unicode::to_upper(c)) : c);
    prev_cased = cased;
  }
  return out;
}

std::string capitalize(std::string_view s) {
  std::string out;
  bool first = true;
  for (size_t i = 0; i < s.size();) {
    const char32_t c = unicode::next(s, i);
    unicode::append_utf8(out, first ? unicode::to_upper(c) : unicode::to_lower(c));
    first = false;
  }
  return out;
}

std::string swapcase(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const char32_t c = unicode::next(s, i);
    unicode::append_utf8(out, unicode::is_upper(c) ? unicode::to_lower(c) : unicode::to_upper(c));
  }
  return out;
}

std::string center(std::string_view s, int64_t width, char32_t fill) {
  check_width(width);
  const int64_t len = static_cast<int64_t>(unicode::length(s));
  const int64_t marg = width - len;
  if (marg <= 0) return std::string(s);
  const int64_t left = marg / 2 + (marg & width & 1);
  return pad(s, left, marg - left, fill);
}

std::string ljust(std::string_view s, int64_t width, char32_t fill) {
  check_width(width);
  const int64_t len = static_cast<int64_t>(unicode::length(s));
  return width <= len ? std::string(s) : pad(s, 0, width - len, fill);
}

std::string rjust(std::string_view s, int64_t width, char32_t fill) {
  check_width(width);
  const int64_t len = static_cast<int64_t>(unicode::length(s));
  return width <= len ? std::string(s) : pad(s, width - len, 0, fill);
}

int64_t count(std::string_view s, std::string_view sub) {
  if (sub.empty()) return static_cast<int64_t>(unicode::length(s)) + 1;
  int64_t n = 0;
  for (size_t pos = s.find(sub); pos != std::string_view::npos; pos = s.find(sub, pos + sub.size())) ++n;
  return n;
}

int64_t find(std::string_view s, std::string_view sub, bool reverse) {
  const size_t pos = reverse ? s.rfind(sub) : s.find(sub);
  if (pos == std::string_view::npos) return -1;
  return static_cast<int64_t>(unicode::length(s.substr(0, pos)));
}

// ---- printf-style formatting

namespace {

struct Spec {
  bool left = false, plus = false, space = false, alt = false, zero = false;
  int64_t width = -1, precision = -1;
};

std::string apply_width(std::string body, const Spec& sp, bool numeric) {
  const int64_t len = static_cast<int64_t>(unicode::length(body));
  if (sp.width <= len) return body;
  const int64_t fill = sp.width - len;
  if (sp.left) return body + std::string(fill, ' ');
  if (sp.zero && numeric) {
    size_t sign = 0;
    if (!body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ')) sign = 1;
    if (body.size() > sign + 1 && body[sign] == '0' && (body[sign + 1] == 'x' || body[sign + 1] == 'X' || body[sign + 1] == 'o')) sign += 2;
    return body.substr(0, sign) + std::string(fill, '0') + body.substr(sign);
  }
  return std::string(fill, ' ') + body;
}

std::string format_number(const Value& v, char conv, const Spec& sp) {
  char fmt[32];
  std::string flags;
  if (sp.plus) flags += '+';
  if (sp.space) flags += ' ';
  if (sp.alt) flags += '#';
  char buf[512];
  if (conv == 'd' || conv == 'i' || conv == 'u' || conv == 'x' || conv == 'X' || conv == 'o') {
    int64_t n;
    if (v.is_integral()) {
      n = v.as_int();
    } else if (v.is_float() && (conv == 'd' || conv == 'i' || conv == 'u')) {
      const double d = v.as_double();
      if (!std::isfinite(d)) eval_fail("cannot convert float ", float_repr(d), " to integer");
      if (std::fabs(d) >= 9.2e18) eval_fail("integer too large to format");
      n = static_cast<int64_t>(d);
    } else {
      eval_fail("%", conv, " format: ", (conv == 'x' || conv == 'X' || conv == 'o') ? "an integer" : "a real number",
                " is required, not ", type_name(v));
    }
    const char c = conv == 'i' || conv == 'u' ? 'd' : conv;
    std::string body;
    if (c == 'd') {
      std::snprintf(fmt, sizeof fmt, "%%%s%s", flags.c_str(), "lld");
      std::snprintf(buf, sizeof buf, fmt, static_cast<long long>(n));
      body = buf;
      if (sp.precision >= 0) {
        // precision gives a minimum number of digits
        size_t sign = (body[0] == '-' || body[0] == '+' || body[0] == ' ') ? 1 : 0;
        const int64_t digits = static_cast<int64_t>(body.size() - sign);
        if (digits < sp.precision) body.insert(sign, std::string(sp.precision - digits, '0'));
      }
    } else {
      // Python writes negative hex/octal as -0x.., C cannot.
      const bool neg = n < 0;
      const unsigned long long u = neg ? 0ULL - static_cast<unsigned long long>(n) : static_cast<unsigned long long>(n);
      std::snprintf(fmt, sizeof fmt, "%%%sll%c", sp.alt ? "#" : "", c);
      std::snprintf(buf, sizeof buf, fmt, u);
      body = buf;
      if (c == 'o' && sp.alt) body = "0o" + (u == 0 ? std::string("0") : body.substr(1));
      if (neg) body = "-" + body;
      else if (sp.plus) body = "+" + body;
      else if (sp.space) body = " " + body;
    }
    return apply_width(body, sp, true);
  }
  // floating point
  if (!v.is_number()) eval_fail("must be real number, not ", type_name(v));
  const double d = v.as_double();
  const int64_t prec = sp.precision < 0 ? 6 : std::min<int64_t>(sp.precision, 300);
  std::snprintf(fmt, sizeof fmt, "%%%s.%lld%c", flags.c_str(), static_cast<long long>(prec), conv);
  std::snprintf(buf, sizeof buf, fmt, d);
  return apply_width(buf, sp, std::isfinite(d));
}

}  // namespace

std::string percent_format(std::string_view f, const Value& args) {
  std::vector<Value> positional;
  const Dict* mapping = nullptr;
  if (args.is_tuple()) {
    positional = args.items();
  } else {
    positional.push_back(args);
    if (args.is_dict()) mapping = &args.dict();
  }
  size_t next_arg = 0;
  bool used_mapping = false;
  auto take = [&]() -> const Value& {
    if (next_arg >= positional.size()) eval_fail("not enough arguments for format string");
    return positional[next_arg++];
  };
  std::string out;
  for (size_t i = 0; i < f.size();) {
    if (f[i] != '%') {
      out += f[i++];
      continue;
    }
    ++i;
    if (i >= f.size()) eval_fail("incomplete format");
    const Value* value = nullptr;
    if (f[i] == '(') {
      if (!mapping) eval_fail("format requires a mapping");
      int depth = 1;
      size_t k = i + 1;
      while (k < f.size() && depth > 0) {
        if (f[k] == '(') ++depth;
        else if (f[k] == ')') --depth;
        ++k;
      }
      if (depth) eval_fail("incomplete format key");
      const std::string key(f.substr(i + 1, k - i - 2));
      value = mapping->find(std::string_view(key));
      if (!value) eval_fail("KeyError: ", string_repr(key));
      used_mapping = true;
      i = k;
    }
    Spec sp;
    for (; i < f.size(); ++i) {
      const char c = f[i];
      if (c == '-') sp.left = true;
      else if (c == '+') sp.plus = true;
      else if (c == ' ') sp.space = true;
      else if (c == '#') sp.alt = true;
      else if (c == '0') sp.zero = true;
      else break;
    }
    auto number = [&](int64_t& dst) {
      if (i < f.size() && f[i] == '*') {
        const Value& w = take();
        if (!w.is_integral()) eval_fail("* wants int");
        dst = w.as_int();
        if (dst > (int64_t{1} << 22) || dst < -(int64_t{1} << 22)) eval_fail("width too big");
        ++i;
        return;
      }
      if (i < f.size() && f[i] >= '0' && f[i] <= '9') {
        dst = 0;
        while (i < f.size() && f[i] >= '0' && f[i] <= '9') {
          dst = dst * 10 + (f[i++] - '0');
          if (dst > (int64_t{1} << 22)) eval_fail("width too big");
        }
      }
    };
    number(sp.width);
    if (sp.width < 0 && sp.width != -1) {
      sp.left = true;
      sp.width = -sp.width;
    }
    if (i < f.size() && f[i] == '.') {
      ++i;
      sp.precision = 0;
      number(sp.precision);
    }
    while (i < f.size() && (f[i] == 'h' || f[i] == 'l' || f[i] == 'L')) ++i;
    if (i >= f.size()) eval_fail("incomplete format");
    const char conv = f[i++];
    if (conv == '%') {
      out += '%';
      continue;
    }
    const Value& v = value ? *value : take();
    switch (conv) {
      case 's':
      case 'r':
      case 'a': {
        std::string body = conv == 's' ? to_str(v) : repr(v);
        if (sp.precision >= 0) {
          const std::u32string cps = unicode::decode(body);
          if (static_cast<int64_t>(cps.size()) > sp.precision) body = unicode::encode(cps.substr(0, sp.precision));
        }
        sp.zero = false;
        out += apply_width(body, sp, false);
        break;
      }
      case 'c': {
        std::string body;
        if (v.is_string() && unicode::length(v.str()) == 1) body = v.str();
        else if (v.is_integral() && v.as_int() >= 0 && v.as_int() <= 0x10ffff) unicode::append_utf8(body, static_cast<char32_t>(v.as_int()));
        else eval_fail("%c requires int or char");
        out += apply_width(body, sp, false);
        break;
      }
      case 'd': case 'i': case 'u': case 'x': case 'X': case 'o':
      case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
        out += format_number(v, conv, sp);
        break;
      default: eval_fail("unsupported format character '", conv, "'");
    }
  }
  if (!used_mapping && !mapping && next_arg < positional.size())
    eval_fail("not all arguments converted during string formatting");
  return out;
}

// ---- str.format

namespace {

std::string format_field(const Value& v, std::string_view spec) {
  if (spec.empty()) return to_str(v);
  // [[fill]align][sign][#][0][width][,][.precision][type]
  size_t i = 0;
  char32_t fill = ' ';
  char align = 0;
  {
    size_t j = 0;
    const char32_t first = unicode::next(spec, j);
    if (j < spec.size() && (spec[j] == '<' || spec[j] == '>' || spec[j] == '^' || spec[j] == '=')) {
      fill = first;
      align = spec[j];
      i = j + 1;
    } else if (spec[0] == '<' || spec[0] == '>' || spec[0] == '^' || spec[0] == '=') {
      align = spec[0];
      i = 1;
    }
  }
  Spec sp;
  if (i < spec.size() && (spec[i] == '+' || spec[i] == '-' || spec[i] == ' ')) {
    sp.plus = spec[i] == '+';
    sp.space = spec[i] == ' ';
    ++i;
  }
  if (i < spec.size() && spec[i] == '#') {
    sp.alt = true;
    ++i;
  }
  if (i < spec.size() && spec[i] == '0') {
    sp.zero = true;
    ++i;
  }
  int64_t width = -1;
  while (i < spec.size() && spec[i] >= '0' && spec[i] <= '9') {
    width = (width < 0 ? 0 : width * 10) + (spec[i++] - '0');
    if (width > (int64_t{1} << 22)) eval_fail("width too big");
  }
  if (i < spec.size() && spec[i] == ',') eval_fail("',' in format specifications is not supported");
  if (i < spec.size() && spec[i] == '.') {
    ++i;
    sp.precision = 0;
    while (i < spec.size() && spec[i] >= '0' && spec[i] <= '9') {
      sp.precision = sp.precision * 10 + (spec[i++] - '0');
      if (sp.precision > (int64_t{1} << 22)) eval_fail("precision too big");
    }
  }
  char type = 0;
  if (i < spec.size()) type = spec[i++];
  if (i != spec.size()) eval_fail("Invalid format specifier");
  std::string body;
  bool numeric = false;
  if (v.is_string() || (!v.is_number() && (type == 0 || type == 's'))) {
    if (type != 0 && type != 's') eval_fail("Unknown format code '", type, "' for object of type '", type_name(v), "'");
    body = to_str(v);
    if (sp.precision >= 0) {
      const std::u32string cps = unicode::decode(body);
      if (static_cast<int64_t>(cps.size()) > sp.precision) body = unicode::encode(cps.substr(0, sp.precision));
    }
    if (!align) align = '<';
  } else if (v.is_number()) {
    numeric = true;
    if (!align) align = '>';
    Spec num = sp;
    num.zero = false;
    if (type == 0) {
      if (v.is_integral()) {
        body = format_number(v, 'd', num);
      } else if (sp.precision >= 0) {
        body = format_number(v, 'g', num);
      } else {
        body = float_repr(v.as_double());
        if (sp.plus && v.as_double() >= 0) body = "+" + body;
        else if (sp.space && v.as_double() >= 0) body = " " + body;
      }
    } else if (type == 'd' || type == 'x' || type == 'X' || type == 'o') {
      if (!v.is_integral()) eval_fail("Unknown format code '", type, "' for object of type 'float'");
      body = format_number(v, type, num);
      if (sp.alt && type != 'o') {
        // format_number already wrote 0x for '#'
      }
    } else if (type == 'f' || type == 'F' || type == 'e' || type == 'E' || type == 'g' || type == 'G') {
      body = format_number(Value(v.as_double()), type, num);
    } else if (type == '%') {
      Spec pct = num;
      body = format_number(Value(v.as_double() * 100), 'f', pct) + "%";
    } else {
      eval_fail("Unknown format code '", type, "' for object of type '", type_name(v), "'");
    }
    if (sp.zero && width >= 0 && align == '>' && fill == ' ') {
      fill = '0';
      align = '=';
    }
  } else {
    eval_fail("unsupported format string passed to ", type_name(v), ".__format__");
  }
  const int64_t len = static_cast<int64_t>(unicode::length(body));
  if (width <= len) return body;
  const int64_t pad_n = width - len;
  std::string padding;
  auto fills = [&](int64_t k) {
    std::string p;
    for (int64_t j = 0; j < k; ++j) unicode::append_utf8(p, fill);
    return p;
  };
  switch (align) {
    case '<': return body + fills(pad_n);
    case '^': return fills(pad_n / 2) + body + fills(pad_n - pad_n / 2);
    case '=': {
      size_t sign = (numeric && !body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ')) ? 1 : 0;
      return body.substr(0, sign) + fills(pad_n) + body.substr(sign);
    }
    default: return fills(pad_n) + body;
  }
}

}  // namespace

std::string brace_format(std::string_view f, const std::vector<Value>& args,
                         const std::vector<std::pair<std::string, Value>>& kwargs) {
  std::string out;
  size_t auto_index = 0;
  bool manual = false, automatic = false;
  for (size_t i = 0; i < f.size();) {
    const char c = f[i];
    if (c == '}') {
      if (i + 1 < f.size() && f[i + 1] == '}') {
        out += '}';
        i += 2;
        continue;
      }
      eval_fail("Single '}' encountered in format string");
    }
    if (c != '{') {
      out += c;
      ++i;
      continue;
    }
    if (i + 1 < f.size() && f[i + 1] == '{') {
      out += '{';
      i += 2;
      continue;
    }
    const size_t close = f.find('}', i + 1);
    if (close == std::string_view::npos) eval_fail("Single '{' encountered in format string");
    std::string_view field = f.substr(i + 1, close - i - 1);
    i = close + 1;
    std::string_view spec, conv;
    if (const size_t colon = field.find(':'); colon != std::string_view::npos) {
      spec = field.substr(colon + 1);
      field = field.substr(0, colon);
    }
    if (const size_t bang = field.find('!'); bang != std::string_view::npos) {
      conv = field.substr(bang + 1);
      field = field.substr(0, bang);
    }
    const Value* v = nullptr;
    if (field.empty()) {
      if (manual) eval_fail("cannot switch from manual field specification to automatic field numbering");
      automatic = true;
      if (auto_index >= args.size()) eval_fail("Replacement index ", auto_index, " out of range for positional args tuple");
      v = &args[auto_index++];
    } else if (field.find_first_not_of("0123456789") == std::string_view::npos) {
      if (automatic) eval_fail("cannot switch from automatic field numbering to manual field specification");
      manual = true;
      size_t k = 0;
      for (char ch : field) {
        k = k * 10 + static_cast<size_t>(ch - '0');
        if (k > args.size()) break;
      }
      if (k >= args.size()) eval_fail("Replacement index ", k, " out of range for positional args tuple");
      v = &args[k];
    } else {
      if (field.find_first_of(".[") != std::string_view::npos)
        eval_fail("attribute and index lookups in format fields are not supported");
      for (const auto& [name, val] : kwargs)
        if (name == field) v = &val;
      if (!v) eval_fail("KeyError: ", string_repr(field));
    }
    Value shown = *v;
    if (conv == "r" || conv == "a") shown = Value(repr(*v));
    else if (conv == "s") shown = Value(to_str(*v));
    else if (!conv.empty()) eval_fail("Unknown conversion specifier ", conv);
    out += format_field(shown, spec);
  }
  return out;
}

}  // namespace hearth::chat::pystr
