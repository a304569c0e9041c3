#include "store/model_source.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <regex>

#include "core/error.h"

namespace hearth::store {

namespace fs = std::filesystem;

namespace {

bool has_gguf_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".gguf";
}

// llama.cpp's gguf-split names its parts "<name>-00001-of-00003.gguf".
bool is_split_part(const fs::path& p) {
  static const std::regex part(R"(.*-[0-9]{5}-of-[0-9]{5}\.gguf)", std::regex::icase);
  return std::regex_match(p.filename().string(), part);
}

[[noreturn]] void refuse_split(const std::string& where) {
  fail("'", where, "' is a GGUF model split into parts; hearth does not merge them: merge them first ",
       "(llama-gguf-split --merge FIRST-PART OUT.gguf) and give FROM the merged file");
}

fs::path gguf_in_directory(const fs::path& dir) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file(ec) && has_gguf_extension(e.path())) found.push_back(e.path());
  if (ec) fail("cannot read directory '", dir.string(), "': ", ec.message());
  std::sort(found.begin(), found.end());
  if (found.empty()) fail("directory '", dir.string(), "' holds no .gguf file");
  if (std::any_of(found.begin(), found.end(), is_split_part)) refuse_split(dir.string());
  if (found.size() > 1)
    fail("directory '", dir.string(), "' holds ", found.size(), " GGUF files ('", found[0].filename().string(), "', '",
         found[1].filename().string(), "'...): name one of them in FROM");
  return found[0];
}

}  // namespace

fs::path modelfile_path(const std::string& text, const fs::path& directory) {
  if (text == "~" || text.rfind("~/", 0) == 0) {
    const char* home = std::getenv("HOME");
    if (!home || !*home) fail("cannot expand '", text, "': HOME is not set");
    return fs::path(home) / text.substr(text.size() > 1 ? 2 : 1);
  }
  const fs::path p(text);
  return p.is_absolute() || directory.empty() ? p : directory / p;
}

ModelSource resolve_model_source(const Store& store, const Modelfile& modelfile) {
  if (modelfile.from.empty()) fail("the Modelfile's FROM is empty");
  const fs::path path = modelfile_path(modelfile.from, modelfile.directory);
  std::error_code ec;
  if (fs::exists(path, ec)) {
    const fs::path file = fs::is_directory(path, ec) ? gguf_in_directory(path) : path;
    if (is_split_part(file)) refuse_split(file.string());
    return ModelSource{file, std::nullopt};
  }
  const auto name = Name::try_parse(modelfile.from);
  if (!name) fail("FROM '", modelfile.from, "': no such file or directory ('", path.string(), "')");
  auto base = store.find(*name);
  if (!base)
    fail("FROM '", modelfile.from, "': no such file ('", path.string(), "'), and model '", name->display(), "' not found");
  fs::path gguf = base->model_path;
  return ModelSource{std::move(gguf), std::move(base)};
}

}  // namespace hearth::store
