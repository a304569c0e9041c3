#include "store/digest.h"

#include "core/error.h"
#include "store/sha256.h"

namespace hearth::store {

std::optional<Digest> Digest::try_parse(std::string_view text) {
  constexpr std::string_view kAlgorithm = "sha256";
  if (text.size() != kAlgorithm.size() + 1 + 64 || text.substr(0, kAlgorithm.size()) != kAlgorithm) return std::nullopt;
  const char sep = text[kAlgorithm.size()];
  if (sep != ':' && sep != '-') return std::nullopt;
  std::string_view hex = text.substr(kAlgorithm.size() + 1);
  for (char c : hex)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  return Digest{std::string(hex)};
}

Digest Digest::parse(std::string_view text) {
  if (auto d = try_parse(text)) return *d;
  fail("invalid digest '", text, "' (expected sha256:<64 lowercase hex digits>)");
}

Digest Digest::of(std::string_view bytes) { return Digest{sha256_hex(bytes)}; }

}  // namespace hearth::store
