#define PCRE2_CODE_UNIT_WIDTH 8
#include "tokenizer/pretokenizer.h"

#include <pcre2.h>

#include <array>

#include "core/error.h"
#include "tokenizer/unicode.h"

namespace hearth::tokenizer {

namespace {

// ---------------------------------------------------------------------------
// The expressions, by pre-tokenizer family. Where a model's tokenizer.json
// expression is known it is used as written there (PCRE2 runs it as Hugging
// Face tokenizers does); the multi-expression sequences are the ones llama.cpp
// uses for those families.

// GPT-2. (llama.cpp's lists leave out the final |\s+; that changes nothing,
// since text no expression matches becomes a word of its own anyway.)
constexpr std::string_view kGpt2 =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// Llama 3 (and DBRX, Smaug, ChatGLM 4): numbers in groups of up to three digits.
constexpr std::string_view kLlama3 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Jais 2: Llama 3 with whitespace runs cut into power-of-two blocks.
constexpr std::string_view kJais2 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s{512}(?!\S)|\s{256}(?!\S)|\s{128}(?!\S)|\s{64}(?!\S)|\s{32}(?!\S)|\s{16}(?!\S)|\s{8}(?!\S)|\s{4}(?!\S)|\s{1,2}(?!\S)|\s{1})";

// Qwen 2: single digits.
constexpr std::string_view kQwen2 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Qwen 3.5: combining marks stay with their letters.
constexpr std::string_view kQwen35 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Qwen 2 without the English contractions (Turkish suffixes stay attached).
constexpr std::string_view kUfakzeka =
    R"([^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// GPT-4o / o200k: words split at case changes, contractions attached.
constexpr std::string_view kGpt4o =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Granite embedding (multilingual, 97m): GPT-4o's letter classes with marks.
constexpr std::string_view kGraniteEmbMulti =
    R"([^\r\n\p{L}\p{N}]?((?=[\p{L}\p{M}])([^a-z]))*((?=[\p{L}\p{M}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?((?=[\p{L}\p{M}])([^a-z]))+((?=[\p{L}\p{M}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Mistral Tekken.
constexpr std::string_view kTekken =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Runs of digits cut into groups of three from the right ("1234567" -> "1",
// "234", "567"), in linear time. Tokenizer.json files write this with a
// lookahead, such as \p{N}{1,3}(?=(?:\p{N}{3})*(?!\p{N})) or
// (?=(\d{3})+(?!\d)), which takes time quadratic in the length of a digit
// run. The stage matches this expression (the comment marks it) and then
// cuts each match.
constexpr std::string_view kDigitGroups = R"(\p{N}+(?# in groups of three from the right))";

// Cohere Tiny Aya: digits grouped in threes from the right (as llama.cpp
// does; tokenizer.json has \d{1,3}(?=(?:\d{3})*\b), which leaves a digit run
// that touches a letter whole), then GPT-4o style.
constexpr std::string_view kTinyAya =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Tencent Youtu.
constexpr std::string_view kYoutuCjk =
    R"([\x{AC00}-\x{D7A3}\x{3131}-\x{318E}]+|[\x{FF01}\x{2026}\x{201C}\x{201D}\x{2018}\x{2019}\x{2014}\x{FF1A}\x{FF1B}\x{FF0C}\x{3001}-\x{303F}\x{FE30}-\x{FE4F}]+|[\x{3105}-\x{312F}]+|[\x{4E00}-\x{9FA5}\x{3040}-\x{309F}\x{30A0}-\x{30FF}]+)";
constexpr std::string_view kYoutu =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// DeepSeek LLM (v1/v2). Its \s+$ is written (?<!\s)\s+$: the same matches
// (every search starts at the piece's start or after the previous match),
// without trying every position of a long run of spaces in turn.
constexpr std::string_view kTrailingSpace = R"((?<!\s)\s+$)";
constexpr std::string_view kDeepseekLetters =
    R"(\s?[A-Za-z\x{B5}\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{1BA}\x{1BC}-\x{1BF}\x{1C4}-\x{293}\x{295}-\x{2AF}\x{370}-\x{373}\x{376}\x{377}\x{37B}-\x{37D}\x{37F}\x{386}\x{388}-\x{38A}\x{38C}\x{38E}-\x{3A1}\x{3A3}-\x{3F5}\x{3F7}-\x{481}\x{48A}-\x{52F}\x{531}-\x{556}\x{10A0}-\x{10C5}\x{13A0}-\x{13F5}\x{13F8}-\x{13FD}\x{1C90}-\x{1CBA}\x{1CBD}-\x{1CBF}\x{1D00}-\x{1D2B}\x{1D6B}-\x{1D77}\x{1D79}-\x{1D9A}\x{1E00}-\x{1F15}\x{1F18}-\x{1F1D}\x{1F20}-\x{1F45}\x{1F48}-\x{1F4D}\x{1F50}-\x{1F57}\x{1F59}\x{1F5B}\x{1F5D}\x{1F5F}-\x{1F7D}\x{1F80}-\x{1FB4}\x{1FB6}-\x{1FBC}\x{1FBE}\x{1FC2}-\x{1FC4}\x{1FC6}-\x{1FCC}\x{1FD0}-\x{1FD3}\x{1FD6}-\x{1FDB}\x{1FE0}-\x{1FEC}\x{1FF2}-\x{1FF4}\x{1FF6}-\x{1FFC}\x{2102}\x{2107}\x{210A}-\x{2113}\x{2115}\x{2119}-\x{211D}\x{2124}\x{2126}\x{2128}\x{212A}-\x{212D}\x{212F}-\x{2134}\x{2139}\x{213C}-\x{213F}\x{2145}-\x{2149}\x{214E}\x{2183}\x{2184}\x{2C00}-\x{2C7B}\x{2C7E}-\x{2CE4}\x{2CEB}-\x{2CEE}\x{2CF2}\x{2CF3}\x{A640}-\x{A66D}\x{A680}-\x{A69B}\x{A722}-\x{A76F}\x{A771}-\x{A787}\x{A78B}-\x{A78E}\x{AB70}-\x{ABBF}\x{FB00}-\x{FB06}\x{FB13}-\x{FB17}\x{FF21}-\x{FF3A}\x{FF41}-\x{FF5A}\x{10400}-\x{1044F}\x{104B0}-\x{104D3}\x{104D8}-\x{104FB}\x{10C80}-\x{10CB2}\x{10CC0}-\x{10CF2}\x{118A0}-\x{118DF}\x{1E900}-\x{1E943}]+)";
constexpr std::string_view kDeepseekPunct =
    R"(\s?[!-/:-~\x{FF01}-\x{FF0F}\x{FF1A}-\x{FF5E}\x{2018}-\x{201F}\x{3000}-\x{3002}]+)";
constexpr std::string_view kDeepseekCjk = R"([\x{4E00}-\x{9FA5}\x{800}-\x{4E00}\x{AC00}-\x{D7FF}]+)";

// DeepSeek V3 (and Hunyuan dense, JoyAI, HY v4, Spark 2.5).
constexpr std::string_view kDeepseek3Cjk = R"([\x{4E00}-\x{9FA5}\x{3040}-\x{309F}\x{30A0}-\x{30FF}]+)";
constexpr std::string_view kDeepseek3 =
    R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kSpark25 =
    R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+|[\r\n]|\s+(?!\S)|\s+)";

// AFMoE: digits in threes from the right, CJK and South-East Asian scripts,
// then words. (llama.cpp's digit splitter also glues the text before a digit
// run to its first group, leaving later stages to cut it off again; here it
// is cut off at once, which differs only for whitespace right before digits.)
constexpr std::string_view kAfmoeScripts =
    R"([\x{4E00}-\x{9FFF}\x{3400}-\x{4DBF}\x{F900}-\x{FAFF}\x{3040}-\x{309F}\x{30A0}-\x{30FF}\x{FF65}-\x{FF9F}\x{2F00}-\x{2FDF}\x{E40}-\x{E7F}\x{E80}-\x{EFF}\x{1780}-\x{17FF}\x{1000}-\x{109F}\x{AA60}-\x{AA7F}\x{A9E0}-\x{A9FF}\x{AC00}-\x{D7AF}\x{1100}-\x{11FF}]+)";

// Bloom / Poro / GPT-3 Finnish / Viking.
constexpr std::string_view kBloom = R"( ?[^(\s|.,!?\x{2026}\x{3002}\x{FF0C}\x{3001}\x{964}\x{6D4}\x{60C})]+)";

// Ant Bailing MoE (possessive quantifiers, which PCRE2 supports).
constexpr std::string_view kBailing =
    R"('(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+)";

// ByteDance Seed-Coder.
constexpr std::string_view kSeedCoder =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+)";

// EXAONE MoE: letters joined across single spaces.
constexpr std::string_view kExaoneMoe =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?(?:\p{L}\p{M}*(?: \p{L}\p{M}*)*)+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]?|\s*[\r\n]|\s+(?!\S)|\s+)";

// MiniCPM 5.
constexpr std::string_view kMiniCpm5 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}+| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Lines and runs of newlines (SPM-style BPE: Gemma 4, Sarvam; Laguna's first cut).
constexpr std::string_view kLines = R"([^\n]+|[\n]+)";

struct Spec {
  std::vector<std::string_view> names;
  std::vector<std::string_view> patterns;
  PreTokenizerTraits traits;
};

PreTokenizerTraits ignore_merges() {
  PreTokenizerTraits t;
  t.ignore_merges = true;
  return t;
}
PreTokenizerTraits ignore_merges_add_bos() {
  PreTokenizerTraits t;
  t.ignore_merges = true;
  t.add_bos = true;
  return t;
}
PreTokenizerTraits add_bos() {
  PreTokenizerTraits t;
  t.add_bos = true;
  return t;
}
PreTokenizerTraits spm_style(bool gemma4) {
  PreTokenizerTraits t;
  t.byte_encode = false;
  t.escape_spaces = true;
  t.force_add_bos = gemma4;
  t.whole_newline_runs = gemma4;
  return t;
}
PreTokenizerTraits raw_utf8() {
  PreTokenizerTraits t;
  t.byte_encode = false;
  return t;
}
PreTokenizerTraits no_default_bos() {
  PreTokenizerTraits t;
  t.no_default_bos = true;
  return t;
}

const std::vector<Spec>& specs() {
  static const std::vector<Spec> table = {
      // llama.cpp's default for BPE vocabularies without (or with "default") pre.
      {{"", "default"},
       {R"([\p{P}\$\+<=>\^~\|]+)", kGpt2, R"(\p{N}+)", R"([0-9][0-9][0-9])"},
       {}},
      {{"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
        "jina-v5-nano"},
       {kLlama3},
       ignore_merges_add_bos()},
      {{"dbrx", "smaug-bpe"}, {kLlama3}, {}},
      {{"glm4", "chatglm-bpe"}, {kLlama3}, no_default_bos()},
      {{"jais-2"}, {kJais2}, {}},
      {{"deepseek-llm"},
       {R"([\r\n])", kDeepseekLetters, kDeepseekPunct, kTrailingSpace, kDeepseekCjk, R"(\p{N}+)"},
       {}},
      {{"deepseek-v3", "hunyuan-dense", "joyai-llm", "hy_v4"},
       {R"(\p{N}{1,3})", kDeepseek3Cjk, kDeepseek3},
       {}},
      {{"spark2_5"}, {R"(\p{N}{1,3})", kDeepseek3Cjk, kSpark25, R"(\p{N})"}, {}},
      {{"youtu"}, {kYoutuCjk, kYoutu}, ignore_merges()},
      {{"deepseek-coder"},
       {R"([\r\n])", R"(\s?\p{L}+)", R"(\s?\p{P}+)", kDeepseekCjk, R"(\p{N})"},
       {}},
      {{"falcon"},
       {R"([\p{P}\$\+<=>\^~\|`]+)", kGpt2, R"([0-9][0-9][0-9])"},
       {}},
      {{"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b", "mellum2"},
       {R"(\p{N})", kGpt2},
       {}},
      {{"gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0",
        "mellum", "modern-bert", "exaone4", "jina-v1-en", "jina-v2-code", "roberta-bpe", "mpt",
        "olmo", "jais", "trillion", "granite-docling"},
       {kGpt2},
       {}},
      {{"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "megrez", "stablelm2", "hunyuan",
        "solar-open", "grok-2"},
       {kQwen2},
       {}},
      {{"qwen35"}, {kQwen35}, {}},
      {{"ufakzeka"}, {kUfakzeka}, {}},
      {{"poro-chat", "bloom", "gpt3-finnish"}, {kBloom}, {}},
      {{"viking"}, {kBloom, R"(\p{N})"}, {}},
      {{"tekken"}, {kTekken}, ignore_merges_add_bos()},
      {{"chameleon"},
       {R"(<sentinel:[0-9]+>)", R"((IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z)", R"(([\t\n]|    |  ))",
        R"(\p{N})", R"([\p{P}!-/:-@\[-`{-~])", kGpt2},
       add_bos()},
      {{"gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2"}, {kGpt4o}, {}},
      {{"granite-embed-multi-97m"}, {kGraniteEmbMulti}, ignore_merges()},
      {{"tiny_aya", "cohere2moe"}, {kDigitGroups, kTinyAya}, {}},
      {{"superbpe"}, {R"(\p{N}+)", kDigitGroups}, {}},
      {{"bailingmoe", "bailingmoe2", "llada-moe"}, {kBailing}, {}},
      {{"seed-coder"}, {kSeedCoder}, {}},
      {{"afmoe"}, {kDigitGroups, kAfmoeScripts, kDeepseek3}, {}},
      {{"laguna"}, {kLines, kQwen2}, {}},
      {{"exaone-moe"}, {kExaoneMoe}, {}},
      {{"gemma4", "granite-embed-multi-311m"}, {kLines}, spm_style(true)},
      {{"sarvam-moe"}, {kLines}, spm_style(false)},
      {{"minicpm5"}, {R"(\p{N}{1,3})", kMiniCpm5}, ignore_merges()},
      {{"whitespace"}, {R"(\S+)"}, raw_utf8()},
  };
  return table;
}

std::string pcre2_message(int code) {
  PCRE2_UCHAR buf[256];
  if (pcre2_get_error_message(code, buf, sizeof buf) < 0) return cat("PCRE2 error ", code);
  return reinterpret_cast<const char*>(buf);
}

// A JIT stack per thread, large enough for long words; the default (32 KiB
// on the machine stack) can run out on patterns with repeated groups.
pcre2_jit_stack* thread_jit_stack() {
  struct Holder {
    pcre2_jit_stack* stack = pcre2_jit_stack_create(64 * 1024, 16 * 1024 * 1024, nullptr);
    ~Holder() {
      if (stack) pcre2_jit_stack_free(stack);
    }
  };
  thread_local Holder holder;
  return holder.stack;
}

}  // namespace

std::string whitespace_as_property(std::string_view pattern) {
  constexpr std::string_view kSpaceItems = R"(\t-\r\p{Z}\x{85})";
  std::string out;
  out.reserve(pattern.size() + 32);
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char e = pattern[i + 1];
      ++i;
      if (e == 's') {
        if (in_class) {
          out += kSpaceItems;
        } else {
          out += '[';
          out += kSpaceItems;
          out += ']';
        }
      } else if (e == 'S') {
        if (in_class) fail("pre-tokenizer pattern uses \\S inside a character class: ", pattern);
        out += "[^";
        out += kSpaceItems;
        out += ']';
      } else {
        out += '\\';
        out += e;
      }
      continue;
    }
    if (!in_class && c == '[') {
      in_class = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal member.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
      continue;
    }
    if (in_class && c == ']') in_class = false;
    out += c;
  }
  return out;
}

// One compiled expression.
struct PreTokenizer::Stage {
  pcre2_code* code = nullptr;
  bool jit = false;
  bool digit_groups = false;  // kDigitGroups: cut each match into threes from the right
  std::string pattern;

  ~Stage() {
    if (code) pcre2_code_free(code);
  }

  // digits: one or more characters of \p{N}, in UTF-8.
  static void push_digit_groups(std::string_view digits, std::vector<std::string_view>& out) {
    std::vector<size_t> starts;  // byte offset of each character
    for (size_t i = 0; i < digits.size(); ++i)
      if ((static_cast<unsigned char>(digits[i]) & 0xc0) != 0x80) starts.push_back(i);
    const size_t n = starts.size();
    size_t k = n % 3 == 0 ? 3 : n % 3;  // characters in the first group
    for (size_t first = 0; first < n; first += k, k = 3) {
      const size_t from = starts[first];
      const size_t to = first + k < n ? starts[first + k] : digits.size();
      out.push_back(digits.substr(from, to - from));
    }
  }

  // Appends the matches of the expression in piece, and the text between
  // them, to out (empty pieces are dropped). An empty match splits the text
  // where it occurs.
  void split(std::string_view piece, pcre2_match_data* md, pcre2_match_context* mc,
             std::vector<std::string_view>& out) const {
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(piece.data());
    const size_t n = piece.size();
    size_t last = 0;  // end of the previous match
    size_t pos = 0;
    uint32_t options = 0;
    while (pos <= n) {
      const int rc = pcre2_match(code, subject, n, pos, options | PCRE2_NO_UTF_CHECK, md, mc);
      if (rc == PCRE2_ERROR_NOMATCH) break;
      if (rc < 0)
        fail("pre-tokenizer expression failed (", pcre2_message(rc), "): ", pattern);
      const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
      const size_t start = ov[0], end = ov[1];
      if (start > last) out.push_back(piece.substr(last, start - last));
      if (digit_groups) {
        push_digit_groups(piece.substr(start, end - start), out);
      } else if (end > start) {
        out.push_back(piece.substr(start, end - start));
      }
      last = end;
      pos = end;
      // After an empty match, the next match may not be empty at the same
      // place (it may be empty further on).
      options = end == start ? PCRE2_NOTEMPTY_ATSTART : 0;
    }
    if (last < n) out.push_back(piece.substr(last));
  }
};

PreTokenizer::~PreTokenizer() = default;

void PreTokenizer::add_stage(const std::string& pattern) {
  auto stage = std::make_unique<Stage>();
  stage->pattern = pattern;
  stage->digit_groups = pattern == kDigitGroups;
  const std::string source = whitespace_as_property(pattern);
  int error = 0;
  PCRE2_SIZE offset = 0;
  stage->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(source.data()), source.size(),
                              PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY, &error, &offset, nullptr);
  if (!stage->code)
    fail("pre-tokenizer expression does not compile (", pcre2_message(error), " at offset ", offset,
         "): ", pattern);
  stage->jit = pcre2_jit_compile(stage->code, PCRE2_JIT_COMPLETE) == 0;
  stages_.push_back(std::move(stage));
}

std::shared_ptr<const PreTokenizer> PreTokenizer::create(std::string_view name) {
  for (const Spec& spec : specs()) {
    for (std::string_view n : spec.names) {
      if (n != name) continue;
      std::shared_ptr<PreTokenizer> p(new PreTokenizer());
      p->name_ = name.empty() ? "default" : std::string(name);
      p->traits_ = spec.traits;
      for (std::string_view pattern : spec.patterns) p->add_stage(std::string(pattern));
      return p;
    }
  }
  fail("unsupported pre-tokenizer '", name, "' (tokenizer.ggml.pre)");
}

std::shared_ptr<const PreTokenizer> PreTokenizer::from_patterns(
    const std::vector<std::string>& patterns) {
  std::shared_ptr<PreTokenizer> p(new PreTokenizer());
  p->name_ = "custom";
  for (const std::string& pattern : patterns) p->add_stage(pattern);
  return p;
}

void PreTokenizer::split(std::string_view text, std::vector<std::string_view>& words) const {
  if (text.empty()) return;
  struct MatchResources {
    pcre2_match_data* md = pcre2_match_data_create(1, nullptr);
    pcre2_match_context* mc = pcre2_match_context_create(nullptr);
    ~MatchResources() {
      pcre2_match_data_free(md);
      pcre2_match_context_free(mc);
    }
  } r;
  if (!r.md || !r.mc) fail("out of memory for the pre-tokenizer");
  if (pcre2_jit_stack* stack = thread_jit_stack()) pcre2_jit_stack_assign(r.mc, nullptr, stack);

  if (stages_.empty()) {
    words.push_back(text);
    return;
  }
  std::vector<std::string_view> pieces{text}, next;
  for (size_t s = 0; s + 1 < stages_.size(); ++s) {
    next.clear();
    for (std::string_view piece : pieces) stages_[s]->split(piece, r.md, r.mc, next);
    pieces.swap(next);
  }
  for (std::string_view piece : pieces) stages_.back()->split(piece, r.md, r.mc, words);
}

std::vector<std::string> PreTokenizer::split(std::string_view text) const {
  std::string storage, masked;
  const std::string_view valid = unicode::sanitize(text, storage);
  const std::string_view match_text = unicode::mask_surrogates(valid, masked);
  std::vector<std::string_view> views;
  split(match_text, views);
  std::vector<std::string> words;
  words.reserve(views.size());
  for (std::string_view w : views)
    words.emplace_back(valid.substr(w.data() - match_text.data(), w.size()));
  return words;
}

}  // namespace hearth::tokenizer
