#include "chat/json_dump.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "chat/unicode.h"

namespace hearth::chat {
namespace {

struct Dumper {
  const JsonDumpOptions& opts;
  std::string item_sep, key_sep;
  std::string out;

  void string(std::string_view s) {
    out += '"';
    for (size_t i = 0; i < s.size();) {
      const size_t start = i;
      const char32_t c = unicode::next(s, i);
      char buf[16];
      switch (c) {
        case '"': out += "\\\""; continue;
        case '\\': out += "\\\\"; continue;
        case '\n': out += "\\n"; continue;
        case '\r': out += "\\r"; continue;
        case '\t': out += "\\t"; continue;
        case '\b': out += "\\b"; continue;
        case '\f': out += "\\f"; continue;
        default: break;
      }
      if (c < 0x20) {
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
        out += buf;
      } else if (c < 0x80 || !opts.ensure_ascii) {
        out.append(s.substr(start, i - start));
      } else if (c < 0x10000) {
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
        out += buf;
      } else {
        const unsigned v = static_cast<unsigned>(c) - 0x10000;
        std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", 0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
        out += buf;
      }
    }
    out += '"';
  }

  void number(double d) {
    if (std::isnan(d)) out += "NaN";
    else if (std::isinf(d)) out += d < 0 ? "-Infinity" : "Infinity";
    else out += float_repr(d);
  }

  void newline(int level) {
    if (out.size() > opts.max_bytes) eval_fail("JSON text exceeds the template output limit");
    out += '\n';
    for (int i = 0; i < level; ++i) out += *opts.indent;
  }

  std::string key_text(const Value& k) {
    switch (k.type()) {
      case Value::Type::String: return k.str();
      case Value::Type::Bool: return k.as_bool() ? "true" : "false";
      case Value::Type::Int: return std::to_string(k.as_int());
      case Value::Type::None: return "null";
      case Value::Type::Float: {
        const double d = k.as_double();
        if (std::isnan(d)) return "NaN";
        if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
        return float_repr(d);
      }
      default: eval_fail("keys must be str, int, float, bool or None, not ", type_name(k));
    }
  }

  void value(const Value& v, int level) {
    if (level > kMaxDepth) eval_fail("maximum recursion depth exceeded while encoding a JSON object");
    charge_work(work_units(v));
    if (out.size() > opts.max_bytes) eval_fail("JSON text exceeds the template output limit");
    switch (v.type()) {
      case Value::Type::None: out += "null"; return;
      case Value::Type::Bool: out += v.as_bool() ? "true" : "false"; return;
      case Value::Type::Int: out += std::to_string(v.as_int()); return;
      case Value::Type::Float: number(v.as_double()); return;
      case Value::Type::String: string(v.str()); return;
      case Value::Type::List:
      case Value::Type::Tuple: {
        const auto& items = v.items();
        if (items.empty()) {
          out += "[]";
          return;
        }
        out += '[';
        if (opts.indent) newline(level + 1);
        for (size_t i = 0; i < items.size(); ++i) {
          if (i) {
            out += item_sep;
            if (opts.indent) newline(level + 1);
          }
          value(items[i], level + 1);
        }
        if (opts.indent) newline(level);
        out += ']';
        return;
      }
      case Value::Type::Dict: {
        const Dict& d = v.dict();
        if (d.size() == 0) {
          out += "{}";
          return;
        }
        std::vector<const std::pair<Value, Value>*> entries;
        for (const auto& e : d.entries) entries.push_back(&e);
        if (opts.sort_keys) {
          for (const auto* e : entries)
            if (!e->first.is_string())
              eval_fail("'<' not supported between instances of '", type_name(e->first), "' and 'str'");
          std::stable_sort(entries.begin(), entries.end(),
                           [](const auto* a, const auto* b) { return a->first.str() < b->first.str(); });
        }
        out += '{';
        if (opts.indent) newline(level + 1);
        bool first = true;
        for (const auto* e : entries) {
          if (!first) {
            out += item_sep;
            if (opts.indent) newline(level + 1);
          }
          first = false;
          string(key_text(e->first));
          out += key_sep;
          value(e->second, level + 1);
        }
        if (opts.indent) newline(level);
        out += '}';
        return;
      }
      default: eval_fail("Object of type ", type_name(v), " is not JSON serializable");
    }
  }
};

}  // namespace

std::string json_dumps(const Value& v, const JsonDumpOptions& opts) {
  Dumper d{opts, {}, {}, {}};
  if (opts.separators) {
    d.item_sep = opts.separators->first;
    d.key_sep = opts.separators->second;
  } else {
    d.item_sep = opts.indent ? "," : ", ";
    d.key_sep = ": ";
  }
  d.value(v, 0);
  return std::move(d.out);
}

}  // namespace hearth::chat
