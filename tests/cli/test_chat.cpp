// `hearth run` on a model with a chat template: one-shot prompts go through
// the template, and the interactive chat, driven through a pseudo-terminal
// by script(1), keeps the conversation across turns.
#include <gtest/gtest.h>

#include <fstream>

#include "cli/run_hearth.h"
#include "gguf/file.h"
#include "gguf/writer.h"

namespace hearth::testing {
namespace {

// A plain-text template, so that the expected prompts can be written by hand.
const char* kTemplate =
    "{% for m in messages %}{{ m.role + ': ' + m.content + '\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ 'assistant:' }}{% endif %}";

class ChatModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    path_ = new std::string(temp_path("chat.gguf"));
    gguf::File src = gguf::File::open(HEARTH_SOURCE_DIR "/models/stories260K.gguf");
    gguf::Writer w = gguf::Writer::from_file(src);
    w.set("tokenizer.chat_template", gguf::Value{std::string(kTemplate)});
    w.write(*path_);
  }
  static void TearDownTestSuite() {
    std::remove(path_->c_str());
    delete path_;
  }
  static std::string strip_newline(std::string s) {
    if (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  }
  // Greedy raw completion of text, as printed by the one-shot CLI.
  static std::string raw_completion(const std::string& text) {
    const std::string file = temp_path("raw-prompt.txt");
    Outcome o = run_hearth("run '" + *path_ + "' --raw -n 16 --temp 0 -p \"$(cat '" + write(file, text) + "')\"");
    std::remove(file.c_str());
    EXPECT_EQ(o.status, 0) << o.err;
    return strip_newline(o.out);
  }
  static std::string write(const std::string& file, const std::string& text) {
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }
  static inline std::string* path_ = nullptr;
};

TEST_F(ChatModel, OneShotPromptGoesThroughTheTemplate) {
  Outcome o = run_hearth("run '" + *path_ + "' -n 16 --temp 0 hello");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(strip_newline(o.out), raw_completion("user: hello\nassistant:"));
  EXPECT_FALSE(strip_newline(o.out).empty());
}

TEST_F(ChatModel, InteractiveChatKeepsTheConversation) {
  const std::string reply1 = raw_completion("user: hello\nassistant:");
  const std::string reply2 = raw_completion("user: hello\nassistant:" + reply1 + "\nuser: again\nassistant:");
  ASSERT_NE(reply1, reply2);

  // script(1) gives hearth a terminal on standard input, so it chats.
  const std::string input = "hello\nagain\n/clear\nagain\n/bye\n";
  Outcome o = run_hearth_in_terminal("run '" + *path_ + "' -n 16 --temp 0", input);
  ASSERT_EQ(o.status, 0) << o.out << o.err;
  // The replies appear in order, each after a ">>> " prompt; after /clear the
  // conversation starts afresh, so "again" gets the reply of a first turn.
  const std::string reply_again_fresh = raw_completion("user: again\nassistant:");
  const size_t first = o.out.find(">>> " + reply1);
  ASSERT_NE(first, std::string::npos) << o.out;
  const size_t second = o.out.find(">>> " + reply2, first);
  ASSERT_NE(second, std::string::npos) << o.out;
  const size_t cleared = o.out.find("Cleared session context", second);
  ASSERT_NE(cleared, std::string::npos) << o.out;
  EXPECT_NE(o.out.find(">>> " + reply_again_fresh, cleared), std::string::npos) << o.out;
}

TEST_F(ChatModel, MultiLineInputAndCommands) {
  const std::string reply = raw_completion("user: line one\nline two\nassistant:");
  const std::string input = "/set parameter temperature 0\n/show parameters\n\"\"\"line one\nline two\"\"\"\n/nonsense\n/bye\n";
  Outcome o = run_hearth_in_terminal("run '" + *path_ + "' -n 16 --temp 0.7 --seed 1", input);
  ASSERT_EQ(o.status, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("Set parameter 'temperature' to '0'"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("temperature         0\r\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("... " + reply), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("Unknown command '/nonsense'"), std::string::npos) << o.out;
}

TEST_F(ChatModel, EndOfInputLeaves) {
  Outcome o = run_hearth_in_terminal("run '" + *path_ + "' -n 4 --temp 0", "hello\n\x04");
  EXPECT_EQ(o.status, 0) << o.out << o.err;
}

TEST_F(ChatModel, ATooLongConversationDropsItsOldestTurns) {
  // Each turn adds about 20 tokens; a context of 64 with 16 kept for the
  // reply holds two turns at most.
  const std::string input = "hello\nagain\nonce more\nand again\n/bye\n";
  Outcome o = run_hearth_in_terminal("run '" + *path_ + "' -n 16 --temp 0 -c 64", input);
  ASSERT_EQ(o.status, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("(context full: dropped the oldest 2 message(s))"), std::string::npos) << o.out;
  EXPECT_EQ(o.out.find("error:"), std::string::npos) << o.out;
}

}  // namespace
}  // namespace hearth::testing
