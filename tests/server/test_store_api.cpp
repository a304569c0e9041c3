// /api/pull, /api/create and /api/blobs against a store of the test's own,
// pulling from the local fake registry.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "server/server_fixture.h"
#include "store/registry_fixture.h"
#include "store/sha256.h"

namespace hearth::server::testing {
namespace {

namespace fs = std::filesystem;
using hearth::testing::FakeRegistry;
using hearth::testing::publish_stories;

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class StoreApi : public ::testing::Test {
 protected:
  fs::path dir_ = fs::temp_directory_path() / ("hearth-store-api-" + std::to_string(::getpid()));
  fs::path root_ = dir_ / "models";
  std::unique_ptr<FakeRegistry> reg_;
  std::unique_ptr<TestServer> server_;
  std::string stories_ = file_bytes(kStories);
  std::string digest_ = "sha256:" + store::sha256_hex(stories_);

  void SetUp() override {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    reg_ = std::make_unique<FakeRegistry>(dir_ / "registry");
    server_ = std::make_unique<TestServer>(TestServer::default_config(), make_catalog(root_));
  }
  void TearDown() override {
    server_.reset();
    reg_.reset();
    fs::remove_all(dir_);
  }
  std::string name(const std::string& model) const { return reg_->host() + "/library/" + model; }
  httplib::Result upload(const std::string& digest, const std::string& bytes) const {
    return server_->client().Post("/api/blobs/" + digest, bytes, "application/octet-stream");
  }
  int head(const std::string& digest) const {
    auto r = server_->client().Head("/api/blobs/" + digest);
    return r ? r->status : -1;
  }
  nlohmann::json show(const std::string& model) const { return json_of(server_->post("/api/show", {{"model", model}})); }
};

TEST_F(StoreApi, PullStreamsOllamasProgressThenServesTheModel) {
  publish_stories(*reg_, "library", "stories", "{{ .Prompt }}", "Tell a story.");
  auto r = server_->post("/api/pull", {{"model", name("stories")}, {"insecure", true}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/x-ndjson");
  const auto lines = ndjson(r->body);
  ASSERT_GE(lines.size(), 5u);
  EXPECT_EQ(lines.front(), nlohmann::json({{"status", "pulling manifest"}}));
  EXPECT_EQ(lines.back(), nlohmann::json({{"status", "success"}}));
  EXPECT_EQ(lines[lines.size() - 2], nlohmann::json({{"status", "writing manifest"}}));
  bool model_done = false, verified = false;
  for (const auto& l : lines) {
    if (l["status"] == "pulling " + digest_.substr(7, 12) && l.value("completed", uint64_t{0}) == stories_.size()) {
      EXPECT_EQ(l["digest"], digest_);
      EXPECT_EQ(l["total"], stories_.size());
      model_done = true;
    }
    verified |= l["status"] == "verifying sha256 digest";
  }
  EXPECT_TRUE(model_done) << r->body;
  EXPECT_TRUE(verified);

  const auto tags = json_of(server_->get("/api/tags"));
  ASSERT_EQ(tags["models"].size(), 1u);
  EXPECT_EQ(tags["models"][0]["name"], name("stories") + ":latest");
  EXPECT_EQ(show(name("stories"))["template"], "{{ .Prompt }}");

  // Its Go template goes through the chat path.
  auto chat = server_->post("/api/chat", {{"model", name("stories")},
                                          {"messages", {{{"role", "user"}, {"content", "Once upon a time"}}}},
                                          {"stream", false},
                                          {"options", {{"temperature", 0}, {"num_predict", 6}}}});
  ASSERT_EQ(chat->status, 200) << chat->body;
  EXPECT_FALSE(json_of(chat)["message"]["content"].get<std::string>().empty());
}

TEST_F(StoreApi, PullErrors) {
  auto bad = server_->post("/api/pull", {{"model", "not a name"}});
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(server_->post("/api/pull", nlohmann::json::object())->status, 400);

  auto once = server_->post("/api/pull", {{"name", name("nosuch")}, {"insecure", true}, {"stream", false}});
  EXPECT_EQ(once->status, 500);
  EXPECT_NE(json_of(once)["error"].get<std::string>().find("was not found"), std::string::npos) << once->body;

  auto streamed = server_->post("/api/pull", {{"model", name("nosuch")}, {"insecure", true}});
  ASSERT_EQ(streamed->status, 200);
  const auto lines = ndjson(streamed->body);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back()["error"].get<std::string>().find("was not found"), std::string::npos) << streamed->body;

  publish_stories(*reg_, "library", "stories");
  auto ok = server_->post("/api/pull", {{"model", name("stories")}, {"insecure", true}, {"stream", false}});
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(json_of(ok), nlohmann::json({{"status", "success"}}));
}

TEST_F(StoreApi, BlobUploadsAreCheckedAgainstTheirDigest) {
  EXPECT_EQ(head(digest_), 404);
  const std::string wrong = "sha256:" + store::sha256_hex("something else");
  auto mismatch = upload(wrong, stories_);
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->status, 400);
  EXPECT_NE(json_of(mismatch)["error"].get<std::string>().find("digest mismatch"), std::string::npos) << mismatch->body;
  EXPECT_EQ(head(wrong), 404);
  EXPECT_EQ(upload("sha256:nothex", "x")->status, 400);

  EXPECT_EQ(upload(digest_, stories_)->status, 201);
  EXPECT_EQ(head(digest_), 200);
  EXPECT_EQ(upload(digest_, stories_)->status, 200);  // already there
  std::set<std::string> blobs;
  for (const auto& e : fs::directory_iterator(root_ / "blobs")) blobs.insert(e.path().filename().string());
  EXPECT_EQ(blobs, (std::set<std::string>{"sha256-" + digest_.substr(7)}));
}

TEST_F(StoreApi, CreateFromUploadedFilesAndFromAModel) {
  ASSERT_EQ(upload(digest_, stories_)->status, 201);
  auto r = server_->post("/api/create", {{"model", "fromfiles"},
                                         {"files", {{"stories.gguf", digest_}}},
                                         {"system", "Be brief."},
                                         {"parameters", {{"temperature", 0.5}, {"stop", {"<end>"}}}},
                                         {"messages", {{{"role", "user"}, {"content", "hi"}}}},
                                         {"license", {"MIT", "more"}},
                                         {"stream", false}});
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json_of(r), nlohmann::json({{"status", "success"}}));
  auto s = show("fromfiles");
  EXPECT_EQ(s["system"], "Be brief.");
  EXPECT_NE(s["parameters"].get<std::string>().find("temperature"), std::string::npos);
  EXPECT_EQ(s["messages"].size(), 1u);
  EXPECT_EQ(s["license"], "MIT\nmore");

  auto streamed = server_->post("/api/create", {{"model", "derived"}, {"from", "fromfiles"}, {"template", "{{ .Prompt }}!"}});
  ASSERT_EQ(streamed->status, 200) << streamed->body;
  const auto lines = ndjson(streamed->body);
  EXPECT_EQ(lines.front(), nlohmann::json({{"status", "gathering model components"}}));
  EXPECT_EQ(lines.back(), nlohmann::json({{"status", "success"}}));
  s = show("derived");
  EXPECT_EQ(s["template"], "{{ .Prompt }}!");
  EXPECT_EQ(s["system"], "Be brief.");

  // ollama's older shape: a Modelfile naming the uploaded blob.
  auto old = server_->post("/api/create", {{"name", "old"}, {"modelfile", "FROM @" + digest_ + "\nSYSTEM hi\n"}, {"stream", false}});
  ASSERT_EQ(old->status, 200) << old->body;
  EXPECT_EQ(show("old")["system"], "hi");
  EXPECT_EQ(json_of(server_->get("/api/tags"))["models"].size(), 3u);
}

TEST_F(StoreApi, CreateErrors) {
  const std::string missing = "sha256:" + std::string(64, 'a');
  auto r = server_->post("/api/create", {{"model", "x"}, {"files", {{"m.gguf", missing}}}, {"stream", false}});
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(json_of(r)["error"].get<std::string>().find("upload it first"), std::string::npos) << r->body;
  r = server_->post("/api/create", {{"model", "x"}, {"files", {{"model.safetensors", missing}}}});
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(json_of(r)["error"].get<std::string>().find("GGUF files only"), std::string::npos) << r->body;
  EXPECT_EQ(server_->post("/api/create", {{"model", "x"}})->status, 400);
  EXPECT_EQ(server_->post("/api/create", {{"model", "bad name!"}, {"from", "y"}})->status, 400);
  auto nofrom = server_->post("/api/create", {{"model", "x"}, {"from", "nosuch"}, {"stream", false}});
  EXPECT_EQ(nofrom->status, 500);
  EXPECT_NE(json_of(nofrom)["error"].get<std::string>().find("not found"), std::string::npos) << nofrom->body;
  EXPECT_TRUE(json_of(server_->get("/api/tags"))["models"].empty());
}

}  // namespace
}  // namespace hearth::server::testing
