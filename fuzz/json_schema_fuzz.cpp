// libFuzzer target for the JSON Schema converter and the grammar matcher.
//
// Input: a JSON schema, then optionally a NUL byte and bytes that drive the
// matcher. grammar_from_json_schema must throw hearth::Error (a one-line
// message) or return a grammar, quickly and within bounded memory. On a
// grammar:
//   - the bytes after the NUL, fed in chunks of varying size: accepts() says
//     yes exactly when advance() succeeds;
//   - a walk: at each step the next byte is chosen, by the input, among the
//     bytes the matcher allows (may_start_with, checked against accepts());
//     allowed bytes never lead to a dead end, and whenever the text is
//     complete it parses as JSON and validates against the schema (the
//     tests' independent validator, tests/sampling/schema_oracle.h).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "core/error.h"
#include "sampling/grammar_matcher.h"
#include "sampling/json_schema.h"
#include "sampling/schema_oracle.h"

namespace {

using hearth::sampling::GrammarMatcher;

[[noreturn]] void finding(const char* what, std::string_view text = {}) {
  std::fprintf(stderr, "json_schema_fuzz: %s\n", what);
  if (!text.empty()) std::fprintf(stderr, "text: %.*s\n", static_cast<int>(text.size()), text.data());
  std::abort();
}

void check_message(const hearth::Error& e) {
  if (std::strchr(e.what(), '\n')) finding("an error message spans lines", e.what());
}

// The complete text must be JSON that validates.
void check_complete(const std::string& text, const nlohmann::json& schema) {
  const nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
  if (value.is_discarded()) finding("a complete text is not JSON", text);
  std::string why;
  try {
    why = hearth::test::schema_violation(value, schema);
  } catch (const std::exception&) {
    return;  // a schema the oracle does not follow (it is only a test helper)
  }
  if (!why.empty()) finding(("a complete text does not validate: " + why).c_str(), text);
}

void feed_chunks(const std::shared_ptr<const hearth::sampling::Grammar>& g, std::string_view bytes) {
  GrammarMatcher m(g);
  size_t at = 0, size = 1;
  while (at < bytes.size()) {
    const std::string_view chunk = bytes.substr(at, size);
    const bool ok = m.accepts(chunk);
    bool advanced = true;
    try {
      m.advance(chunk);
    } catch (const hearth::Error& e) {
      check_message(e);
      advanced = false;
    }
    if (ok != advanced) finding("accepts() and advance() disagree", chunk);
    if (!ok) return;
    at += chunk.size();
    size = size % 7 + 1;
  }
}

void walk(const std::shared_ptr<const hearth::sampling::Grammar>& g, std::string_view choices,
          const nlohmann::json& schema) {
  GrammarMatcher m(g);
  std::string text;
  unsigned char allowed[256];
  for (size_t step = 0; step < choices.size() && step < 512; ++step) {
    if (m.complete()) check_complete(text, schema);
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      const bool may = m.may_start_with(static_cast<unsigned char>(b));
      if (step % 32 == 0) {
        const char c = static_cast<char>(b);
        if (may != m.accepts(std::string_view(&c, 1))) finding("may_start_with() and accepts() disagree", text);
      }
      if (may) allowed[n++] = static_cast<unsigned char>(b);
    }
    if (n == 0) {
      if (!m.complete()) finding("a dead end: nothing allowed and not complete", text);
      return;
    }
    const char next = static_cast<char>(allowed[static_cast<unsigned char>(choices[step]) % n]);
    m.advance(std::string_view(&next, 1));
    text += next;
  }
  if (m.complete()) check_complete(text, schema);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  const std::string_view schema_text = input.substr(0, nul);
  const std::string_view rest = nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);

  const auto ordered = nlohmann::ordered_json::parse(schema_text, nullptr, false);
  if (ordered.is_discarded()) return 0;
  std::shared_ptr<const hearth::sampling::Grammar> g;
  try {
    g = hearth::sampling::grammar_from_json_schema(ordered);
  } catch (const hearth::Error& e) {
    check_message(e);
    return 0;
  }
  const nlohmann::json plain = nlohmann::json::parse(schema_text, nullptr, false);
  try {
    if (rest.size() % 2 == 1) (void)hearth::sampling::grammar_from_json_schema(plain);
    feed_chunks(g, rest);
    walk(g, rest, plain);
  } catch (const hearth::Error& e) {
    // Matching may refuse a grammar as too ambiguous; nothing else.
    check_message(e);
    if (!std::strstr(e.what(), "too ambiguous")) finding(e.what());
  }
  return 0;
}
