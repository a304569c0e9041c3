#pragma once
// Model names as ollama parses them: [host/][namespace/]model[:tag], with
// host registry.ollama.ai, namespace library and tag latest by default.
//
//   host:      letters, digits, '_', '-', '.', ':' (a port); 1-350 characters
//   namespace: letters, digits, '_', '-'; 1-80 characters
//   model/tag: letters, digits, '_', '-', '.'; 1-80 characters
//   every part starts with a letter, a digit or '_'.
//
// Case: a name keeps the case it was created with (manifests are stored under
// it), but two names that differ only in case are the same model: look-ups
// ignore case, and creating or copying to a case variant of an existing
// model is refused. ollama refuses such variants too, but looks names up by
// their exact path, so on Linux it cannot find "Llama3" when "llama3" is stored;
// hearth can.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace hearth::store {

constexpr std::string_view kDefaultHost = "registry.ollama.ai";
constexpr std::string_view kDefaultNamespace = "library";
constexpr std::string_view kDefaultTag = "latest";

struct Name {
  std::string host, ns, model, tag;

  // Fills in the defaults. Throws hearth::Error ("invalid model name 'x': ...").
  static Name parse(std::string_view text);
  static std::optional<Name> try_parse(std::string_view text);
  // The name a manifest at manifests/<host>/<namespace>/<model>/<tag> has;
  // nullopt when a part is not valid (a temporary file, a stray directory).
  static std::optional<Name> from_parts(std::string host, std::string ns, std::string model, std::string tag);

  // As `ollama list` prints it: "qwen2.5:0.5b", "myns/mymodel:latest",
  // "hf.co/org/repo:Q4_K_M" (the host and namespace only when not the defaults).
  std::string display() const;
  std::string full() const;  // "registry.ollama.ai/library/qwen2.5:0.5b"
  // manifests/ relative path: host/namespace/model/tag.
  std::filesystem::path relative_path() const;

  // Equal ignoring ASCII case: the same model.
  bool same_model(const Name& other) const;
  friend bool operator==(const Name&, const Name&) = default;  // exact spelling
};

}  // namespace hearth::store
