#include "store/pull.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"
#include "gguf/file.h"
#include "store/durable.h"
#include "store/prompt_template.h"
#include "store/pull_sources.h"

namespace hearth::store {

namespace {

bool starts_with_fold(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

}  // namespace

std::optional<HfReference> parse_hf_reference(std::string_view text) {
  std::string_view rest;
  bool found = false;
  for (std::string_view prefix : {"hf://", "https://hf.co/", "http://hf.co/", "hf.co/", "https://huggingface.co/",
                                  "http://huggingface.co/", "huggingface.co/"})
    if (starts_with_fold(text, prefix)) {
      rest = text.substr(prefix.size());
      found = true;
      break;
    }
  if (!found) return std::nullopt;
  HfReference ref;
  if (const size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    ref.quant = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
  }
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size() ||
      rest.find('/', slash + 1) != std::string_view::npos || (ref.quant && ref.quant->empty()))
    fail("invalid Hugging Face model name '", text, "': expected hf.co/ORG/REPO[:QUANT]");
  ref.org = std::string(rest.substr(0, slash));
  ref.repo = std::string(rest.substr(slash + 1));
  return ref;
}

std::optional<Name> pulled_name(std::string_view text) {
  if (auto hf = parse_hf_reference(text)) {
    if (!hf->quant) return std::nullopt;
    return Name::try_parse("hf.co/" + hf->org + "/" + hf->repo + ":" + *hf->quant);
  }
  return Name::try_parse(text);
}

PullResult pull(Store& store, std::string_view name, const PullOptions& options, const ProgressFn& progress) {
  if (auto hf = parse_hf_reference(name)) return pull_from_hugging_face(store, *hf, options, progress);
  return pull_from_registry(store, Name::parse(name), options, progress);
}

std::optional<std::string> template_problem(const std::filesystem::path& gguf,
                                            const std::optional<std::filesystem::path>& template_layer) {
  if (!template_layer) return std::nullopt;
  const auto t = template_in_effect(read_file_bytes(*template_layer),
                                    gguf::File::open(gguf.string()).find_string("tokenizer.chat_template"));
  if (!t) return std::nullopt;
  try {
    check_prompt_template(*t);
  } catch (const Error& e) {
    return cat(e.what(), ": chats with it will fail (--raw still completes text); give it a template hearth can run "
                         "with a Modelfile's TEMPLATE and hearth create");
  }
  return std::nullopt;
}

}  // namespace hearth::store
