#pragma once
// A blob's content address: the sha256 of its bytes. Manifests write it as
// "sha256:<hex>", the blobs directory names files "sha256-<hex>".
#include <optional>
#include <string>
#include <string_view>

namespace hearth::store {

struct Digest {
  std::string hex;  // 64 lowercase hex digits

  // Accepts "sha256:<hex>" and "sha256-<hex>". Throws hearth::Error.
  static Digest parse(std::string_view text);
  static std::optional<Digest> try_parse(std::string_view text);
  static Digest of(std::string_view bytes);

  std::string str() const { return "sha256:" + hex; }        // as in manifests
  std::string blob_name() const { return "sha256-" + hex; }  // the file in blobs/
  std::string short_id() const { return hex.substr(0, 12); } // `hearth list`'s ID

  friend bool operator==(const Digest&, const Digest&) = default;
  friend auto operator<=>(const Digest&, const Digest&) = default;
};

}  // namespace hearth::store
