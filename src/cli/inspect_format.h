#pragma once
// The output of `hearth inspect`, kept apart from the command line so that it
// can be tested without CLI11. Header-only: it depends on gguf and
// nlohmann-json only.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include <nlohmann/json.hpp>

#include "gguf/file.h"
#include "gguf/value.h"
#include "tensor/dtype.h"

namespace hearth::cli {

// Text mode shows this many array elements, then "... (N more)".
constexpr size_t kInspectArrayItems = 8;
// Text mode shows this many bytes of a string, then "... (N more bytes)".
constexpr size_t kInspectStringBytes = 256;

// "uint32", "string", "array[string]", "array[array[int32]]"; an array of
// arrays whose element types differ is "array[array]".
inline std::string inspect_type_name(const gguf::Value& v) {
  const auto* a = std::get_if<gguf::Array>(&v.data);
  if (!a) return gguf::value_type_name(v.type());
  if (a->element_type != gguf::ValueType::ARRAY || a->items.empty())
    return std::string("array[") + gguf::value_type_name(a->element_type) + "]";
  const std::string first = inspect_type_name(a->items.front());
  for (const gguf::Value& item : a->items)
    if (inspect_type_name(item) != first) return "array[array]";
  return "array[" + first + "]";
}

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not valid.
inline size_t inspect_utf8_length(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xe0) == 0xc0) n = 2, cp = c & 0x1f;
  else if ((c & 0xf0) == 0xe0) n = 3, cp = c & 0x0f;
  else if ((c & 0xf8) == 0xf0) n = 4, cp = c & 0x07;
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3f);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

// s in double quotes, with quotes, backslashes and control characters escaped
// and bytes that are not valid UTF-8 written as \xNN. Strings longer than
// max_bytes are cut (on a character boundary) and the rest counted.
inline std::string inspect_quote(std::string_view s, size_t max_bytes = std::string_view::npos) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  size_t i = 0;
  while (i < s.size() && i < max_bytes) {
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      default: break;
    }
    const size_t n = inspect_utf8_length(s, i);
    if (n == 0 || c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  out += '"';
  if (i < s.size()) out += " ... (" + std::to_string(s.size() - i) + " more bytes)";
  return out;
}

// Shortest decimal form that reads back as the same float/double.
template <typename F>
std::string inspect_float(F x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

inline std::string inspect_value_text(const gguf::Value& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return inspect_quote(x, kInspectStringBytes);
        } else if constexpr (std::is_same_v<T, gguf::Array>) {
          std::string out = "[";
          const size_t shown = std::min(x.items.size(), kInspectArrayItems);
          for (size_t i = 0; i < shown; ++i) {
            if (i) out += ", ";
            out += inspect_value_text(x.items[i]);
          }
          if (shown < x.items.size())
            out += (shown ? ", ... (" : "... (") + std::to_string(x.items.size() - shown) + " more)";
          return out + "]";
        } else if constexpr (std::is_same_v<T, bool>) {
          return x ? "true" : "false";
        } else if constexpr (std::is_floating_point_v<T>) {
          return inspect_float(x);
        } else {
          return std::to_string(x);
        }
      },
      v.data);
}

// Floats become the number their shortest form reads as (a float32 1e-5
// is written 1e-05, not 9.999999747378752e-06); NaN and infinities, which
// JSON lacks, become the strings "nan", "inf" and "-inf".
inline nlohmann::ordered_json inspect_value_json(const gguf::Value& v) {
  return std::visit(
      [](const auto& x) -> nlohmann::ordered_json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, gguf::Array>) {
          auto out = nlohmann::ordered_json::array();
          for (const gguf::Value& item : x.items) out.push_back(inspect_value_json(item));
          return out;
        } else if constexpr (std::is_floating_point_v<T>) {
          if (!std::isfinite(x)) return inspect_float(x);
          const std::string text = inspect_float(x);
          double d = static_cast<double>(x);  // exact, in case the short form does not parse
          std::from_chars(text.data(), text.data() + text.size(), d);
          return d;
        } else {
          return x;
        }
      },
      v.data);
}

inline std::string inspect_shape(const std::vector<int64_t>& dims) {
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) out += (i ? ", " : "") + std::to_string(dims[i]);
  return out + "]";
}

inline std::string inspect_pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

inline std::string inspect_text(const gguf::File& file) {
  std::string out;
  out += "file:        " + file.path() + "\n";
  out += "version:     " + std::to_string(file.version()) + "\n";
  out += "tensors:     " + std::to_string(file.tensors().size()) + "\n";
  out += "metadata:    " + std::to_string(file.metadata().size()) + " keys\n";
  out += "alignment:   " + std::to_string(file.alignment()) + "\n";
  out += "data offset: " + std::to_string(file.data_offset()) + "\n";

  size_t key_w = 0, type_w = 0;
  for (const gguf::KeyValue& kv : file.metadata()) {
    key_w = std::max(key_w, kv.key.size());
    type_w = std::max(type_w, inspect_type_name(kv.value).size());
  }
  key_w = std::min<size_t>(key_w, 48);
  out += "\nmetadata:\n";
  for (const gguf::KeyValue& kv : file.metadata()) {
    // Keys are printed as they are unless they need escaping.
    const std::string quoted = inspect_quote(kv.key);
    const std::string key =
        quoted.size() == kv.key.size() + 2 ? kv.key : quoted;
    out += "  " + inspect_pad(key, key_w) + "  " + inspect_pad(inspect_type_name(kv.value), type_w) +
           "  " + inspect_value_text(kv.value) + "\n";
  }

  if (file.tensors().empty()) return out + "\ntensors: none\n";
  size_t name_w = 4, dtype_w = 4, shape_w = 5, offset_w = 6, nbytes_w = 6;
  for (const gguf::TensorInfo& t : file.tensors()) {
    name_w = std::max(name_w, t.name.size());
    dtype_w = std::max(dtype_w, tensor::dtype_name(static_cast<uint32_t>(t.type)).size());
    shape_w = std::max(shape_w, inspect_shape(t.dims).size());
    offset_w = std::max(offset_w, std::to_string(t.offset).size());
    nbytes_w = std::max(nbytes_w, std::to_string(t.nbytes).size());
  }
  name_w = std::min<size_t>(name_w, 48);
  auto right = [](const std::string& s, size_t width) {
    return s.size() < width ? std::string(width - s.size(), ' ') + s : s;
  };
  out += "\ntensors:\n";
  out += "  " + inspect_pad("name", name_w) + "  " + inspect_pad("type", dtype_w) + "  " +
         inspect_pad("shape", shape_w) + "  " + right("offset", offset_w) + "  " +
         right("nbytes", nbytes_w) + "\n";
  for (const gguf::TensorInfo& t : file.tensors()) {
    const std::string quoted = inspect_quote(t.name);
    const std::string name = quoted.size() == t.name.size() + 2 ? t.name : quoted;
    out += "  " + inspect_pad(name, name_w) + "  " +
           inspect_pad(tensor::dtype_name(static_cast<uint32_t>(t.type)), dtype_w) + "  " +
           inspect_pad(inspect_shape(t.dims), shape_w) + "  " + right(std::to_string(t.offset), offset_w) +
           "  " + right(std::to_string(t.nbytes), nbytes_w) + "\n";
  }
  return out;
}

inline nlohmann::ordered_json inspect_json(const gguf::File& file) {
  nlohmann::ordered_json j;
  j["version"] = file.version();
  j["alignment"] = file.alignment();
  j["data_offset"] = file.data_offset();
  auto meta = nlohmann::ordered_json::object();
  for (const gguf::KeyValue& kv : file.metadata())
    meta[kv.key] = {{"type", inspect_type_name(kv.value)}, {"value", inspect_value_json(kv.value)}};
  j["metadata"] = std::move(meta);
  auto tensors = nlohmann::ordered_json::array();
  for (const gguf::TensorInfo& t : file.tensors())
    tensors.push_back({{"name", t.name},
                       {"type", tensor::dtype_name(static_cast<uint32_t>(t.type))},
                       {"shape", t.dims},
                       {"offset", t.offset},
                       {"nbytes", t.nbytes}});
  j["tensors"] = std::move(tensors);
  return j;
}

// The JSON as one line. Strings that are not valid UTF-8 get U+FFFD for
// their bad bytes rather than failing the dump.
inline std::string inspect_json_text(const gguf::File& file) {
  return inspect_json(file).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace hearth::cli
