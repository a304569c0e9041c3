// hearth create's work: a model built from a Modelfile into the store, with
// manifests, config and layers byte for byte as ollama writes them.
#include "convert/mix.h"
#include "convert/quantize.h"
#include "convert/synth.h"
#include "gguf/file.h"
#include "gguf/writer.h"
#include "store/media_types.h"
#include "store/sha256.h"
#include "store_test_util.h"

namespace hearth::testing {
namespace {

using store::Name;

const std::string kTemplate =
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

std::string layer_json(const char* media, const std::string& hex, uint64_t size) {
  return std::string("{\"mediaType\":\"") + media + "\",\"digest\":\"sha256:" + hex + "\",\"size\":" + std::to_string(size) + "}";
}

class Create : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    fs::copy_file(kStories, src_ / "stories.gguf");
  }
  // A synthetic model (convert::synth_file) in src_.
  fs::path synth(const std::string& file, const char* like, const char* mix) {
    convert::SynthOptions so;
    so.seed = 7;
    so.threads = 2;
    convert::synth_file(convert::find_known_model(like), convert::parse_mix(mix), (src_ / file).string(), so);
    return src_ / file;
  }
};

TEST_F(Create, FromAGgufFileAsOllamaWritesIt) {
  std::vector<store::ProgressEvent> events;
  create("stories", "FROM ./stories.gguf\nTEMPLATE \"\"\"" + kTemplate + "\"\"\"\nSYSTEM Tell a story.\n"
                    "PARAMETER temperature 0.7\nPARAMETER stop <|im_end|>\n",
         {}, [&](const store::ProgressEvent& e) { events.push_back(e); });

  // Independent digests: sha256sum of the file, and of the layers' hand-written bytes.
  const std::string model_hex = sha256sum(kStories);
  const uint64_t model_size = fs::file_size(kStories);
  const std::string params = "{\"stop\":[\"\\u003c|im_end|\\u003e\"],\"temperature\":0.7}\n";
  const std::string t_hex = store::sha256_hex(kTemplate), s_hex = store::sha256_hex("Tell a story."),
                    p_hex = store::sha256_hex(params);
  // 292800 parameters: token embeddings and output 2 x 512 x 64, five layers of
  // 45440 (norms, q/k/v/o 64x64, 64x32, 64x32, 64x64, FFN 3 x 64x172), one norm.
  const std::string config =
      "{\"model_format\":\"gguf\",\"model_family\":\"llama\",\"model_families\":[\"llama\"],\"model_type\":\"293K\","
      "\"file_type\":\"F32\",\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
      "\"sha256:" + model_hex + "\",\"sha256:" + t_hex + "\",\"sha256:" + s_hex + "\",\"sha256:" + p_hex + "\"]}}\n";
  const std::string manifest =
      "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":" +
      layer_json("application/vnd.docker.container.image.v1+json", store::sha256_hex(config), config.size()) +
      ",\"layers\":[" + layer_json("application/vnd.ollama.image.model", model_hex, model_size) + "," +
      layer_json("application/vnd.ollama.image.template", t_hex, kTemplate.size()) + "," +
      layer_json("application/vnd.ollama.image.system", s_hex, 13) + "," +
      layer_json("application/vnd.ollama.image.params", p_hex, params.size()) + "]}\n";

  const fs::path manifest_path = root_ / "manifests/registry.ollama.ai/library/stories/latest";
  EXPECT_EQ(read_text(manifest_path), manifest);
  EXPECT_EQ(read_text(root_ / ("blobs/sha256-" + store::sha256_hex(config))), config);
  EXPECT_EQ(read_text(root_ / ("blobs/sha256-" + p_hex)), params);
  EXPECT_EQ(read_text(root_ / ("blobs/sha256-" + model_hex)), read_text(kStories));
  // Content addressing, checked by sha256sum; five blobs and nothing else.
  const auto blobs = blob_files(root_);
  EXPECT_EQ(blobs.size(), 5u);
  for (const std::string& b : blobs) EXPECT_EQ(b, "sha256-" + sha256sum(root_ / "blobs" / b));

  std::vector<std::string> statuses;
  for (const auto& e : events)
    if (e.total == 0 || e.completed == e.total) statuses.push_back(e.status);
  EXPECT_EQ(statuses, (std::vector<std::string>{
                          "gathering model components", "copying file sha256:" + model_hex, "parsing GGUF",
                          "creating new layer sha256:" + model_hex, "creating new layer sha256:" + t_hex,
                          "creating new layer sha256:" + s_hex, "creating new layer sha256:" + p_hex,
                          "writing manifest", "success"}));

  const store::ModelInfo info = store_.get(Name::parse("stories"));
  EXPECT_EQ(info.model_path, root_ / ("blobs/sha256-" + model_hex));
  EXPECT_EQ(info.template_text, kTemplate);
  EXPECT_EQ(info.system, "Tell a story.");
  EXPECT_EQ(info.parameters, nlohmann::json::parse(R"({"stop":["<|im_end|>"],"temperature":0.7})"));
  EXPECT_TRUE(info.messages.empty());
  EXPECT_EQ(info.digest.hex, sha256sum(manifest_path));
  EXPECT_EQ(info.size, config.size() + model_size + kTemplate.size() + 13 + params.size());
  EXPECT_EQ(info.details.family, "llama");
  EXPECT_EQ(info.details.parameter_size, "293K");
  EXPECT_EQ(info.details.quantization_level, "F32");
  EXPECT_TRUE(store_.check(true).empty());
}

TEST_F(Create, ModelsShareTheirBlobs) {
  create("a", "FROM ./stories.gguf\nSYSTEM one\n");
  std::vector<std::string> statuses;
  create("b", "FROM " + (src_ / "stories.gguf").string() + "\nSYSTEM two\nMESSAGE user hi\nLICENSE MIT\n", {},
         [&](const store::ProgressEvent& e) { statuses.push_back(e.status); });
  const std::string model_hex = sha256sum(kStories);
  EXPECT_NE(std::find(statuses.begin(), statuses.end(), "using existing layer sha256:" + model_hex), statuses.end());
  // One model blob; per model a config and a system layer; b's messages and license.
  EXPECT_EQ(blob_files(root_).size(), 1u + 2 + 2 + 2);
  EXPECT_EQ(store_.get(Name::parse("a")).model_path, store_.get(Name::parse("b")).model_path);
  const auto b = store_.get(Name::parse("b"));
  EXPECT_EQ(b.messages, (std::vector<store::Message>{{"user", "hi"}}));
  EXPECT_EQ(b.licenses, std::vector<std::string>{"MIT"});
  EXPECT_EQ(read_text(root_ / ("blobs/sha256-" + b.manifest.find(store::media_type::kMessages)->digest.hex)),
            "[{\"role\":\"user\",\"content\":\"hi\"}]\n");
}

TEST_F(Create, FromAStoredModelInheritsItsLayers) {
  create("base", "FROM ./stories.gguf\nTEMPLATE \"\"\"" + kTemplate + "\"\"\"\nPARAMETER temperature 0.7\n"
                 "PARAMETER stop <|im_end|>\nLICENSE MIT\n");
  const auto before = blob_files(root_);
  create("derived:v1", "FROM base\nPARAMETER temperature 0.2\nSYSTEM Be brief.\n");
  const auto base = store_.get(Name::parse("base")), derived = store_.get(Name::parse("derived:v1"));
  EXPECT_EQ(derived.manifest.find(store::media_type::kModel)->digest, base.manifest.find(store::media_type::kModel)->digest);
  EXPECT_EQ(derived.template_text, kTemplate);
  EXPECT_EQ(derived.licenses, std::vector<std::string>{"MIT"});
  EXPECT_EQ(derived.system, "Be brief.");
  EXPECT_EQ(derived.parameters, nlohmann::json::parse(R"({"stop":["<|im_end|>"],"temperature":0.2})"));
  // New: the system and params layers and the config; nothing copied.
  EXPECT_EQ(blob_files(root_).size(), before.size() + 3);
  EXPECT_EQ(derived.details, base.details);
}

TEST_F(Create, FromADirectoryHoldingOneGguf) {
  fs::create_directories(src_ / "one");
  fs::copy_file(kStories, src_ / "one/model.gguf");
  write_text(src_ / "one/README.md", "not a model");
  create("dir", "FROM one\n");
  EXPECT_EQ(store_.get(Name::parse("dir")).manifest.find(store::media_type::kModel)->digest.hex, sha256sum(kStories));
}

TEST_F(Create, RefusesSplitModelsAndAmbiguousDirectories) {
  auto error_of = [&](const std::string& text) -> std::string {
    try {
      create("x", text);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  fs::create_directories(src_ / "two");
  fs::copy_file(kStories, src_ / "two/a.gguf");
  fs::copy_file(kStories, src_ / "two/b.gguf");
  EXPECT_NE(error_of("FROM two\n").find("holds 2 GGUF files ('a.gguf', 'b.gguf'...): name one of them in FROM"),
            std::string::npos);
  fs::create_directories(src_ / "split");
  fs::copy_file(kStories, src_ / "split/m-00001-of-00002.gguf");
  fs::copy_file(kStories, src_ / "split/m-00002-of-00002.gguf");
  EXPECT_NE(error_of("FROM split\n").find("split into parts; hearth does not merge them"), std::string::npos);
  EXPECT_NE(error_of("FROM split/m-00001-of-00002.gguf\n").find("does not merge them"), std::string::npos);
  fs::create_directories(src_ / "empty");
  EXPECT_NE(error_of("FROM empty\n").find("holds no .gguf file"), std::string::npos);
  // A part found by its metadata (split.count), whatever its name.
  gguf::Writer w = gguf::Writer::from_file(gguf::File::open(kStories));
  w.set("split.count", gguf::Value{uint16_t(3)});
  w.write((src_ / "part.gguf").string());
  EXPECT_NE(error_of("FROM part.gguf\n").find("one part of a GGUF model split into 3 parts"), std::string::npos);
  EXPECT_TRUE(blob_files(root_).empty());
  EXPECT_TRUE(store_.list().empty());
}

TEST_F(Create, FailuresLeaveTheStoreAsItWas) {
  create("keep", "FROM ./stories.gguf\nSYSTEM kept\n");
  const auto before = snapshot();
  write_text(src_ / "text.gguf", "this is not a model\n");
  store::Modelfile bad_template = modelfile("FROM ./stories.gguf\n");
  bad_template.template_text = "{% if %}";
  store::Modelfile bad_param = modelfile("FROM ./stories.gguf\n");
  bad_param.parameters = nlohmann::json::parse(R"({"temperature":"hot"})");
  const std::pair<store::Modelfile, std::string> cases[] = {
      {modelfile("FROM ./missing.gguf\n"), "no such file"},
      {modelfile("FROM nosuchmodel\n"), "model 'nosuchmodel:latest' not found"},
      {modelfile("FROM ./text.gguf\n"), "not a GGUF file"},
      {modelfile("FROM ./stories.gguf\nADAPTER ./missing-lora.gguf\n"), "missing-lora.gguf"},
      {bad_template, "not a Jinja chat template"},
      {bad_param, "parameter 'temperature' must be of type float"},
  };
  for (const auto& [mf, why] : cases) {
    try {
      store_.create(Name::parse("new"), mf);
      ADD_FAILURE() << why;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
    EXPECT_EQ(snapshot(), before) << why;
  }
  try {
    store_.create(Name::parse("new"), modelfile("FROM ./stories.gguf\n"), {"Q9_Z"});
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown quantization type 'Q9_Z'"), std::string::npos) << e.what();
  }
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(store_.get(Name::parse("keep")).system, "kept");
}

TEST_F(Create, QuantizesWhileImporting) {
  const fs::path f32 = synth("llama-f32.gguf", "test-llama", "F32");
  std::vector<std::string> statuses;
  create("q", "FROM ./llama-f32.gguf\n", {"q8_0", 2}, [&](const store::ProgressEvent& e) {
    if (e.total == 0 || e.completed == e.total) statuses.push_back(e.status);
  });
  EXPECT_NE(std::find(statuses.begin(), statuses.end(), "quantizing F32 model to Q8_0"), statuses.end());
  // The same bytes as `hearth quantize` writes; the F32 original is not stored.
  convert::quantize_file(f32.string(), (src_ / "reference.gguf").string(), convert::parse_mix("Q8_0"), {2, {}});
  const auto info = store_.get(Name::parse("q"));
  EXPECT_EQ(info.manifest.find(store::media_type::kModel)->digest.hex, sha256sum(src_ / "reference.gguf"));
  EXPECT_EQ(blob_files(root_).count("sha256-" + sha256sum(f32)), 0u);
  EXPECT_EQ(info.details.quantization_level, "Q8_0");
  EXPECT_EQ(info.details.family, "llama");
  const gguf::File stored = gguf::File::open(info.model_path.string());
  EXPECT_EQ(stored.find_tensor("blk.0.attn_q.weight")->type, tensor::DType::Q8_0);
  EXPECT_TRUE(store_.check(true).empty());

  // Quantizing again is refused, as ollama refuses it.
  try {
    create("qq", "FROM q\n", {"Q4_K_M"});
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("quantizing needs an F32, F16 or BF16 model; this one is Q8_0"),
              std::string::npos)
        << e.what();
  }
  // A stored F16 model can be quantized from the store.
  synth("llama-f16.gguf", "test-llama", "F16");
  create("f16", "FROM ./llama-f16.gguf\n");
  create("f16:q4", "FROM f16\nSYSTEM small\n", {"Q4_K_M", 2});
  const auto q4 = store_.get(Name::parse("f16:q4"));
  EXPECT_EQ(q4.details.quantization_level, "Q4_K_M");
  EXPECT_EQ(q4.system, "small");
  EXPECT_NE(q4.model_path, store_.get(Name::parse("f16")).model_path);
}

TEST_F(Create, NamesIgnoreCase) {
  create("Foo:Bar", "FROM ./stories.gguf\nSYSTEM one\n");
  const auto found = store_.find(Name::parse("foo:bar"));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name.display(), "Foo:Bar");
  EXPECT_TRUE(store_.find(Name::parse("REGISTRY.ollama.ai/LIBRARY/FOO:BAR")));
  try {
    create("foo:bar", "FROM ./stories.gguf\n");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("a model with that name already exists: 'Foo:Bar'"), std::string::npos)
        << e.what();
  }
  // A different tag under a differently spelled model directory is another model.
  create("FOO:other", "FROM ./stories.gguf\n");
  EXPECT_EQ(store_.get(Name::parse("foo:other")).name.display(), "FOO:other");
  EXPECT_EQ(store_.list().size(), 2u);
}

TEST_F(Create, ReplacingAModelDropsTheBlobsOnlyItUsed) {
  create("m", "FROM ./stories.gguf\nSYSTEM first\n");
  const std::string first = store::sha256_hex("first");
  EXPECT_EQ(blob_files(root_).count("sha256-" + first), 1u);
  create("m", "FROM ./stories.gguf\nSYSTEM second\n");
  EXPECT_EQ(blob_files(root_).count("sha256-" + first), 0u);
  EXPECT_EQ(blob_files(root_).size(), 3u);  // model, system, config
  EXPECT_EQ(store_.get(Name::parse("m")).system, "second");
  // Rebuilding from itself keeps what it still uses.
  create("m", "FROM m\nPARAMETER top_k 5\n");
  EXPECT_EQ(store_.get(Name::parse("m")).system, "second");
  EXPECT_TRUE(store_.check(true).empty());
}

}  // namespace
}  // namespace hearth::testing
