#include "store/name.h"

#include <cctype>

#include "core/error.h"

namespace hearth::store {

namespace {

enum class Part { Host, Namespace, Model, Tag };

const char* part_name(Part p) {
  switch (p) {
    case Part::Host: return "host";
    case Part::Namespace: return "namespace";
    case Part::Model: return "model";
    case Part::Tag: return "tag";
  }
  return "part";
}

size_t max_length(Part p) { return p == Part::Host ? 350 : 80; }

bool alnum_or_underscore(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool allowed_after_first(Part p, char c) {
  if (alnum_or_underscore(c) || c == '-') return true;
  if (c == '.') return p != Part::Namespace;
  if (c == ':') return p == Part::Host;
  return false;
}

// The problem with one part, or "" when it is valid.
std::string part_problem(Part p, std::string_view s) {
  if (s.empty()) return cat("the ", part_name(p), " is empty");
  if (s.size() > max_length(p)) return cat("the ", part_name(p), " is longer than ", max_length(p), " characters");
  if (!alnum_or_underscore(s[0]))
    return cat("the ", part_name(p), " '", s, "' must start with a letter, a digit or '_'");
  for (char c : s.substr(1)) {
    if (allowed_after_first(p, c)) continue;
    const char* allowed = p == Part::Host        ? "letters, digits, '_', '-', '.' and ':'"
                          : p == Part::Namespace ? "letters, digits, '_' and '-'"
                                                 : "letters, digits, '_', '-' and '.'";
    return cat("the ", part_name(p), " '", s, "' may hold only ", allowed);
  }
  return "";
}

struct Parsed {
  Name name;
  std::string problem;
};

Parsed parse_name(std::string_view text) {
  Parsed out;
  std::string_view s = text;
  for (std::string_view scheme : {"https://", "http://"})
    if (s.substr(0, scheme.size()) == scheme) s.remove_prefix(scheme.size());

  // A tag follows the last ':' only when no '/' comes after it: a ':' before
  // a '/' is a host's port.
  std::optional<std::string_view> tag;
  const size_t colon = s.rfind(':'), slash = s.rfind('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    tag = s.substr(colon + 1);
    s = s.substr(0, colon);
  }
  std::string_view parts[3];  // host, namespace, model, filled from the right
  int n = 0;
  for (;;) {
    const size_t cut = s.rfind('/');
    if (n == 2 || cut == std::string_view::npos) {
      parts[2 - n++] = s;
      break;
    }
    parts[2 - n++] = s.substr(cut + 1);
    s = s.substr(0, cut);
  }
  Name& name = out.name;
  name.model = std::string(parts[2]);
  name.ns = n >= 2 ? std::string(parts[1]) : std::string(kDefaultNamespace);
  name.host = n >= 3 ? std::string(parts[0]) : std::string(kDefaultHost);
  name.tag = tag ? std::string(*tag) : std::string(kDefaultTag);

  if (n >= 3 && name.host.find('/') != std::string::npos) {
    out.problem = "it has more than three '/'-separated parts ([host/][namespace/]model[:tag])";
    return out;
  }
  const std::pair<Part, const std::string*> checks[] = {
      {Part::Host, &name.host}, {Part::Namespace, &name.ns}, {Part::Model, &name.model}, {Part::Tag, &name.tag}};
  for (const auto& [part, value] : checks) {
    out.problem = part_problem(part, *value);
    if (!out.problem.empty()) return out;
  }
  return out;
}

bool equal_fold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

}  // namespace

Name Name::parse(std::string_view text) {
  Parsed p = parse_name(text);
  if (!p.problem.empty()) fail("invalid model name '", text, "': ", p.problem);
  return p.name;
}

std::optional<Name> Name::try_parse(std::string_view text) {
  Parsed p = parse_name(text);
  if (!p.problem.empty()) return std::nullopt;
  return p.name;
}

std::optional<Name> Name::from_parts(std::string host, std::string ns, std::string model, std::string tag) {
  Name n{std::move(host), std::move(ns), std::move(model), std::move(tag)};
  if (!part_problem(Part::Host, n.host).empty() || !part_problem(Part::Namespace, n.ns).empty() ||
      !part_problem(Part::Model, n.model).empty() || !part_problem(Part::Tag, n.tag).empty())
    return std::nullopt;
  return n;
}

std::string Name::display() const {
  std::string out;
  if (!equal_fold(host, kDefaultHost)) out = host + "/" + ns + "/";
  else if (!equal_fold(ns, kDefaultNamespace)) out = ns + "/";
  return out + model + ":" + tag;
}

std::string Name::full() const { return host + "/" + ns + "/" + model + ":" + tag; }

std::filesystem::path Name::relative_path() const { return std::filesystem::path(host) / ns / model / tag; }

bool Name::same_model(const Name& o) const {
  return equal_fold(host, o.host) && equal_fold(ns, o.ns) && equal_fold(model, o.model) && equal_fold(tag, o.tag);
}

}  // namespace hearth::store
