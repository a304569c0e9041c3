// GoTemplate: parsing as ollama parses (appending {{ .Response }} to a
// template that never mentions it), and rendering a chat as ollama's
// template.Execute does.
#include "store/go_template.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "core/error.h"
#include "store/go_template_ast.h"

namespace hearth::store {

namespace {

using Json = nlohmann::ordered_json;
using gotmpl::Arg;
using gotmpl::List;
using gotmpl::Node;
using gotmpl::Pipeline;

bool has(const std::vector<std::string>& v, std::string_view s) { return std::find(v.begin(), v.end(), s) != v.end(); }

std::string string_field(const Json& m, const char* key) {
  const auto it = m.find(key);
  return it != m.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A tool call in ollama's shape: {"id", "function": {"index", "name", "arguments": {...}}}.
Json api_tool_call(const Json& call, size_t index) {
  const Json fn = call.contains("function") && call["function"].is_object() ? call["function"] : call;
  nlohmann::json args = nlohmann::json::object();  // sorted keys, as Go marshals a map
  if (const auto it = fn.find("arguments"); it != fn.end()) {
    if (it->is_string()) {
      args = nlohmann::json::parse(it->get<std::string>(), nullptr, false);
      if (args.is_discarded()) args = it->get<std::string>();
    } else {
      args = nlohmann::json::parse(it->dump());
    }
  }
  Json f = Json::object();
  f["index"] = fn.contains("index") && fn["index"].is_number_integer() ? fn["index"].get<int64_t>()
                                                                       : static_cast<int64_t>(index);
  f["name"] = string_field(fn, "name");
  f["arguments"] = Json::parse(args.dump());
  Json out = Json::object();
  out["id"] = string_field(call, "id");
  out["function"] = std::move(f);
  return out;
}

// A message as ollama's api.Message: every field present, so a template
// reading one the message lacks gets Go's zero value.
Json api_message(const Json& m) {
  Json out = Json::object();
  out["role"] = string_field(m, "role");
  out["content"] = string_field(m, "content");
  out["thinking"] = string_field(m, "thinking");
  out["images"] = Json::array();
  Json calls = Json::array();
  if (const auto it = m.find("tool_calls"); it != m.end() && it->is_array())
    for (size_t i = 0; i < it->size(); ++i) calls.push_back(api_tool_call((*it)[i], i));
  out["tool_calls"] = std::move(calls);
  std::string tool = string_field(m, "tool_name");
  if (tool.empty()) tool = string_field(m, "name");
  out["tool_name"] = tool;
  out["tool_call_id"] = string_field(m, "tool_call_id");
  return out;
}

// Go's deleteNode as ollama uses it: once the first {{ .Response }} field is
// reached, every node after it goes.
class Cutter {
 public:
  List list(const List& in) {
    List out;
    if (cut_) return out;
    for (const Node& n : in) {
      Node copy = n;
      if (node(copy)) out.push_back(std::move(copy));
    }
    return out;
  }

 private:
  bool node(Node& n) {
    if (cut_) return false;
    switch (n.kind) {
      case Node::Kind::Action: return pipe(n.pipe);
      case Node::Kind::If:
      case Node::Kind::Range:
      case Node::Kind::With:
        // The condition is not searched, only the branches.
        n.list = std::make_shared<List>(list(*n.list));
        if (n.else_list) n.else_list = std::make_shared<List>(list(*n.else_list));
        return true;
      default: return true;
    }
  }
  bool pipe(Pipeline& p) {
    if (cut_) return false;
    std::vector<gotmpl::Command> cmds;
    for (const gotmpl::Command& c : p.cmds) {
      gotmpl::Command kept;
      for (const Arg& a : c.args) {
        Arg copy = a;
        if (arg(copy)) kept.args.push_back(std::move(copy));
      }
      if (kept.args.empty()) return false;
      cmds.push_back(std::move(kept));
    }
    p.cmds = std::move(cmds);
    return !p.cmds.empty();
  }
  bool arg(Arg& a) {
    if (a.kind == Arg::Kind::Field && has(a.chain, "Response")) {
      cut_ = true;
      return true;
    }
    if (cut_) return false;
    if (a.kind == Arg::Kind::Sub) {
      auto sub = std::make_shared<Pipeline>(*a.sub);
      if (!pipe(*sub)) return false;
      a.sub = std::move(sub);
    }
    return true;
  }

  bool cut_ = false;
};

void identifiers_of(const Pipeline& p, std::vector<std::string>& out) {
  for (const gotmpl::Command& c : p.cmds)
    for (const Arg& a : c.args) {
      if (a.kind == Arg::Kind::Field) out.insert(out.end(), a.chain.begin(), a.chain.end());
      else if (a.kind == Arg::Kind::Variable) {
        out.push_back(a.name);
        out.insert(out.end(), a.chain.begin(), a.chain.end());
      } else if (a.kind == Arg::Kind::Sub && a.chain.empty()) {
        identifiers_of(*a.sub, out);  // (…).Field is a chain node, which ollama does not search
      }
    }
}

bool identifier_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

namespace gotmpl {

List cut_after_response(const List& list) { return Cutter().list(list); }

void collect_identifiers(const List& list, std::vector<std::string>& out) {
  for (const Node& n : list) {
    if (n.kind == Node::Kind::Action) identifiers_of(n.pipe, out);
    if (n.kind == Node::Kind::If || n.kind == Node::Kind::Range || n.kind == Node::Kind::With) {
      identifiers_of(n.pipe, out);
      collect_identifiers(*n.list, out);
      if (n.else_list) collect_identifiers(*n.else_list, out);
    }
  }
}

}  // namespace gotmpl

bool is_go_template(std::string_view s) {
  if (s.find("{%") != std::string_view::npos || s.find("{#") != std::string_view::npos) return false;
  static const char* const kKeywords[] = {"if", "range", "with", "end", "else", "define", "template", "block",
                                          "break", "continue"};
  for (size_t at = s.find("{{"); at != std::string_view::npos; at = s.find("{{", at + 2)) {
    size_t i = at + 2;
    if (i < s.size() && s[i] == '-') ++i;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
    if (i >= s.size()) break;
    if (s[i] == '.' || s[i] == '$' || s.substr(i, 2) == "/*") return true;
    for (const char* kw : kKeywords) {
      const std::string_view k(kw);
      if (s.substr(i, k.size()) == k && (i + k.size() >= s.size() || !identifier_char(s[i + k.size()]))) return true;
    }
  }
  return false;
}

GoTemplate GoTemplate::parse(std::string_view source) {
  auto root = std::make_shared<List>(gotmpl::parse(source));
  GoTemplate t;
  t.root_ = root;
  const std::vector<std::string> vars = t.vars();
  if (!has(vars, "messages") && !has(vars, "response")) {
    Node response;
    response.kind = Node::Kind::Action;
    Arg field;
    field.kind = Arg::Kind::Field;
    field.chain = {"Response"};
    response.pipe.cmds.push_back({{field}});
    root->push_back(std::move(response));
  }
  return t;
}

std::vector<std::string> GoTemplate::vars() const {
  std::vector<std::string> ids;
  gotmpl::collect_identifiers(*root_, ids);
  std::set<std::string> lower;
  for (std::string id : ids) {
    std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) { return std::tolower(c); });
    lower.insert(id);
  }
  return {lower.begin(), lower.end()};
}

std::string GoTemplate::execute(const nlohmann::ordered_json& data) const {
  std::string out;
  gotmpl::execute(*root_, data, out);
  return out;
}

std::string GoTemplate::render_chat(const nlohmann::ordered_json& messages, const nlohmann::ordered_json& tools) const {
  // ollama's collate: system messages gathered into .System, consecutive
  // messages of one role (other than tool results) merged.
  std::string system;
  Json collated = Json::array();
  for (const Json& m : messages) {
    Json msg = api_message(m);
    const std::string role = msg["role"].get<std::string>();
    const std::string content = msg["content"].get<std::string>();
    if (role == "system") system += (system.empty() ? "" : "\n\n") + content;
    if (!collated.empty() && collated.back()["role"] == role && role != "tool")
      collated.back()["content"] = collated.back()["content"].get<std::string>() + "\n\n" + content;
    else
      collated.push_back(std::move(msg));
  }
  const std::vector<std::string> v = vars();
  if (has(v, "messages") || has(v, "document")) {
    Json data = Json::object();
    data["System"] = system;
    data["Messages"] = std::move(collated);
    data["Tools"] = tools.is_array() ? tools : Json::array();
    data["Response"] = "";
    data["Think"] = false;
    data["IsThinkSet"] = false;
    data["Query"] = "";
    data["Document"] = "";
    data["Instruction"] = "";
    return execute(data);
  }

  // An old-style template: once per turn.
  std::string out, turn_system, prompt, response;
  auto turn = [&](const List& tree) {
    Json data = Json::object();
    data["System"] = turn_system;
    data["Prompt"] = prompt;
    data["Response"] = response;
    data["Think"] = false;
    data["IsThinkSet"] = false;
    gotmpl::execute(tree, data, out);
    turn_system.clear();
    prompt.clear();
    response.clear();
  };
  for (const Json& m : collated) {
    const std::string role = m["role"].get<std::string>();
    const std::string content = m["content"].get<std::string>();
    if (role == "system") {
      if (!prompt.empty() || !response.empty()) turn(*root_);
      turn_system = content;
    } else if (role == "user") {
      if (!response.empty()) turn(*root_);
      prompt = content;
    } else if (role == "assistant") {
      response = content;
    }
  }
  turn(gotmpl::cut_after_response(*root_));
  return out;
}

}  // namespace hearth::store
