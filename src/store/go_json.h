#pragma once
// JSON written byte for byte as Go's encoding/json Encoder writes it, which is
// how ollama writes manifests, config blobs and the params/messages layers:
// compact, members in the given order (Go sorts map keys: build those from a
// sorted nlohmann::json), '<', '>', '&', U+2028 and U+2029 escaped as \u003c
// etc., numbers in Go's shortest form, and a newline at the end. Equal content
// then gives ollama's digests.
#include <string>

#include <nlohmann/json.hpp>

namespace hearth::store {

std::string go_json(const nlohmann::ordered_json& value);

// A number as Go's strconv.FormatFloat(v, 'g', -1, 64) and fmt's %v print it:
// "0.7", "4096", "1e+06", "1.5e-07".
std::string go_format_float(double v);

// A string quoted as Go's strconv.Quote (fmt's %#v) quotes it.
std::string go_quote(const std::string& s);

}  // namespace hearth::store
