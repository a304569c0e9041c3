// The oracle test: every template in tests/data/templates (copies of the real
// templates in ../shared/templates) renders every test conversation byte for
// byte as Python's jinja2 renders it when configured as Hugging Face
// transformers configures it (render_with_jinja2.py, run now, at test time).
// A template that refuses a conversation (raise_exception) or fails on it
// must do so in both. Both sides pin strftime_now's date with
// HEARTH_FIXED_DATE.
//
// The same comparison runs over tests/chat/snippets.json: short templates,
// one or two language features each, rendered with the variables of
// default_context().
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "chat/chat_test_util.h"
#include "chat/oracle.h"

namespace hearth::chat::testing {
namespace {

const std::string kTemplates = HEARTH_TEST_DATA "/templates";
const std::string kConversations = HEARTH_SOURCE_DIR "/tests/chat/conversations.json";
const std::string kSnippets = HEARTH_SOURCE_DIR "/tests/chat/snippets.json";

std::vector<std::string> template_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kTemplates, ec))
    if (entry.path().extension() == ".jinja") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string show(const Rendering& r) {
  return r.status == "ok" ? "ok:\n" + r.output + "\n[end]" : r.status + ": " + r.error;
}

// The first line where two renderings differ, for readable failures.
std::string first_difference(const std::string& a, const std::string& b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  const size_t start = a.rfind('\n', i == 0 ? 0 : i - 1);
  const size_t from = start == std::string::npos ? 0 : start + 1;
  return "first difference at byte " + std::to_string(i) + ":\n  jinja2: " + a.substr(from, i - from + 40) +
         "\n  hearth: " + b.substr(from, i - from + 40);
}

TEST(ChatOracle, TemplatesAreBundled) { EXPECT_GE(template_names().size(), 9u); }

class ChatOracleTemplate : public ::testing::TestWithParam<std::string> {};

TEST_P(ChatOracleTemplate, RendersEveryConversationAsJinja2) {
  const std::string path = kTemplates + "/" + GetParam() + ".jinja";
  const auto conversations = nlohmann::ordered_json::parse(read_whole_file(kConversations));
  nlohmann::ordered_json jobs = nlohmann::ordered_json::array();
  std::vector<std::string> labels;
  for (const auto& [name, conv] : conversations.items()) {
    for (bool agp : {false, true}) {
      nlohmann::ordered_json c = conv;
      c["add_generation_prompt"] = agp;
      c["bos_token"] = "<s>";
      c["eos_token"] = "</s>";
      jobs.push_back({{"template", path}, {"conversation", c}});
      labels.push_back(name + (agp ? " + generation prompt" : ""));
    }
  }
  const std::vector<Rendering> expected = run_oracle(jobs);
  int ok = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const Rendering got = render_with_hearth(jobs[i]);
    SCOPED_TRACE(labels[i]);
    EXPECT_EQ(got.status, expected[i].status) << "jinja2: " << show(expected[i]) << "\nhearth: " << show(got);
    if (got.status == "ok" && expected[i].status == "ok") {
      ++ok;
      EXPECT_TRUE(got.output == expected[i].output) << first_difference(expected[i].output, got.output);
    }
    if (got.status == "raised" && expected[i].status == "raised") {
      EXPECT_EQ(got.error, expected[i].error);
    }
  }
  EXPECT_GE(ok, 4) << "too few conversations render at all: the comparison would prove little";
}

INSTANTIATE_TEST_SUITE_P(Shared, ChatOracleTemplate, ::testing::ValuesIn(template_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

TEST(ChatOracle, LanguageSnippetsRenderAsJinja2) {
  const auto snippets = nlohmann::ordered_json::parse(read_whole_file(kSnippets));
  nlohmann::ordered_json jobs = nlohmann::ordered_json::array();
  for (const auto& s : snippets) jobs.push_back({{"source", s}, {"context", default_context()}});
  const std::vector<Rendering> expected = run_oracle(jobs);
  for (size_t i = 0; i < jobs.size(); ++i) {
    const Rendering got = render_with_hearth(jobs[i]);
    SCOPED_TRACE(snippets[i].get<std::string>());
    EXPECT_EQ(got.status, expected[i].status) << "jinja2: " << show(expected[i]) << "\nhearth: " << show(got);
    if (got.status == "ok" && expected[i].status == "ok") {
      EXPECT_EQ(got.output, expected[i].output);
    }
  }
}

}  // namespace
}  // namespace hearth::chat::testing
