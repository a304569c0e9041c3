// hearth create, list, show, cp, rm and run NAME, as a user runs them, on a
// store in a temporary HEARTH_MODELS.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include "cli/run_hearth.h"
#include "reference_texts.h"

namespace hearth::testing {
namespace {

namespace fs = std::filesystem;

const std::string kModel = HEARTH_SOURCE_DIR "/models/stories260K.gguf";

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// sha256sum's digest of a file or of some bytes.
std::string sha256sum(const fs::path& path) {
  Outcome o = run_hearth_raw("sha256sum " + quote(path.string()));
  return o.out.substr(0, o.out.find(' '));
}

class StoreCli : public ::testing::Test {
 protected:
  fs::path dir_ = temp_path("store-cli");
  fs::path models_ = dir_ / "models";

  void SetUp() override {
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "src");
    fs::copy_file(kModel, dir_ / "src/stories.gguf");
    const char* old = std::getenv("HEARTH_MODELS");
    if (old) saved_ = old;
    ::setenv("HEARTH_MODELS", models_.c_str(), 1);
  }
  void TearDown() override {
    if (saved_) ::setenv("HEARTH_MODELS", saved_->c_str(), 1);
    else ::unsetenv("HEARTH_MODELS");
    fs::remove_all(dir_);
  }
  // Writes a Modelfile into the source directory and runs `hearth create`.
  Outcome create(const std::string& name, const std::string& modelfile, const std::string& extra = "") {
    std::ofstream(dir_ / "src/Modelfile", std::ios::binary) << modelfile;
    return run_hearth("create " + quote(name) + " -f " + quote((dir_ / "src/Modelfile").string()) + extra);
  }
  fs::path manifest(const std::string& rel) const { return models_ / "manifests" / rel; }
  std::string text_digest(const std::string& text) {
    std::ofstream(dir_ / "text", std::ios::binary) << text;
    return sha256sum(dir_ / "text");
  }
  static void expect_one_line_error(const Outcome& o, const std::string& text) {
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.err, "hearth: error: " + text + "\n");
  }

 private:
  std::optional<std::string> saved_;
};

TEST_F(StoreCli, CreatePrintsOllamasProgress) {
  Outcome o = create("stories", "FROM ./stories.gguf\nSYSTEM Tell a story.\n");
  ASSERT_EQ(o.status, 0) << o.err;
  const std::string model = sha256sum(kModel), system = text_digest("Tell a story.");
  EXPECT_EQ(o.out, "gathering model components\n"
                   "copying file sha256:" + model + " 100%\n"
                   "parsing GGUF\n"
                   "creating new layer sha256:" + model + "\n"
                   "creating new layer sha256:" + system + "\n"
                   "writing manifest\n"
                   "success\n");
  EXPECT_TRUE(o.err.empty()) << o.err;
  EXPECT_TRUE(fs::exists(models_ / ("blobs/sha256-" + model)));
  EXPECT_TRUE(fs::exists(manifest("registry.ollama.ai/library/stories/latest")));
  // Again: the blobs are there already.
  Outcome again = create("stories:v2", "FROM ./stories.gguf\nSYSTEM Tell a story.\n");
  EXPECT_NE(again.out.find("using existing layer sha256:" + model + "\n"), std::string::npos) << again.out;
}

TEST_F(StoreCli, ListShowsNameIdSizeAndAge) {
  ASSERT_EQ(create("stories", "FROM ./stories.gguf\n").status, 0);
  Outcome cp = run_hearth("cp stories myns/tales:v1");
  EXPECT_EQ(cp.out, "copied 'stories' to 'myns/tales:v1'\n") << cp.err;
  Outcome o = run_hearth("list");
  ASSERT_EQ(o.status, 0) << o.err;
  const std::string id = sha256sum(manifest("registry.ollama.ai/library/stories/latest")).substr(0, 12);
  const std::regex expected(
      "NAME              ID              SIZE      MODIFIED\n"
      "myns/tales:v1     " + id + "    1\\.2 MB    (Less than a second|[0-9]+ seconds?) ago\n"
      "stories:latest    " + id + "    1\\.2 MB    (Less than a second|[0-9]+ seconds?) ago\n");
  EXPECT_TRUE(std::regex_match(o.out, expected)) << o.out;
  EXPECT_EQ(run_hearth("ls").out, o.out);
}

TEST_F(StoreCli, ListOfAnEmptyStoreIsTheHeader) {
  Outcome o = run_hearth("list");
  EXPECT_EQ(o.status, 0);
  EXPECT_EQ(o.out, "NAME    ID    SIZE    MODIFIED\n");
}

TEST_F(StoreCli, ShowPrintsOllamasSections) {
  ASSERT_EQ(create("stories", "FROM ./stories.gguf\nSYSTEM \"\"\"line one\nline two\nline three\"\"\"\n"
                              "PARAMETER temperature 0.7\nPARAMETER stop \"<|im_end|>\"\nPARAMETER stop END\n"
                              "LICENSE MIT\n")
                .status,
            0);
  Outcome o = run_hearth("show stories");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out,
            "  Model\n"
            "    architecture        llama\n"
            "    parameters          293K\n"
            "    context length      2048\n"
            "    embedding length    64\n"
            "    quantization        F32\n"
            "\n"
            "  Capabilities\n"
            "    completion\n"
            "\n"
            "  Parameters\n"
            "    stop           \"<|im_end|>\"\n"
            "    stop           \"END\"\n"
            "    temperature    0.7\n"
            "\n"
            "  System\n"
            "    line one\n"
            "    line two\n"
            "    ...\n"
            "\n"
            "  License\n"
            "    MIT\n"
            "\n");
  EXPECT_EQ(run_hearth("show stories --system").out, "line one\nline two\nline three\n");
  EXPECT_EQ(run_hearth("show stories --license").out, "MIT\n");
  EXPECT_EQ(run_hearth("show stories --parameters").out,
            "stop                           \"<|im_end|>\"\n"
            "stop                           \"END\"\n"
            "temperature                    0.7\n");
  EXPECT_EQ(run_hearth("show stories --template").out, "\n");  // no template layer, none in the GGUF
  const std::string blob = (models_ / ("blobs/sha256-" + sha256sum(kModel))).string();
  EXPECT_EQ(run_hearth("show stories --modelfile").out,
            "# Modelfile generated by \"hearth show\"\n"
            "# To build a new Modelfile based on this, replace FROM with:\n"
            "# FROM stories:latest\n"
            "\n"
            "FROM " + blob + "\n"
            "SYSTEM \"line one\nline two\nline three\"\n"
            "PARAMETER stop <|im_end|>\n"
            "PARAMETER stop END\n"
            "PARAMETER temperature 0.7\n"
            "LICENSE MIT\n"
            "\n");
  expect_one_line_error(run_hearth("show stories --system --license"),
                        "only one of '--license', '--modelfile', '--parameters', '--system', or '--template' can be "
                        "specified");
  expect_one_line_error(run_hearth("show nosuch"), "model 'nosuch' not found");
}

TEST_F(StoreCli, RmDeletesAndKeepsSharedBlobs) {
  ASSERT_EQ(create("a", "FROM ./stories.gguf\n").status, 0);
  ASSERT_EQ(create("b", "FROM a\nSYSTEM b\n").status, 0);
  const fs::path blob = models_ / ("blobs/sha256-" + sha256sum(kModel));
  Outcome rm = run_hearth("rm a");
  EXPECT_EQ(rm.out, "deleted 'a'\n") << rm.err;
  EXPECT_TRUE(fs::exists(blob));  // b uses it
  EXPECT_EQ(run_hearth("show a").status, 1);
  Outcome two = run_hearth("rm B nosuch");
  EXPECT_EQ(two.out, "deleted 'B'\n");
  expect_one_line_error(two, "model 'nosuch' not found");
  EXPECT_FALSE(fs::exists(blob));
  EXPECT_TRUE(fs::is_empty(models_ / "blobs"));
  expect_one_line_error(run_hearth("cp nosuch x"), "model 'nosuch' not found");
}

TEST_F(StoreCli, BadInputGivesOneLine) {
  expect_one_line_error(create("bad name", "FROM ./stories.gguf\n"),
                        "invalid model name 'bad name': the model 'bad name' may hold only letters, digits, '_', '-' "
                        "and '.'");
  const std::string mf = (dir_ / "src/Modelfile").string();
  expect_one_line_error(create("m", "FROM ./stories.gguf\nPARAMETER temperature hot\n"),
                        mf + ":2: invalid float value 'hot' for parameter 'temperature'");
  expect_one_line_error(create("m", "FROM ./missing.gguf\n"),
                        "FROM './missing.gguf': no such file or directory ('" + (dir_ / "src/./missing.gguf").string() +
                            "')");
  Outcome no_file = run_hearth("create m -f " + quote((dir_ / "nope").string()));
  EXPECT_EQ(no_file.status, 1);
  EXPECT_NE(no_file.err.find("cannot read Modelfile"), std::string::npos) << no_file.err;
  expect_one_line_error(create("m", "FROM ./stories.gguf\n", " --quantize Q9"),
                        "unknown quantization type 'Q9' (choose one of: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, "
                        "Q2_K, Q3_K_M, Q4_K_M, Q5_K_M, Q6_K, IQ4_NL, IQ4_XS)");
  EXPECT_FALSE(fs::exists(models_ / "manifests"));
}

TEST_F(StoreCli, CreateQuantizes) {
  Outcome synth = run_hearth("synth --like test-llama --type F32 -o " + quote((dir_ / "src/llama.gguf").string()));
  ASSERT_EQ(synth.status, 0) << synth.err;
  Outcome o = create("q", "FROM ./llama.gguf\n", " --quantize q8_0");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("\nparsing GGUF\nquantizing F32 model to Q8_0 100%\ncreating new layer sha256:"),
            std::string::npos)
      << o.out;
  EXPECT_EQ(o.out.find("copying file"), std::string::npos) << o.out;
  EXPECT_NE(run_hearth("show q").out.find("    quantization        Q8_0\n"), std::string::npos);
}

TEST_F(StoreCli, RunTakesAStoreName) {
  const auto refs = load_reference_texts(HEARTH_TEST_DATA "/stories260K-REFERENCE.md");
  const auto& ref = refs.at(0);
  ASSERT_EQ(create("stories", "FROM ./stories.gguf\n").status, 0);
  Outcome o = run_hearth("run stories -n 48 --temp 0 " + quote(ref.prompt));
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out, ref.continuation + "\n");

  // The model's parameters are the defaults; the command line wins over them.
  ASSERT_EQ(create("short", "FROM stories\nPARAMETER num_predict 5\nPARAMETER temperature 0\n").status, 0);
  const std::string by_path_5 = run_hearth("run " + quote(kModel) + " -n 5 --temp 0 " + quote(ref.prompt)).out;
  EXPECT_EQ(run_hearth("run short " + quote(ref.prompt)).out, by_path_5);
  EXPECT_LT(by_path_5.size(), o.out.size());
  const std::string by_path_12 = run_hearth("run " + quote(kModel) + " -n 12 --temp 0 " + quote(ref.prompt)).out;
  EXPECT_EQ(run_hearth("run short -n 12 " + quote(ref.prompt)).out, by_path_12);

  // A stop parameter ends the text before it.
  const std::string word = "girl";
  const size_t at = ref.continuation.find(word);
  ASSERT_NE(at, std::string::npos) << ref.continuation;
  ASSERT_EQ(create("stopper", "FROM stories\nPARAMETER stop " + word + "\nPARAMETER temperature 0\n").status, 0);
  EXPECT_EQ(run_hearth("run stopper -n 48 " + quote(ref.prompt)).out, ref.continuation.substr(0, at) + "\n");

  // A name not in the store is pulled first, as `ollama run` does: here from a registry that is not there.
  const Outcome missing = run_hearth("run 127.0.0.1:9/library/nosuch --insecure 'hello'");
  EXPECT_EQ(missing.status, 1);
  EXPECT_EQ(missing.err.rfind("pulling manifest\nhearth: error: pull model manifest: cannot reach the registry 127.0.0.1:9: ",
                              0),
            0u)
      << missing.err;
}

}  // namespace
}  // namespace hearth::testing
