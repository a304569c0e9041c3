// list, copy, remove, and what show reports.
#include <thread>

#include "gguf/file.h"
#include "gguf/writer.h"
#include "store/media_types.h"
#include "store/sha256.h"
#include "store/show.h"
#include "store_test_util.h"

namespace hearth::testing {
namespace {

using store::Name;

class Ops : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    fs::copy_file(kStories, src_ / "stories.gguf");
  }
  fs::path manifest_path(const std::string& name) const {
    return root_ / "manifests" / Name::parse(name).relative_path();
  }
};

TEST_F(Ops, ListsNewestFirstWithOllamasFields) {
  create("older", "FROM ./stories.gguf\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  create("myns/newer:v2", "FROM ./stories.gguf\nSYSTEM hi\n");
  const auto models = store_.list();
  ASSERT_EQ(models.size(), 2u);
  EXPECT_EQ(models[0].name.display(), "myns/newer:v2");
  EXPECT_EQ(models[1].name.display(), "older:latest");
  for (const auto& m : models) {
    const fs::path p = manifest_path(m.name.display());
    EXPECT_EQ(m.digest.hex, sha256sum(p));
    uint64_t size = 0;
    const auto manifest = store::Manifest::parse(read_text(p), "test");
    for (const auto& d : manifest.blobs()) size += fs::file_size(store_.blob_path(d));
    EXPECT_EQ(m.size, size);
    EXPECT_EQ(m.details.family, "llama");
    EXPECT_EQ(m.details.parameter_size, "293K");
    EXPECT_LT(std::chrono::system_clock::now() - m.modified, std::chrono::minutes(5));
  }
  EXPECT_TRUE(store::Store(tmp_ / "empty").list().empty());  // a store not made yet
}

TEST_F(Ops, CopyIsAnotherNameForTheSameManifest) {
  create("src", "FROM ./stories.gguf\nSYSTEM s\n");
  const auto before = blob_files(root_);
  store_.copy(Name::parse("SRC"), Name::parse("ns/dst:t"));
  EXPECT_EQ(read_text(manifest_path("ns/dst:t")), read_text(manifest_path("src")));
  EXPECT_EQ(blob_files(root_), before);
  EXPECT_EQ(store_.get(Name::parse("ns/dst:t")).digest, store_.get(Name::parse("src")).digest);
  EXPECT_THROW(store_.copy(Name::parse("nope"), Name::parse("x")), Error);
  try {
    store_.copy(Name::parse("src"), Name::parse("NS/DST:T"));
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("already exists: 'ns/dst:t'"), std::string::npos) << e.what();
  }
  // Copying over another model replaces it, and drops the blobs only it used.
  create("other", "FROM ./stories.gguf\nSYSTEM only-other\n");
  store_.copy(Name::parse("src"), Name::parse("other"));
  EXPECT_EQ(store_.get(Name::parse("other")).system, "s");
  EXPECT_EQ(blob_files(root_).count("sha256-" + store::sha256_hex("only-other")), 0u);
  EXPECT_TRUE(store_.check(true).empty());
}

TEST_F(Ops, RemoveKeepsSharedBlobsUntilTheLastUserGoes) {
  create("a", "FROM ./stories.gguf\nSYSTEM a\n");
  create("b", "FROM ./stories.gguf\nSYSTEM b\n");
  store_.copy(Name::parse("a"), Name::parse("a2"));
  const std::string model = "sha256-" + sha256sum(kStories);
  store_.remove(Name::parse("a"));
  EXPECT_FALSE(store_.find(Name::parse("a")));
  EXPECT_EQ(blob_files(root_).count("sha256-" + store::sha256_hex("a")), 1u);  // a2 uses it
  store_.remove(Name::parse("A2"));
  EXPECT_EQ(blob_files(root_).count("sha256-" + store::sha256_hex("a")), 0u);
  EXPECT_EQ(blob_files(root_).count(model), 1u);  // b uses it
  EXPECT_EQ(blob_files(root_).size(), 3u);
  store_.remove(Name::parse("b"));
  EXPECT_TRUE(blob_files(root_).empty());
  EXPECT_TRUE(tree(root_ / "manifests").empty());  // empty directories go too
  try {
    store_.remove(Name::parse("b"));
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "model 'b:latest' not found");
  }
}

TEST_F(Ops, DamagedManifestsGiveOneClearError) {
  create("good", "FROM ./stories.gguf\n");
  create("bad", "FROM ./stories.gguf\nSYSTEM bad\n");
  write_text(manifest_path("bad"), "{\"schemaVersion\":2,\"config\":");
  try {
    store_.find(Name::parse("bad"));
    ADD_FAILURE();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("model 'bad:latest': manifest '", 0), 0u) << msg;
    EXPECT_NE(msg.find("not valid JSON"), std::string::npos) << msg;
  }
  std::vector<std::string> problems;
  const auto models = store_.list(&problems);
  ASSERT_EQ(models.size(), 1u);
  EXPECT_EQ(models[0].name.display(), "good:latest");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("not valid JSON"), std::string::npos);
  EXPECT_EQ(store_.check(false).size(), 1u);
  // Its blobs cannot be known, so removing it keeps every blob.
  const auto blobs = blob_files(root_);
  store_.remove(Name::parse("bad"));
  EXPECT_EQ(blob_files(root_), blobs);
  EXPECT_TRUE(store_.check(true).empty());

  // A missing blob: the model is reported damaged.
  fs::remove(store_.get(Name::parse("good")).model_path);
  try {
    store_.find(Name::parse("good"));
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model 'good:latest' is damaged: its model blob sha256:"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(store_.check(false).size(), 1u);
}

TEST_F(Ops, ShowsTheModelfileAsOllamaDoes) {
  create("m", "FROM ./stories.gguf\nSYSTEM \"\"\"two\nlines\"\"\"\nPARAMETER stop <|im_end|>\nPARAMETER num_ctx 256\n"
              "MESSAGE user hi\nLICENSE MIT\n");
  const auto info = store_.get(Name::parse("m"));
  EXPECT_EQ(store::generated_modelfile(info),
            "# Modelfile generated by \"hearth show\"\n"
            "# To build a new Modelfile based on this, replace FROM with:\n"
            "# FROM m:latest\n"
            "\n"
            "FROM " + info.model_path.string() + "\n"
            "SYSTEM \"two\nlines\"\n"
            "PARAMETER num_ctx 256\n"
            "PARAMETER stop <|im_end|>\n"
            "LICENSE MIT\n"
            "MESSAGE user hi\n");
  // Fed back to create, it rebuilds the same model.
  create("again", store::modelfile_of(info).render());
  EXPECT_EQ(read_text(manifest_path("again")), read_text(manifest_path("m")));
}

TEST_F(Ops, TheChatTemplateFallsBackToTheGgufs) {
  gguf::Writer w = gguf::Writer::from_file(gguf::File::open(kStories));
  w.set("tokenizer.chat_template", gguf::Value{std::string("{{ messages[0]['content'] }}")});
  w.write((src_ / "templated.gguf").string());
  create("t", "FROM ./templated.gguf\n");
  EXPECT_EQ(store::chat_template_of(store_.get(Name::parse("t"))), "{{ messages[0]['content'] }}");
  create("t2", "FROM t\nTEMPLATE {{ 'own' }}\n");
  EXPECT_EQ(store::chat_template_of(store_.get(Name::parse("t2"))), "{{ 'own' }}");
  create("plain", "FROM ./stories.gguf\n");
  EXPECT_FALSE(store::chat_template_of(store_.get(Name::parse("plain"))));
}

TEST(StoreRoot, FromTheEnvironment) {
  const char* old = std::getenv("HEARTH_MODELS");
  const std::string saved = old ? old : "";
  ::setenv("HEARTH_MODELS", "/some/where", 1);
  EXPECT_EQ(store::Store::default_root(), fs::path("/some/where"));
  ::unsetenv("HEARTH_MODELS");
  const char* home = std::getenv("HOME");
  if (home) {
    EXPECT_EQ(store::Store::default_root(), fs::path(home) / ".hearth/models");
  }
  if (old) ::setenv("HEARTH_MODELS", saved.c_str(), 1);
}

}  // namespace
}  // namespace hearth::testing
