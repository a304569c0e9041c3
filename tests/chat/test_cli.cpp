// `hearth chat-template`: prints exactly the prompt jinja2 (as Hugging Face
// configures it) renders, from a .jinja file or a GGUF model's template.
#include <gtest/gtest.h>

#include <fstream>

#include "chat/oracle.h"
#include "cli/run_hearth.h"
#include "gguf/file.h"
#include "gguf/writer.h"

namespace hearth::chat::testing {
namespace {

using hearth::testing::Outcome;
using hearth::testing::run_hearth;
using hearth::testing::temp_path;

const std::string kTemplates = HEARTH_TEST_DATA "/templates";
const std::string kVocab = HEARTH_TEST_DATA "/ggml-vocab-llama-spm.gguf";

class ChatTemplateCli : public ::testing::Test {
 protected:
  std::vector<std::string> files_;
  nlohmann::ordered_json conversations_ = nlohmann::ordered_json::parse(
      read_whole_file(HEARTH_SOURCE_DIR "/tests/chat/conversations.json"));

  void TearDown() override {
    for (const auto& f : files_) std::remove(f.c_str());
  }
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = temp_path(name);
    std::ofstream(path, std::ios::binary) << text;
    files_.push_back(path);
    return path;
  }
  Rendering oracle(const std::string& template_path, nlohmann::ordered_json conversation) {
    nlohmann::ordered_json jobs = nlohmann::ordered_json::array();
    jobs.push_back({{"template", template_path}, {"conversation", std::move(conversation)}});
    return run_oracle(jobs).at(0);
  }
  static void expect_one_line_error(const Outcome& o, const std::string& phrase) {
    EXPECT_EQ(o.status, 1) << o.err;
    EXPECT_TRUE(o.out.empty()) << o.out;
    EXPECT_EQ(o.err.rfind("hearth: error: ", 0), 0u) << o.err;
    EXPECT_EQ(o.err.find('\n'), o.err.size() - 1) << "more than one line:\n" << o.err;
    EXPECT_NE(o.err.find(phrase), std::string::npos) << "expected '" << phrase << "' in: " << o.err;
  }
};

TEST_F(ChatTemplateCli, JinjaFileWithToolsMatchesTheOracle) {
  const auto& conv = conversations_["tool_call_round_trip"];
  const std::string messages = write("messages.json", conv["messages"].dump());
  const std::string tools = write("tools.json", conv["tools"].dump());
  for (const char* name : {"Qwen-Qwen2.5-7B-Instruct", "meta-llama-Llama-3.1-8B-Instruct"}) {
    const std::string tmpl = kTemplates + "/" + name + ".jinja";
    ::setenv("HEARTH_FIXED_DATE", kFixedDate, 1);
    const Outcome o = run_hearth("chat-template '" + tmpl + "' --messages '" + messages + "' --tools '" + tools +
                                 "' --add-generation-prompt --bos-token '<|begin_of_text|>' --eos-token '</s>'");
    ASSERT_EQ(o.status, 0) << o.err;
    EXPECT_TRUE(o.err.empty()) << o.err;
    nlohmann::ordered_json c = conv;
    c["add_generation_prompt"] = true;
    c["bos_token"] = "<|begin_of_text|>";
    c["eos_token"] = "</s>";
    const Rendering want = oracle(tmpl, c);
    ASSERT_EQ(want.status, "ok") << want.error;
    EXPECT_EQ(o.out, want.output) << name;
  }
}

TEST_F(ChatTemplateCli, GgufSourceUsesItsTemplateAndSpecialTokens) {
  const std::string tmpl = kTemplates + "/microsoft-Phi-3.5-mini-instruct.jinja";
  gguf::Writer w = gguf::Writer::from_file(gguf::File::open(kVocab));
  w.set("tokenizer.chat_template", gguf::Value{read_whole_file(tmpl)});
  const std::string model = temp_path("chat.gguf");
  files_.push_back(model);
  w.write(model);
  const auto& conv = conversations_["multi_turn"];
  const std::string messages = write("messages.json", conv["messages"].dump());
  // Without --add-generation-prompt the Phi-3.5 template ends with eos_token.
  const Outcome o = run_hearth("chat-template '" + model + "' --messages '" + messages + "'");
  ASSERT_EQ(o.status, 0) << o.err;
  nlohmann::ordered_json c = conv;
  c["bos_token"] = "<s>";
  c["eos_token"] = "</s>";
  const Rendering want = oracle(tmpl, c);
  ASSERT_EQ(want.status, "ok") << want.error;
  EXPECT_EQ(o.out, want.output);
  EXPECT_EQ(o.out.substr(o.out.size() - 4), "</s>");
  // Given tokens win over the model's.
  const Outcome given = run_hearth("chat-template '" + model + "' --messages '" + messages + "' --eos-token '<END>'");
  ASSERT_EQ(given.status, 0) << given.err;
  EXPECT_EQ(given.out.substr(given.out.size() - 5), "<END>");
}

TEST_F(ChatTemplateCli, TemplateRefusalIsAnError) {
  const std::string messages = write("messages.json", conversations_["system_user"]["messages"].dump());
  const Outcome o = run_hearth("chat-template '" + kTemplates + "/google-gemma-2-2b-it.jinja' --messages '" +
                               messages + "'");
  expect_one_line_error(o, "System role not supported");
}

TEST_F(ChatTemplateCli, BadInputsAreOneLineErrors) {
  const std::string messages = write("messages.json", conversations_["user_only"]["messages"].dump());
  const std::string tmpl = kTemplates + "/Qwen-Qwen3-0.6B.jinja";
  expect_one_line_error(run_hearth("chat-template '" + tmpl + "' --messages /nonexistent/m.json"), "/nonexistent/m.json");
  expect_one_line_error(run_hearth("chat-template /nonexistent/t.jinja --messages '" + messages + "'"),
                        "/nonexistent/t.jinja");
  const std::string not_json = write("bad.json", "[{\"role\": ");
  expect_one_line_error(run_hearth("chat-template '" + tmpl + "' --messages '" + not_json + "'"), "invalid JSON");
  const std::string object = write("object.json", "{\"role\": \"user\"}");
  expect_one_line_error(run_hearth("chat-template '" + tmpl + "' --messages '" + object + "'"), "JSON array");
  const std::string broken = write("broken.jinja", "line one\n{% for m in messages %}\n{{ m.content | nosuch }}");
  expect_one_line_error(run_hearth("chat-template '" + broken + "' --messages '" + messages + "'"),
                        "chat template line 3: no filter named 'nosuch'");
  gguf::Writer w = gguf::Writer::from_file(gguf::File::open(kVocab));
  const std::string model = temp_path("no-template.gguf");
  files_.push_back(model);
  w.write(model);
  expect_one_line_error(run_hearth("chat-template '" + model + "' --messages '" + messages + "'"),
                        "no chat template");
}

}  // namespace
}  // namespace hearth::chat::testing
