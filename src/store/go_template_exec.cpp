// Running a Go template tree with Go's semantics: truth, printing, variable
// scopes, range over arrays, maps (sorted keys) and integers, and the
// built-in functions hearth supports.
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "store/go_json.h"
#include "store/go_template_ast.h"

namespace hearth::store::gotmpl {

namespace {

using Json = nlohmann::ordered_json;
// Values point into the data (which outlives the run) or own what was computed.
using Val = std::shared_ptr<const Json>;

constexpr uint64_t kMaxSteps = 10'000'000;
constexpr size_t kMaxOutput = size_t{64} << 20;

// A key missing from a map: Go prints it as "<no value>". A missing struct
// field or a JSON null is Go's zero value and prints as "".
const Json kNoValue = nullptr;
const Json kZero = nullptr;

Val ref(const Json& j) { return Val(Val(), &j); }
Val own(Json j) { return std::make_shared<const Json>(std::move(j)); }
Val child(const Val& parent, const Json& c) { return Val(parent, &c); }

bool truth(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return false;
    case Json::value_t::boolean: return v.get<bool>();
    case Json::value_t::number_integer: return v.get<int64_t>() != 0;
    case Json::value_t::number_unsigned: return v.get<uint64_t>() != 0;
    case Json::value_t::number_float: return v.get<double>() != 0.0;
    case Json::value_t::string: return !v.get_ref<const std::string&>().empty();
    case Json::value_t::array:
    case Json::value_t::object: return !v.empty();
    default: return true;
  }
}

const char* type_name(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return "nil";
    case Json::value_t::boolean: return "bool";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "int";
    case Json::value_t::number_float: return "float64";
    case Json::value_t::string: return "string";
    case Json::value_t::array: return "slice";
    case Json::value_t::object: return "map";
    default: return "value";
  }
}

std::string text_of(const Val& v) {
  const Json& j = *v;
  if (v.get() == &kNoValue) return "<no value>";
  switch (j.type()) {
    case Json::value_t::null: return "";
    case Json::value_t::string: return j.get<std::string>();
    case Json::value_t::boolean: return j.get<bool>() ? "true" : "false";
    case Json::value_t::number_integer: return std::to_string(j.get<int64_t>());
    case Json::value_t::number_unsigned: return std::to_string(j.get<uint64_t>());
    case Json::value_t::number_float: return go_format_float(j.get<double>());
    default: {
      // ollama's structs (tools, tool call arguments) print as their JSON.
      std::string s = go_json(j);
      if (!s.empty() && s.back() == '\n') s.pop_back();
      return s;
    }
  }
}

bool is_number(const Json& j) { return j.is_number(); }

int64_t to_int(const Json& j, const char* what, int line);

enum class Flow { Normal, Break, Continue };

class Executor {
 public:
  Executor(const Json& data, std::string& out) : root_(ref(data)), out_(out) { vars_.push_back({"$", root_}); }

  Flow walk(const List& list, const Val& dot) {
    for (const Node& n : list) {
      if (++steps_ > kMaxSteps) fail_line(n.line, "the template runs too long");
      switch (n.kind) {
        case Node::Kind::Text: emit(n.text); break;
        case Node::Kind::Action: {
          const Val v = pipeline(n.pipe, dot);
          if (n.pipe.decls.empty()) emit(text_of(v));
          break;
        }
        case Node::Kind::If:
        case Node::Kind::With: {
          const size_t mark = vars_.size();
          const Val v = pipeline(n.pipe, dot);
          Flow f = Flow::Normal;
          if (truth(*v)) f = walk(*n.list, n.kind == Node::Kind::With ? v : dot);
          else if (n.else_list) f = walk(*n.else_list, dot);
          vars_.resize(mark);
          if (f != Flow::Normal) return f;
          break;
        }
        case Node::Kind::Range: range(n, dot); break;
        case Node::Kind::Break: return Flow::Break;
        case Node::Kind::Continue: return Flow::Continue;
      }
    }
    return Flow::Normal;
  }

 private:
  [[noreturn]] void fail_line(int line, const std::string& what) const { fail("Go template, line ", line, ": ", what); }

  void emit(const std::string& s) {
    out_ += s;
    if (out_.size() > kMaxOutput) fail("Go template: the prompt grew past ", kMaxOutput >> 20, " MiB");
  }

  void range(const Node& n, const Val& dot) {
    const size_t mark = vars_.size();
    const Val coll = pipeline(n.pipe, dot);
    const Json& c = *coll;
    // One iteration: the variables get (index, element) or (element).
    auto iterate = [&](const Val& key, const Val& elem) {
      const size_t inner = vars_.size();
      if (n.pipe.decls.size() == 1) set_decl(n.pipe, 0, elem, mark);
      if (n.pipe.decls.size() == 2) {
        set_decl(n.pipe, 0, key, mark);
        set_decl(n.pipe, 1, elem, mark);
      }
      const Flow f = walk(*n.list, elem);
      vars_.resize(inner);
      return f;
    };
    bool any = false;
    if (c.is_array()) {
      for (size_t i = 0; i < c.size(); ++i) {
        any = true;
        if (iterate(own(Json(static_cast<int64_t>(i))), child(coll, c[i])) == Flow::Break) break;
      }
    } else if (c.is_object()) {
      std::vector<std::string> keys;
      for (const auto& [k, v] : c.items()) keys.push_back(k);
      std::sort(keys.begin(), keys.end());  // Go ranges over a map in key order
      for (const std::string& k : keys) {
        any = true;
        if (iterate(own(Json(k)), child(coll, c[k])) == Flow::Break) break;
      }
    } else if (c.is_number_integer() || c.is_number_unsigned()) {
      const int64_t count = c.get<int64_t>();
      if (count > static_cast<int64_t>(kMaxSteps)) fail_line(n.line, "the template runs too long");
      for (int64_t i = 0; i < count; ++i) {
        any = true;
        const Val v = own(Json(i));
        if (iterate(v, v) == Flow::Break) break;
      }
    } else if (!c.is_null()) {
      fail_line(n.line, cat("range can't iterate over ", text_of(coll)));
    }
    if (!any && n.else_list) walk(*n.else_list, dot);
    vars_.resize(mark);
  }

  // Range variables are declared by the pipeline (holding the collection);
  // each iteration overwrites them.
  void set_decl(const Pipeline& p, size_t i, const Val& v, size_t mark) {
    if (p.assign) return assign(p.decls[i], v, p.line);
    vars_[mark + i].second = v;
  }

  void assign(const std::string& name, const Val& v, int line) {
    for (size_t i = vars_.size(); i-- > 0;)
      if (vars_[i].first == name) {
        vars_[i].second = v;
        return;
      }
    fail_line(line, cat("undefined variable: ", name));
  }

  Val variable(const std::string& name, int line) const {
    for (size_t i = vars_.size(); i-- > 0;)
      if (vars_[i].first == name) return vars_[i].second;
    fail_line(line, cat("undefined variable: ", name));
  }

  Val pipeline(const Pipeline& p, const Val& dot) {
    Val value;
    for (const Command& cmd : p.cmds) value = command(cmd, dot, value ? &value : nullptr, p.line);
    for (const std::string& d : p.decls) {
      if (p.assign) assign(d, value, p.line);
      else vars_.push_back({d, value});
    }
    return value;
  }

  Val command(const Command& cmd, const Val& dot, const Val* final, int line) {
    const Arg& first = cmd.args[0];
    if (first.kind == Arg::Kind::Function) return call(first.name, cmd, dot, final, line);
    if (cmd.args.size() > 1 || final) {
      if (first.kind == Arg::Kind::Field)
        fail_line(line, cat(first.chain.back(), " is not a method but has arguments"));
      fail_line(line, "can't give argument to non-function");
    }
    if (first.kind == Arg::Kind::Nil) fail_line(line, "nil is not a command");
    return arg(first, dot, line);
  }

  Val arg(const Arg& a, const Val& dot, int line) {
    Val base;
    switch (a.kind) {
      case Arg::Kind::Field: base = dot; break;
      case Arg::Kind::Dot: base = dot; break;
      case Arg::Kind::Variable: base = variable(a.name, line); break;
      case Arg::Kind::Nil: return ref(kZero);
      case Arg::Kind::Literal: return own(a.literal);
      case Arg::Kind::Sub: base = pipeline(*a.sub, dot); break;
      case Arg::Kind::Function: {
        Command c{{a}};
        return call(a.name, c, dot, nullptr, line);
      }
    }
    for (const std::string& f : a.chain) base = field(base, f, line);
    return base;
  }

  Val field(const Val& receiver, const std::string& name, int line) const {
    const Json& r = *receiver;
    if (r.is_object()) {
      auto it = r.find(name);
      if (it == r.end()) it = r.find(snake_case(name));
      if (it != r.end()) return child(receiver, *it);
      return receiver.get() == root_.get() ? ref(kNoValue) : ref(kZero);
    }
    if (r.is_null() && receiver.get() != &kNoValue) return ref(kZero);
    fail_line(line, cat("can't evaluate field ", name, " in type ", type_name(r)));
  }

  std::vector<Val> eval_args(const Command& cmd, const Val& dot, const Val* final, int line) {
    std::vector<Val> out;
    for (size_t i = 1; i < cmd.args.size(); ++i) out.push_back(arg(cmd.args[i], dot, line));
    if (final) out.push_back(*final);
    return out;
  }

  Val call(const std::string& fn, const Command& cmd, const Val& dot, const Val* final, int line) {
    const size_t n = cmd.args.size() - 1 + (final ? 1 : 0);
    auto need = [&](size_t lo, size_t hi) {
      if (n < lo || n > hi)
        fail_line(line, cat("wrong number of args for ", fn, ": want ", lo == hi ? std::to_string(lo) : cat("at least ", lo),
                            " got ", n));
    };
    // and / or evaluate their arguments only as far as needed.
    if (fn == "and" || fn == "or") {
      need(1, SIZE_MAX);
      Val v;
      for (size_t i = 0; i < n; ++i) {
        v = i + 1 < cmd.args.size() ? arg(cmd.args[i + 1], dot, line) : *final;
        if (truth(*v) == (fn == "or")) return v;
      }
      return v;
    }
    const std::vector<Val> a = eval_args(cmd, dot, final, line);
    if (fn == "not") {
      need(1, 1);
      return own(Json(!truth(*a[0])));
    }
    if (fn == "eq") {
      need(2, SIZE_MAX);
      for (size_t i = 1; i < a.size(); ++i)
        if (equal(*a[0], *a[i], line)) return own(Json(true));
      return own(Json(false));
    }
    if (fn == "ne") {
      need(2, 2);
      return own(Json(!equal(*a[0], *a[1], line)));
    }
    if (fn == "lt" || fn == "le" || fn == "gt" || fn == "ge") {
      need(2, 2);
      const int c = compare(*a[0], *a[1], line);
      const bool r = fn == "lt" ? c < 0 : fn == "le" ? c <= 0 : fn == "gt" ? c > 0 : c >= 0;
      return own(Json(r));
    }
    if (fn == "len") {
      need(1, 1);
      const Json& v = *a[0];
      if (v.is_string()) return own(Json(static_cast<int64_t>(v.get_ref<const std::string&>().size())));
      if (v.is_array() || v.is_object()) return own(Json(static_cast<int64_t>(v.size())));
      fail_line(line, cat("error calling len: len of ", v.is_null() ? "nil pointer" : cat("type ", type_name(v))));
    }
    if (fn == "index") {
      need(1, SIZE_MAX);
      Val v = a[0];
      for (size_t i = 1; i < a.size(); ++i) {
        const Json& c = *v;
        if (c.is_array()) {
          const int64_t k = to_int(*a[i], "index", line);
          if (k < 0 || static_cast<size_t>(k) >= c.size())
            fail_line(line, cat("error calling index: index out of range: ", k));
          v = child(v, c[static_cast<size_t>(k)]);
        } else if (c.is_object()) {
          if (!a[i]->is_string()) fail_line(line, "error calling index: a map's key must be a string");
          auto it = c.find(a[i]->get<std::string>());
          v = it == c.end() ? ref(kZero) : child(v, *it);
        } else if (c.is_string()) {
          const int64_t k = to_int(*a[i], "index", line);
          const auto& s = c.get_ref<const std::string&>();
          if (k < 0 || static_cast<size_t>(k) >= s.size())
            fail_line(line, cat("error calling index: index out of range: ", k));
          v = own(Json(static_cast<int64_t>(static_cast<unsigned char>(s[static_cast<size_t>(k)]))));
        } else {
          fail_line(line, cat("error calling index: can't index item of type ", type_name(c)));
        }
      }
      return v;
    }
    if (fn == "slice") {
      need(1, 4);
      const Json& c = *a[0];
      const size_t len = c.is_string() ? c.get_ref<const std::string&>().size() : c.is_array() ? c.size() : SIZE_MAX;
      if (len == SIZE_MAX) fail_line(line, cat("error calling slice: can't slice item of type ", type_name(c)));
      if (a.size() == 4 && c.is_string()) fail_line(line, "error calling slice: cannot 3-index slice a string");
      size_t idx[2] = {0, len};
      for (size_t i = 1; i < a.size() && i <= 2; ++i) {
        const int64_t k = to_int(*a[i], "slice", line);
        if (k < 0 || static_cast<size_t>(k) > len) fail_line(line, cat("error calling slice: index out of range: ", k));
        idx[i - 1] = static_cast<size_t>(k);
      }
      if (idx[0] > idx[1]) fail_line(line, cat("error calling slice: invalid slice index: ", idx[0], " > ", idx[1]));
      if (c.is_string()) return own(Json(c.get_ref<const std::string&>().substr(idx[0], idx[1] - idx[0])));
      Json out = Json::array();
      for (size_t i = idx[0]; i < idx[1]; ++i) out.push_back(c[i]);
      return own(std::move(out));
    }
    if (fn == "print" || fn == "println") {
      std::string s;
      for (size_t i = 0; i < a.size(); ++i) {
        // Sprint puts a space between operands when neither is a string; Sprintln always.
        if (i > 0 && (fn == "println" || (!a[i - 1]->is_string() && !a[i]->is_string()))) s += ' ';
        s += text_of(a[i]);
      }
      if (fn == "println") s += '\n';
      return own(Json(std::move(s)));
    }
    if (fn == "printf") {
      need(1, SIZE_MAX);
      if (!a[0]->is_string()) fail_line(line, "printf's format must be a string");
      return own(Json(printf(a[0]->get<std::string>(), a, line)));
    }
    if (fn == "json") {
      need(1, 1);
      std::string s = go_json(*a[0]);
      if (!s.empty() && s.back() == '\n') s.pop_back();
      return own(Json(std::move(s)));
    }
    fail_line(line, cat("function \"", fn, "\" not defined"));
  }

  std::string printf(const std::string& format, const std::vector<Val>& a, int line) const {
    std::string out;
    size_t next = 1;
    for (size_t i = 0; i < format.size(); ++i) {
      if (format[i] != '%') {
        out += format[i];
        continue;
      }
      if (++i >= format.size()) fail_line(line, "printf: the format ends with '%'");
      const char verb = format[i];
      if (verb == '%') {
        out += '%';
        continue;
      }
      if (next >= a.size()) {
        out += cat("%!", std::string(1, verb), "(MISSING)");
        continue;
      }
      const Val& v = a[next++];
      switch (verb) {
        case 's':
        case 'v': out += text_of(v); break;
        case 'd': out += std::to_string(to_int(*v, "printf", line)); break;
        case 'q': out += go_quote(text_of(v)); break;
        default: fail_line(line, cat("printf: hearth does not support the verb %", std::string(1, verb)));
      }
    }
    return out;
  }

  bool equal(const Json& x, const Json& y, int line) const {
    if (x.is_null() || y.is_null()) return x.is_null() && y.is_null();
    if (x.is_array() || x.is_object() || y.is_array() || y.is_object())
      fail_line(line, "error calling eq: non-comparable type");
    if (is_number(x) && is_number(y)) return x.get<double>() == y.get<double>();
    if (x.type() != y.type()) fail_line(line, "error calling eq: incompatible types for comparison");
    return x == y;
  }

  int compare(const Json& x, const Json& y, int line) const {
    if (is_number(x) && is_number(y)) {
      const double a = x.get<double>(), b = y.get<double>();
      return a < b ? -1 : a > b ? 1 : 0;
    }
    if (x.is_string() && y.is_string()) return x.get<std::string>().compare(y.get<std::string>());
    fail_line(line, "error calling a comparison: incompatible types for comparison");
  }

  Val root_;
  std::string& out_;
  std::vector<std::pair<std::string, Val>> vars_;
  uint64_t steps_ = 0;
};

int64_t to_int(const Json& j, const char* what, int line) {
  if (j.is_number_integer() || j.is_number_unsigned()) return j.get<int64_t>();
  if (j.is_number_float() && std::floor(j.get<double>()) == j.get<double>()) return static_cast<int64_t>(j.get<double>());
  fail("Go template, line ", line, ": error calling ", what, ": cannot index with a ", type_name(j));
}

}  // namespace

void execute(const List& list, const nlohmann::ordered_json& data, std::string& out) {
  Executor ex(data, out);
  ex.walk(list, Val(Val(), &data));
}

}  // namespace hearth::store::gotmpl
