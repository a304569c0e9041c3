#include "chat/globals.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>

#include "chat/args.h"
#include "chat/errors.h"
#include "chat/interpreter.h"

namespace hearth::chat {
namespace {

Value g_range(Interpreter& in, CallArgs& c) {
  if (!c.keyword.empty()) eval_fail("range() takes no keyword arguments");
  const auto& p = c.positional;
  if (p.empty() || p.size() > 3) eval_fail("range expected 1 to 3 arguments, got ", p.size());
  for (const Value& v : p)
    if (!v.is_integral()) eval_fail("'", type_name(v), "' object cannot be interpreted as an integer");
  int64_t start = 0, stop, step = 1;
  if (p.size() == 1) {
    stop = p[0].as_int();
  } else {
    start = p[0].as_int();
    stop = p[1].as_int();
    if (p.size() == 3) step = p[2].as_int();
  }
  if (step == 0) eval_fail("range() arg 3 must not be zero");
  // The length first, so that a huge range is refused before it is built.
  const __int128 span = step > 0 ? static_cast<__int128>(stop) - start : static_cast<__int128>(start) - stop;
  const __int128 abs_step = step > 0 ? step : -static_cast<__int128>(step);
  const __int128 count = span <= 0 ? 0 : (span + abs_step - 1) / abs_step;
  if (count > static_cast<__int128>(in.limits().max_items)) in.check_items(in.limits().max_items + 1);
  std::vector<Value> out;
  out.reserve(static_cast<size_t>(count));
  for (__int128 k = 0; k < count; ++k) out.emplace_back(static_cast<int64_t>(start + k * step));
  return Value::list(std::move(out));
}

Dict dict_from(const CallArgs& c, const char* fn) {
  if (c.positional.size() > 1) eval_fail(fn, " expected at most 1 argument, got ", c.positional.size());
  Dict d;
  if (!c.positional.empty()) {
    const Value& src = c.positional[0];
    if (src.is_dict()) {
      d = src.dict();
    } else {
      for (const Value& pair : iterate(src)) {
        const std::vector<Value> kv = iterate(pair);
        if (kv.size() != 2) eval_fail("dictionary update sequence element has length ", kv.size(), "; 2 is required");
        d.set(kv[0], kv[1]);
      }
    }
  }
  for (const auto& [k, v] : c.keyword) d.set(Value(k), v);
  return d;
}

Value g_dict(Interpreter&, CallArgs& c) { return Value::dict(dict_from(c, "dict")); }

Value g_namespace(Interpreter& in, CallArgs& c) {
  auto ns = std::make_shared<Namespace>();
  ns->attrs = dict_from(c, "namespace");
  in.track(ns);
  return Value::namespace_(std::move(ns));
}

Value g_joiner(Interpreter&, CallArgs& c) {
  ArgReader a("joiner", c, {"sep"});
  const std::string sep = a.get(0) ? to_str(*a.get(0)) : ", ";
  auto used = std::make_shared<bool>(false);
  return Value::function("joiner", [sep, used](Interpreter&, CallArgs&) -> Value {
    if (!*used) {
      *used = true;
      return Value("");
    }
    return Value(sep);
  });
}

Value g_raise_exception(Interpreter&, CallArgs& c) {
  ArgReader a("raise_exception", c, {"message"});
  throw TemplateRaised(to_str(a.get_or(0, Value(""))));
}

// The time strftime_now formats: now (local time), or the date in
// HEARTH_FIXED_DATE (YYYY-MM-DD, optionally followed by HH:MM:SS) so that
// tests are reproducible.
std::tm now_tm() {
  std::tm tm{};
  if (const char* fixed = std::getenv("HEARTH_FIXED_DATE"); fixed && *fixed) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    char sep = 0;
    const int n = std::sscanf(fixed, "%d-%d-%d%c%d:%d:%d", &y, &mo, &d, &sep, &h, &mi, &s);
    if (n < 3 || mo < 1 || mo > 12 || d < 1 || d > 31) eval_fail("HEARTH_FIXED_DATE must be YYYY-MM-DD[ HH:MM:SS], not '", fixed, "'");
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    const time_t t = timegm(&tm);  // normalizes and fills in the weekday and day of the year
    gmtime_r(&t, &tm);
    return tm;
  }
  const time_t t = std::time(nullptr);
  localtime_r(&t, &tm);
  return tm;
}

Value g_strftime_now(Interpreter& in, CallArgs& c) {
  ArgReader a("strftime_now", c, {"format"});
  const std::string format = a.str(0, "format");
  const std::tm tm = now_tm();
  // Python's datetime handles %f, %z and %Z itself (a naive datetime has no
  // zone); the rest goes to the C library as Python does.
  std::string fmt;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] == '%' && i + 1 < format.size()) {
      const char k = format[i + 1];
      if (k == 'f') {
        fmt += "000000";
        ++i;
        continue;
      }
      if (k == 'z' || k == 'Z') {
        ++i;
        continue;
      }
      fmt += format[i];
      fmt += format[++i];
      continue;
    }
    fmt += format[i];
  }
  if (fmt.empty()) return Value("");
  // A marker makes an empty expansion distinguishable from a too-small buffer.
  fmt += '\x01';
  for (size_t size = 256; size <= in.limits().max_output; size *= 4) {
    std::string buf(size, '\0');
    const size_t n = std::strftime(buf.data(), buf.size(), fmt.c_str(), &tm);
    if (n > 0) {
      buf.resize(n - 1);
      return Value(std::move(buf));
    }
  }
  eval_fail("strftime_now(): result too long");
}

}  // namespace

void add_globals(std::unordered_map<std::string, Value>& vars) {
  vars["range"] = Value::function("range", g_range);
  vars["dict"] = Value::function("dict", g_dict);
  vars["namespace"] = Value::function("namespace", g_namespace);
  vars["joiner"] = Value::function("joiner", g_joiner);
  vars["raise_exception"] = Value::function("raise_exception", g_raise_exception);
  vars["strftime_now"] = Value::function("strftime_now", g_strftime_now);
}

}  // namespace hearth::chat
