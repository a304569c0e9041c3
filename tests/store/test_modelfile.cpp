// Modelfiles in ollama's syntax: every instruction, quoting, comments, and
// errors that name the line.
#include "store/modelfile.h"
#include "store_test_util.h"

namespace hearth::testing {
namespace {

using nlohmann::json;
using store::Message;
using store::Modelfile;

// A small Jinja chat template (as GGUF files carry them).
const std::string kTemplate =
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

std::string error_of(const std::string& text) {
  try {
    Modelfile::parse(text, "Modelfile");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Modelfile, ReadsEveryInstruction) {
  const std::string text =
      "# a comment\n"
      "FROM ./model.gguf\n"
      "\n"
      "   # an indented comment\n"
      "PARAMETER temperature 0.7\n"
      "PARAMETER stop <|im_start|>\n"
      "PARAMETER stop \"<|im_end|>\"\n"
      "parameter NUM_CTX 4096\n"
      "TEMPLATE \"\"\"" + kTemplate + "\"\"\"\n"
      "SYSTEM You are a helpful assistant.   \n"
      "MESSAGE user Is the sky blue?\n"
      "MESSAGE assistant \"Yes, it is.\"\n"
      "License MIT\n"
      "LICENSE \"\"\"line one\nline two\"\"\"\n"
      "adapter ./lora.gguf\n";
  const Modelfile mf = Modelfile::parse(text);
  EXPECT_EQ(mf.from, "./model.gguf");
  EXPECT_EQ(mf.parameters, json::parse(R"({"temperature":0.7,"stop":["<|im_start|>","<|im_end|>"],"num_ctx":4096})"));
  EXPECT_EQ(mf.template_text, kTemplate);
  EXPECT_EQ(mf.system, "You are a helpful assistant.");
  EXPECT_EQ(mf.messages, (std::vector<Message>{{"user", "Is the sky blue?"}, {"assistant", "Yes, it is."}}));
  EXPECT_EQ(mf.licenses, (std::vector<std::string>{"MIT", "line one\nline two"}));
  EXPECT_EQ(mf.adapter, "./lora.gguf");
  EXPECT_TRUE(mf.warnings.empty());
}

TEST(Modelfile, QuotedValuesSpanLinesVerbatim) {
  const Modelfile mf = Modelfile::parse(
      "FROM m\n"
      "SYSTEM \"\"\"\n"
      "  indented, # not a comment\n"
      "\n"
      "with \"quotes\" and a \"\"\" inside\n"
      "\"\"\"\n"
      "LICENSE \"a\r\nb\"  \r\n"
      "MESSAGE user \"\"\"ends with a quote\"\"\"\"\n");
  EXPECT_EQ(mf.system, "\n  indented, # not a comment\n\nwith \"quotes\" and a \"\"\" inside\n");
  EXPECT_EQ(mf.licenses, std::vector<std::string>{"a\nb"});
  EXPECT_EQ(mf.messages.at(0).content, "ends with a quote\"");
  EXPECT_EQ(Modelfile::parse("FROM m\nSYSTEM \"\"\n").system, "");
  EXPECT_EQ(Modelfile::parse("\xEF\xBB\xBF" "FROM m\r\nSYSTEM hi\r\n").system, "hi");
  EXPECT_EQ(Modelfile::parse("FROM \"/my models/m.gguf\"\n").from, "/my models/m.gguf");
}

TEST(Modelfile, LaterValuesReplaceEarlierOnes) {
  const Modelfile mf = Modelfile::parse("FROM m\nSYSTEM one\nSYSTEM two\nPARAMETER top_k 10\nPARAMETER top_k 20\n");
  EXPECT_EQ(mf.system, "two");
  EXPECT_EQ(mf.parameters, json::parse(R"({"top_k":20})"));
}

TEST(Modelfile, DeprecatedParametersWarn) {
  const Modelfile mf = Modelfile::parse("FROM m\nPARAMETER mirostat 1\n");
  EXPECT_TRUE(mf.parameters.empty());
  ASSERT_EQ(mf.warnings.size(), 1u);
  EXPECT_NE(mf.warnings[0].find("Modelfile:2: parameter mirostat is deprecated"), std::string::npos) << mf.warnings[0];
}

TEST(Modelfile, ErrorsNameTheLine) {
  const std::pair<std::string, std::string> cases[] = {
      {"FROM m\n\nFORM x\n", "Modelfile:3: unknown instruction 'FORM' (use FROM, PARAMETER"},
      {"FROM m\nPARAMETER temperature hot\n", "Modelfile:2: invalid float value 'hot' for parameter 'temperature'"},
      {"FROM m\nPARAMETER temprature 0.7\n", "Modelfile:2: unknown parameter 'temprature'"},
      {"FROM m\nPARAMETER num_ctx\n", "Modelfile:2: PARAMETER num_ctx needs a value"},
      {"FROM m\nPARAMETER\n", "Modelfile:2: PARAMETER needs a name"},
      {"FROM m\nMESSAGE robot hi\n", "Modelfile:2: MESSAGE role 'robot' must be system, user or assistant"},
      {"FROM m\nMESSAGE user\n", "Modelfile:2: MESSAGE user needs a text"},
      {"FROM m\nSYSTEM \"\"\"open\nand never closed\n", "Modelfile:2: the value opened with \"\"\" is never closed"},
      {"FROM m\nSYSTEM \"open\n", "Modelfile:2: the value opened with \" is never closed"},
      {"FROM m\nSYSTEM \"\"\"a\"\"\" trailing\n", "Modelfile:2: the value opened with \"\"\" is never closed"},
      {"# only a comment\nSYSTEM hi\n", "Modelfile: no FROM line"},
      {"FROM a\nFROM b\n", "Modelfile:2: more than one FROM"},
      {"FROM a\nADAPTER x\nADAPTER y\n", "Modelfile:3: more than one ADAPTER"},
      {"FROM\n", "Modelfile:1: FROM needs a value"},
      {"FROM m\nSYSTEM\n", "Modelfile:2: SYSTEM needs a value"},
      {"FROM m\n3DFROM x\n", "Modelfile:2: '3DFROM' is not an instruction"},
      {"FROM m\nRENDERER qwen3\n", "Modelfile:2: RENDERER is an ollama instruction hearth does not support"},
      {"FROM m\nTEMPLATE \"\"\"{% if %}\"\"\"\n", "Modelfile:2: the TEMPLATE is not a Jinja chat template hearth can run: "},
      {"FROM m\n\nTEMPLATE \"\"\"\n{{ messages[0]['content'] \n\"\"\"\n", "Modelfile:3: the TEMPLATE is not a Jinja chat template"},
  };
  for (const auto& [text, want] : cases) {
    const std::string got = error_of(text);
    EXPECT_NE(got.find(want), std::string::npos) << "Modelfile:\n" << text << "\nerror: " << got;
    EXPECT_EQ(got.find('\n'), std::string::npos) << got;  // one line
  }
}

TEST(Modelfile, TemplateErrorsCarryTheParsersMessage) {
  const std::string got = error_of("FROM m\nTEMPLATE {% for x in %}\n");
  EXPECT_NE(got.find("line 1"), std::string::npos) << got;  // chat::Template's own location
}

TEST(Modelfile, RendersTextThatReadsBack) {
  Modelfile mf;
  mf.from = "/blobs/sha256-x";
  mf.adapter = "/blobs/sha256-y";
  mf.template_text = kTemplate;
  mf.system = "  leading and trailing  ";
  mf.parameters = json::parse(R"({"temperature":0.7,"stop":["<|im_start|>","<|im_end|>"],"num_ctx":4096,"use_mmap":true})");
  mf.messages = {{"user", "multi\nline"}, {"assistant", "\"quoted\""}, {"system", "plain"}};
  mf.licenses = {"MIT", "with \"quotes\"\nand lines"};
  const std::string text = mf.render();
  EXPECT_EQ(text.substr(0, text.find('\n')), "FROM /blobs/sha256-x");
  EXPECT_NE(text.find("\nPARAMETER num_ctx 4096\nPARAMETER stop <|im_start|>\nPARAMETER stop <|im_end|>\n"
                      "PARAMETER temperature 0.7\nPARAMETER use_mmap true\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\nSYSTEM \"  leading and trailing  \"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nMESSAGE system plain\n"), std::string::npos) << text;
  EXPECT_EQ(Modelfile::parse(text), mf) << text;
}

TEST(Modelfile, ReadsFilesAndRemembersTheirDirectory) {
  TempDir dir;
  write_text(dir / "Modelfile", "FROM ./m.gguf\n");
  const Modelfile mf = Modelfile::read(dir / "Modelfile");
  EXPECT_EQ(mf.directory, dir.path());
  try {
    Modelfile::read(dir / "nope");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot read Modelfile"), std::string::npos) << e.what();
  }
  write_text(dir / "Bad", "FROM x\nBOGUS y\n");
  try {
    Modelfile::read(dir / "Bad");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind((dir / "Bad").string() + ":2: unknown instruction", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace hearth::testing
