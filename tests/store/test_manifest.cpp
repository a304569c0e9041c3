// Manifests and config blobs byte for byte as ollama writes them.
#include "store/manifest.h"
#include "store/media_types.h"
#include "store/model_config.h"
#include "store_test_util.h"

namespace hearth::testing {
namespace {

using store::Digest;
using store::Manifest;

const std::string kA(64, 'a'), kB(64, 'b'), kC(64, 'c');

TEST(Manifest, SerializesAsOllama) {
  Manifest m;
  m.config = {"application/vnd.docker.container.image.v1+json", Digest{kA}, 485};
  m.layers = {{"application/vnd.ollama.image.model", Digest{kB}, 397807936},
              {"application/vnd.ollama.image.params", Digest{kC}, 54}};
  const std::string expected =
      "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
      "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"sha256:" + kA +
      "\",\"size\":485},\"layers\":[{\"mediaType\":\"application/vnd.ollama.image.model\",\"digest\":\"sha256:" + kB +
      "\",\"size\":397807936},{\"mediaType\":\"application/vnd.ollama.image.params\",\"digest\":\"sha256:" + kC +
      "\",\"size\":54}]}\n";
  EXPECT_EQ(m.serialize(), expected);
  EXPECT_EQ(Manifest::parse(expected, "test"), m);
  EXPECT_EQ(m.total_size(), 485u + 397807936u + 54u);
  ASSERT_NE(m.find(store::media_type::kParams), nullptr);
  EXPECT_EQ(m.find(store::media_type::kParams)->digest.hex, kC);
  EXPECT_EQ(m.find(store::media_type::kTemplate), nullptr);
  EXPECT_EQ(m.blobs(), (std::vector<Digest>{Digest{kA}, Digest{kB}, Digest{kC}}));
}

TEST(Manifest, ReadsOllamasManifestsWithExtraFields) {
  // As pulled from registry.ollama.ai: pretty-printed, with fields hearth does not use.
  const std::string text = R"({
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "digest": "sha256:)" + kA + R"(", "size": 7},
    "layers": [{"mediaType": "application/vnd.ollama.image.model", "digest": "sha256:)" + kB + R"(", "size": 9, "from": "x"}]
  })";
  const Manifest m = Manifest::parse(text, "test");
  EXPECT_EQ(m.config.size, 7u);
  ASSERT_EQ(m.layers.size(), 1u);
  EXPECT_EQ(m.layers[0].digest.hex, kB);
}

TEST(Manifest, RefusesDamagedOnesClearly) {
  const std::string layer = R"({"mediaType":"m","digest":"sha256:)" + kA + R"(","size":1})";
  const std::pair<std::string, const char*> cases[] = {
      {"{\"schemaVersion\":2,", "not valid JSON"},
      {"[]", "not a JSON object"},
      {R"({"schemaVersion":1,"config":)" + layer + R"(,"layers":[]})", "schemaVersion is not 2"},
      {R"({"schemaVersion":2,"layers":[]})", "no config"},
      {R"({"schemaVersion":2,"config":)" + layer + "}", "no layers array"},
      {R"({"schemaVersion":2,"config":{"mediaType":"m","digest":"sha256:12","size":1},"layers":[]})", "invalid digest"},
      {R"({"schemaVersion":2,"config":{"mediaType":"m","digest":"sha256:)" + kA + R"(","size":-1},"layers":[]})", "no size"},
      {R"({"schemaVersion":2,"config":)" + layer + R"(,"layers":[{"digest":"sha256:)" + kA + R"(","size":1}]})", "layer 0 has no mediaType"},
  };
  for (const auto& [text, why] : cases) {
    try {
      Manifest::parse(text, "manifest 'x'");
      ADD_FAILURE() << text;
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.rfind("manifest 'x': ", 0), 0u) << msg;
      EXPECT_NE(msg.find(why), std::string::npos) << msg;
    }
  }
}

TEST(ModelConfig, SerializesAsOllama) {
  store::ModelConfig c;
  c.model_family = "qwen2";
  c.model_families = {"qwen2"};
  c.model_type = "494.03M";
  c.file_type = "Q4_K_M";
  c.diff_ids = {Digest{kB}, Digest{kC}};
  const std::string expected =
      "{\"model_format\":\"gguf\",\"model_family\":\"qwen2\",\"model_families\":[\"qwen2\"],\"model_type\":\"494.03M\","
      "\"file_type\":\"Q4_K_M\",\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
      "\"diff_ids\":[\"sha256:" + kB + "\",\"sha256:" + kC + "\"]}}\n";
  EXPECT_EQ(c.serialize(), expected);
  const store::ModelConfig back = store::ModelConfig::parse(expected, "test");
  EXPECT_EQ(back.serialize(), expected);
  const store::ModelDetails d = back.details();
  EXPECT_EQ(d.format, "gguf");
  EXPECT_EQ(d.family, "qwen2");
  EXPECT_EQ(d.families, std::vector<std::string>{"qwen2"});
  EXPECT_EQ(d.parameter_size, "494.03M");
  EXPECT_EQ(d.quantization_level, "Q4_K_M");
  EXPECT_THROW(store::ModelConfig::parse("nope", "test"), Error);
}

}  // namespace
}  // namespace hearth::testing
