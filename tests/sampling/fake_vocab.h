#pragma once
// A made-up vocabulary for constraint tests, shaped like a real one: every
// printable ASCII byte, whitespace runs, common JSON fragments, words,
// digit runs, escapes, multi-byte characters whole and split across tokens,
// bytes that are never valid UTF-8, a control token (no bytes) and two end
// tokens (no bytes either, as a detokenizer would give them).
#include <cstdint>
#include <string>
#include <vector>

namespace hearth::test {

struct FakeVocab {
  std::vector<std::string> pieces;
  std::vector<int32_t> end_tokens;
  int32_t control = -1;
};

inline FakeVocab fake_vocab() {
  FakeVocab v;
  auto& p = v.pieces;
  for (int c = 0x20; c < 0x7F; ++c) p.push_back(std::string(1, static_cast<char>(c)));
  for (const char* s : {"\n", "\t", "  ", "    ", "\n  ", "\n    ", "\r\n", " \n"}) p.push_back(s);
  for (const char* s : {"{\"", "\"}", "\":", "\",", "\", \"", "\":\"", "\": \"", "\": ", "{}", "[]", "[{", "}]", "},",
                        "],", ",\"", ", ", "[\"", "\"]", "{\n", "\n}", "[1", "1]", "\"\"", "null", "true", "false", "tru",
                        "nu", "ll", "fal", "se"})
    p.push_back(s);
  for (const char* s : {"name", "age", "id", "kind", "tags", "value", "kids", "items", "when", "uuid", "score", "Alice",
                        "Bob", "red", "green", "blue", "circle", "square", "ab", "xyz", "hello", " world"})
    p.push_back(s);
  for (const char* s : {"\"name\"", "\"age\"", "\"kind\"", "\"tags\"", "\"value\"", "\"kids\"", "\"circle\"", "\"red\""})
    p.push_back(s);
  for (const char* s : {"10", "12", "42", "100", "123", "2024", "999", "00", "-1", "-12", "0.", "0.5", ".5", ".25", "e+",
                        "E-", "e1", "1e", "12:", "-01", "-02", "-28", "T1", "00Z", "+05:30", "1234abcd", "-abcd", "ef01"})
    p.push_back(s);
  for (const char* s : {"\\\"", "\\\\", "\\n", "\\t", "\\u00", "\\u00e9", "\\u20AC", "\\ud83d", "\\ude00", "\\uD83D\\uDE00",
                        "\\uDFFF", "\\x"})
    p.push_back(s);
  // é € 😀 日本 ü whole, and split at every byte boundary.
  for (const char* s : {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xE6\x97\xA5\xE6\x9C\xAC", "\xC3\xBC", "caf\xC3\xA9",
                        "\xC3", "\xA9", "\xE2", "\x82\xAC", "\xE2\x82", "\xAC", "\xF0\x9F", "\x98\x80", "\xF0", "\x9F\x98",
                        "\x80", "\xE6\x97", "\xA5\xE6", "\x9C\xAC", "\xBC\"", "a\xC3"})
    p.push_back(s);
  for (const char* s : {"\xFF", "\xC0\x80", "\xED\xA0\x80", "\xF8"}) p.push_back(s);  // never valid
  v.control = static_cast<int32_t>(p.size());
  p.push_back("");
  v.end_tokens = {static_cast<int32_t>(p.size()), static_cast<int32_t>(p.size() + 1)};
  p.push_back("");
  p.push_back("");
  return v;
}

}  // namespace hearth::test
