#include "store/hf_files.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace hearth::store {

namespace {

// llama.cpp's quantization names, longest first so that Q4_0_4_4 wins over Q4_0.
const std::vector<std::string>& labels() {
  static const std::vector<std::string> list = [] {
    std::vector<std::string> l = {
        "F32",     "F16",     "BF16",    "Q8_0",    "Q8_1",     "Q6_K",    "Q5_K_M",   "Q5_K_S",  "Q5_K_L",
        "Q5_0",    "Q5_1",    "Q4_K_M",  "Q4_K_S",  "Q4_K_L",   "Q4_0",    "Q4_1",     "Q4_0_4_4", "Q4_0_4_8",
        "Q4_0_8_8", "Q3_K_L", "Q3_K_M",  "Q3_K_S",  "Q2_K",     "Q2_K_L",  "Q2_K_S",   "Q2_K_XL", "Q3_K_XL",
        "Q4_K_XL", "Q5_K_XL", "Q6_K_XL", "Q8_K_XL", "IQ4_XS",   "IQ4_NL",  "IQ3_XXS",  "IQ3_XS",  "IQ3_S",
        "IQ3_M",   "IQ2_XXS", "IQ2_XS",  "IQ2_S",   "IQ2_M",    "IQ1_S",   "IQ1_M",    "TQ1_0",   "TQ2_0",
        "MXFP4"};
    std::stable_sort(l.begin(), l.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    return l;
  }();
  return list;
}

// Most wanted first: what runs well on a CPU for its size.
const char* const kPreference[] = {"Q4_K_M", "Q4_K_S", "Q4_0",  "IQ4_XS", "IQ4_NL", "Q5_K_M", "Q5_K_S", "Q5_0",
                                   "Q6_K",   "Q8_0",   "Q3_K_L", "Q3_K_M", "Q3_K_S", "Q2_K",  "F16",    "BF16", "F32"};

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}

bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)); }

// Whether `token` (upper case) occurs in `name` (upper case) with no letter,
// digit or '_' right after it and no letter or digit right before.
bool contains_token(const std::string& name, const std::string& token) {
  for (size_t at = name.find(token); at != std::string::npos; at = name.find(token, at + 1)) {
    const bool before = at == 0 || !alnum(name[at - 1]);
    const size_t end = at + token.size();
    const bool after = end == name.size() || (!alnum(name[end]) && name[end] != '_');
    if (before && after) return true;
  }
  return false;
}

std::string base_name(std::string_view path) {
  const size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

const std::regex& split_pattern() {
  static const std::regex re(R"((.*)-([0-9]{5})-of-([0-9]{5})\.gguf)", std::regex::icase);
  return re;
}

bool is_model_gguf(const std::string& path) {
  const std::string b = upper(base_name(path));
  return b.size() > 5 && b.substr(b.size() - 5) == ".GGUF" && b.find("MMPROJ") == std::string::npos &&
         b.find("IMATRIX") == std::string::npos;
}

struct Group {
  std::string key;    // the path, without a split suffix
  std::string label;  // quant_label
  int count = 1;      // parts it says it has
  std::map<int, HfFile> parts;
};

std::vector<Group> model_groups(const std::vector<HfFile>& files) {
  std::map<std::string, Group> groups;
  for (const HfFile& f : files) {
    if (!is_model_gguf(f.path)) continue;
    std::smatch m;
    const std::string b = base_name(f.path);
    const std::string dir = f.path.substr(0, f.path.size() - b.size());
    if (std::regex_match(b, m, split_pattern())) {
      Group& g = groups[dir + m[1].str()];
      g.key = dir + m[1].str();
      g.count = std::stoi(m[3].str());
      g.parts[std::stoi(m[2].str())] = f;
    } else {
      Group& g = groups[f.path];
      g.key = f.path;
      g.parts[1] = f;
    }
  }
  std::vector<Group> out;
  for (auto& [k, g] : groups) {
    g.label = quant_label(g.parts.begin()->second.path);
    out.push_back(std::move(g));
  }
  return out;
}

std::string describe(const std::vector<Group>& groups) {
  std::set<std::string> names;
  for (const Group& g : groups) names.insert(g.label.empty() ? base_name(g.key) : g.label);
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

const Group* shortest(const std::vector<const Group*>& v) {
  const Group* best = nullptr;
  for (const Group* g : v)
    if (!best || g->key.size() < best->key.size() || (g->key.size() == best->key.size() && g->key < best->key)) best = g;
  return best;
}

}  // namespace

std::vector<HfFile> parse_hf_tree(std::string_view json, const std::string& where) {
  const auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_array()) fail(where, ": not a file listing (expected a JSON array)");
  std::vector<HfFile> out;
  for (const auto& e : j) {
    if (!e.is_object() || e.value("type", "") != "file") continue;
    const auto path = e.find("path");
    const auto size = e.find("size");
    if (path == e.end() || !path->is_string() || size == e.end() || !size->is_number_unsigned())
      fail(where, ": a file entry without a path or size");
    HfFile f{path->get<std::string>(), size->get<uint64_t>(), std::nullopt};
    if (const auto lfs = e.find("lfs"); lfs != e.end() && lfs->is_object()) {
      const std::string oid = lfs->value("oid", "");
      f.sha256 = Digest::try_parse("sha256:" + oid);
      if (!f.sha256) fail(where, ": '", f.path, "' has an invalid sha256 '", oid, "'");
      if (lfs->contains("size") && lfs->at("size").is_number_unsigned()) f.size = lfs->at("size").get<uint64_t>();
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::optional<std::string> next_page(const std::optional<std::string>& link) {
  if (!link) return std::nullopt;
  static const std::regex entry(R"re(<([^>]*)>\s*;\s*rel="?next"?)re");
  std::smatch m;
  if (std::regex_search(*link, m, entry)) return m[1].str();
  return std::nullopt;
}

std::string quant_label(std::string_view file_name) {
  std::string name = upper(base_name(file_name));
  std::smatch m;
  if (std::regex_match(name, m, split_pattern())) name = m[1].str();
  else if (name.size() > 5 && name.substr(name.size() - 5) == ".GGUF") name.resize(name.size() - 5);
  for (const std::string& l : labels())
    if (contains_token(name, l)) return l;
  return "";
}

GgufChoice choose_gguf(const std::vector<HfFile>& files, const std::optional<std::string>& quant,
                       const std::string& repo) {
  const std::vector<Group> groups = model_groups(files);
  if (groups.empty()) fail(repo, " has no GGUF model file");
  const Group* chosen = nullptr;
  std::string tag;
  const bool any = !quant || upper(*quant) == "LATEST";
  if (!any) {
    const std::string q = upper(*quant);
    std::vector<const Group*> exact, loose;
    for (const Group& g : groups) {
      if (g.label == q) exact.push_back(&g);
      else if (contains_token(upper(base_name(g.key)), q)) loose.push_back(&g);
    }
    chosen = shortest(exact.empty() ? loose : exact);
    if (!chosen) fail(repo, " has no ", *quant, " GGUF file; it has: ", describe(groups));
    tag = exact.empty() ? *quant : chosen->label;
  } else {
    for (const char* pref : kPreference) {
      std::vector<const Group*> v;
      for (const Group& g : groups)
        if (g.label == pref) v.push_back(&g);
      if ((chosen = shortest(v))) break;
    }
    if (!chosen && groups.size() == 1) chosen = &groups[0];
    if (!chosen)
      fail(repo, " has several GGUF files and none of the usual quantizations; name one (", repo, ":QUANT): ",
           describe(groups));
    tag = chosen->label.empty() ? "latest" : chosen->label;
  }
  GgufChoice out{tag, {}};
  for (int i = 1; i <= chosen->count; ++i) {
    const auto it = chosen->parts.find(i);
    if (it == chosen->parts.end())
      fail(repo, ": part ", i, " of ", chosen->count, " of '", base_name(chosen->key), "' is missing from the repository");
    out.parts.push_back(it->second);
  }
  if (chosen->parts.size() != static_cast<size_t>(chosen->count))
    fail(repo, ": '", base_name(chosen->key), "' has parts that do not belong to a ", chosen->count, "-part model");
  return out;
}

}  // namespace hearth::store
