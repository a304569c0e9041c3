#pragma once
// Python's str methods on UTF-8 strings, code point by code point, for the
// template language's methods ("a b".split()) and filters (|trim, |title).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/value.h"

namespace hearth::chat::pystr {

// strip/lstrip/rstrip: chars == nullopt strips whitespace (str.isspace).
std::string strip(std::string_view s, const std::optional<std::string>& chars, bool left, bool right);
// str.split / str.rsplit; sep == nullopt splits on runs of whitespace.
std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit);
std::vector<std::string> rsplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit);
// str.splitlines (Python's line boundaries).
std::vector<std::string> splitlines(std::string_view s, bool keepends);
std::string replace(std::string_view s, std::string_view old, std::string_view with, int64_t count, size_t max_len);
std::string title(std::string_view s);        // str.title
std::string capitalize(std::string_view s);   // str.capitalize
std::string swapcase(std::string_view s);
std::string center(std::string_view s, int64_t width, char32_t fill);
std::string ljust(std::string_view s, int64_t width, char32_t fill);
std::string rjust(std::string_view s, int64_t width, char32_t fill);
int64_t count(std::string_view s, std::string_view sub);
// str.find / rfind in code points (-1 when absent).
int64_t find(std::string_view s, std::string_view sub, bool reverse);


// printf-style formatting: format % args (args a tuple, a dict or one value).
std::string percent_format(std::string_view format, const Value& args);
// str.format(*args, **kwargs).
std::string brace_format(std::string_view format, const std::vector<Value>& args,
                         const std::vector<std::pair<std::string, Value>>& kwargs);

}  // namespace hearth::chat::pystr
