// Model names parsed, checked and displayed as ollama does.
#include "store/name.h"
#include "store_test_util.h"

namespace hearth::testing {
namespace {

using store::Name;

struct Case {
  const char* text;
  const char* host;
  const char* ns;
  const char* model;
  const char* tag;
  const char* display;
};

TEST(Name, ParsesWithOllamasDefaults) {
  const Case cases[] = {
      {"qwen2.5", "registry.ollama.ai", "library", "qwen2.5", "latest", "qwen2.5:latest"},
      {"qwen2.5:0.5b", "registry.ollama.ai", "library", "qwen2.5", "0.5b", "qwen2.5:0.5b"},
      {"myns/mymodel", "registry.ollama.ai", "myns", "mymodel", "latest", "myns/mymodel:latest"},
      {"library/llama3:8b", "registry.ollama.ai", "library", "llama3", "8b", "llama3:8b"},
      {"hf.co/org/repo:Q4_K_M", "hf.co", "org", "repo", "Q4_K_M", "hf.co/org/repo:Q4_K_M"},
      {"registry.ollama.ai/library/mistral:7b", "registry.ollama.ai", "library", "mistral", "7b", "mistral:7b"},
      {"registry.ollama.ai/bob/mistral", "registry.ollama.ai", "bob", "mistral", "latest", "bob/mistral:latest"},
      {"example.com/library/mistral", "example.com", "library", "mistral", "latest", "example.com/library/mistral:latest"},
      {"localhost:5000/ns/m:v1", "localhost:5000", "ns", "m", "v1", "localhost:5000/ns/m:v1"},
      {"https://hf.co/org/repo", "hf.co", "org", "repo", "latest", "hf.co/org/repo:latest"},
      {"_under/x_y-z.1:tag_-.9", "registry.ollama.ai", "_under", "x_y-z.1", "tag_-.9", "_under/x_y-z.1:tag_-.9"},
      {"Llama3:8B", "registry.ollama.ai", "library", "Llama3", "8B", "Llama3:8B"},
      {"REGISTRY.OLLAMA.AI/Library/m", "REGISTRY.OLLAMA.AI", "Library", "m", "latest", "m:latest"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const Name n = Name::parse(c.text);
    EXPECT_EQ(n.host, c.host);
    EXPECT_EQ(n.ns, c.ns);
    EXPECT_EQ(n.model, c.model);
    EXPECT_EQ(n.tag, c.tag);
    EXPECT_EQ(n.display(), c.display);
    EXPECT_TRUE(Name::parse(n.display()).same_model(n));  // the display form reads back as the same model
    EXPECT_EQ(n.relative_path(), fs::path(c.host) / c.ns / c.model / c.tag);
  }
  EXPECT_EQ(Name::parse("qwen2.5:0.5b").full(), "registry.ollama.ai/library/qwen2.5:0.5b");
}

TEST(Name, RefusesBadNamesWithAReason) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "the model is empty"},
      {":tag", "the model is empty"},
      {"model:", "the tag is empty"},
      {"ns/", "the model is empty"},
      {"/model", "the namespace is empty"},
      {"a//b", "the namespace is empty"},
      {"a/b/c/d", "more than three"},
      {"my model", "the model 'my model' may hold only"},
      {"model:a b", "the tag 'a b' may hold only"},
      {"-model", "must start with a letter, a digit or '_'"},
      {".hidden", "must start with a letter"},
      {"model:.tag", "the tag '.tag' must start"},
      {"my.ns/model", "the namespace 'my.ns' may hold only letters, digits, '_' and '-'"},
      {"host/ns/mo:del:x", "the model 'mo:del' may hold only"},
      {"ho st/ns/m", "the host 'ho st'"},
      {"m\xC3\xA9/x", "the namespace"},
      {"m/../x", "the namespace '..'"},
  };
  for (const auto& [text, why] : cases) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(Name::try_parse(text));
    try {
      Name::parse(text);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.rfind(std::string("invalid model name '") + text + "': ", 0), 0u) << msg;
      EXPECT_NE(msg.find(why), std::string::npos) << msg;
    }
  }
}

TEST(Name, LengthLimits) {
  EXPECT_TRUE(Name::try_parse(std::string(80, 'm')));
  EXPECT_FALSE(Name::try_parse(std::string(81, 'm')));
  EXPECT_TRUE(Name::try_parse("m:" + std::string(80, 't')));
  EXPECT_FALSE(Name::try_parse("m:" + std::string(81, 't')));
  EXPECT_TRUE(Name::try_parse(std::string(350, 'h') + "/ns/m"));
  EXPECT_FALSE(Name::try_parse(std::string(351, 'h') + "/ns/m"));
  EXPECT_FALSE(Name::try_parse(std::string(81, 'n') + "/m"));
}

TEST(Name, SameModelIgnoresCase) {
  EXPECT_TRUE(Name::parse("Llama3:8B").same_model(Name::parse("llama3:8b")));
  EXPECT_TRUE(Name::parse("MyNS/M").same_model(Name::parse("registry.ollama.ai/myns/m:LATEST")));
  EXPECT_FALSE(Name::parse("llama3:8b").same_model(Name::parse("llama3:7b")));
  EXPECT_FALSE(Name::parse("Llama3") == Name::parse("llama3"));  // == is the exact spelling
}

TEST(Name, FromManifestPathParts) {
  auto n = Name::from_parts("registry.ollama.ai", "library", "qwen2.5", "0.5b");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->display(), "qwen2.5:0.5b");
  EXPECT_FALSE(Name::from_parts("registry.ollama.ai", "library", "qwen2.5", ".hearth-tmp-1-2-3"));
  EXPECT_FALSE(Name::from_parts("registry.ollama.ai", "my.ns", "m", "t"));
}

}  // namespace
}  // namespace hearth::testing
