// hearth pull, and run / list / show on pulled models, as a user runs them,
// against the local fake registry; and pulls killed at random moments.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include "cli/run_hearth.h"
#include "store/human_format.h"
#include "store/registry_fixture.h"
#include "store/sha256.h"
#include "store/store.h"

namespace hearth::testing {
namespace {

namespace fs = std::filesystem;

const std::string kModel = HEARTH_SOURCE_DIR "/models/stories260K.gguf";
const std::string kBar = "▕████████████████▏";

class PullCli : public ::testing::Test {
 protected:
  fs::path dir_ = temp_path("pull-cli");
  fs::path models_ = dir_ / "models";
  std::unique_ptr<FakeRegistry> reg_;
  std::optional<std::string> saved_;

  void SetUp() override {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    if (const char* old = std::getenv("HEARTH_MODELS")) saved_ = old;
    ::setenv("HEARTH_MODELS", models_.c_str(), 1);
    reg_ = std::make_unique<FakeRegistry>(dir_ / "registry");
  }
  void TearDown() override {
    reg_.reset();
    if (saved_) ::setenv("HEARTH_MODELS", saved_->c_str(), 1);
    else ::unsetenv("HEARTH_MODELS");
    fs::remove_all(dir_);
  }
  std::string name(const std::string& model) const { return reg_->host() + "/library/" + model; }
};

TEST_F(PullCli, PullPrintsOllamasProgressLines) {
  const std::string manifest = publish_stories(*reg_, "library", "stories", "{{ .Prompt }}", "Tell a story.");
  const store::Manifest m = store::Manifest::parse(manifest, "test");
  Outcome o = run_hearth("pull " + name("stories") + " --insecure");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out, "");
  std::string want = "pulling manifest\n";
  std::vector<store::Layer> layers = m.layers;
  layers.push_back(m.config);
  for (const store::Layer& l : layers)
    want += "pulling " + l.digest.short_id() + "... 100% " + kBar + " " + store::human_bytes(l.size) + "\n";
  want += "verifying sha256 digest\nwriting manifest\nsuccess\n";
  EXPECT_EQ(o.err, want);

  // list and show, as for any model.
  Outcome list = run_hearth("list");
  ASSERT_EQ(list.status, 0) << list.err;
  EXPECT_NE(list.out.find(name("stories") + ":latest    " + store::sha256_hex(manifest).substr(0, 12) + "    " +
                          store::human_bytes(m.total_size())),
            std::string::npos)
      << list.out;
  Outcome show = run_hearth("show " + name("stories"));
  ASSERT_EQ(show.status, 0) << show.err;
  EXPECT_NE(show.out.find("    architecture        llama\n"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("  System\n    Tell a story."), std::string::npos) << show.out;
  EXPECT_EQ(run_hearth("show " + name("stories") + " --template").out, "{{ .Prompt }}\n");
  EXPECT_EQ(run_hearth("show " + name("stories") + " --system").out, "Tell a story.\n");

  // A second pull finds everything there.
  reg_->clear_log();
  ASSERT_EQ(run_hearth("pull " + name("stories") + " --insecure").status, 0);
  EXPECT_TRUE(reg_->requests_for("/cdn/").empty());
}

TEST_F(PullCli, RunPullsAModelThatIsNotInTheStoreThenAnswers) {
  publish_stories(*reg_, "library", "stories");
  const std::string args = " -n 12 --temp 0 'Once upon a time'";
  const Outcome by_path = run_hearth("run '" + kModel + "'" + args);
  ASSERT_EQ(by_path.status, 0) << by_path.err;

  Outcome first = run_hearth("run " + name("stories") + " --insecure" + args);
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_EQ(first.err.rfind("pulling manifest\n", 0), 0u) << first.err;
  EXPECT_NE(first.err.find("\nsuccess\n"), std::string::npos) << first.err;
  EXPECT_EQ(first.out, by_path.out);  // its template {{ .Prompt }} gives the prompt as it is

  Outcome again = run_hearth("run " + name("stories") + args);
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(again.err, "");
  EXPECT_EQ(again.out, by_path.out);
  EXPECT_EQ(reg_->requests_for("/manifests/").size(), 1u);
}

TEST_F(PullCli, RunRefusesATemplateItCannotRunAndSaysSo) {
  publish_stories(*reg_, "library", "odd", "{{ template \"turn\" . }}");
  Outcome o = run_hearth("run " + name("odd") + " --insecure -n 4 hello");
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.err.find("hearth: warning: the model's Go chat template cannot be used"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("hearth: error: the model's Go chat template cannot be used: Go template, line 1: the template "
                       "uses {{template}}, which hearth does not support\n"),
            std::string::npos)
      << o.err;
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(run_hearth("run " + name("odd") + " --raw -n 4 hello").status, 0);
}

TEST_F(PullCli, ErrorsAreOneLine) {
  Outcome o = run_hearth("pull " + name("nosuch") + " --insecure");
  EXPECT_EQ(o.status, 1);
  EXPECT_EQ(o.err, "pulling manifest\nhearth: error: pull model manifest: model '" + name("nosuch") +
                       ":latest' was not found on " + reg_->host() + " (manifest unknown)\n");
  Outcome bad = run_hearth("pull 'no good'");
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(bad.err.rfind("hearth: error: invalid model name 'no good'", 0), 0u) << bad.err;
  EXPECT_FALSE(fs::exists(models_ / "manifests"));
}

// A pull killed at any moment leaves a store that checks clean, and the
// next pull finishes.
TEST_F(PullCli, PullsKilledAtRandomMomentsLeaveAConsistentStore) {
  publish_stories(*reg_, "library", "stories", "{{ .Prompt }}", "Tell a story.");
  reg_->set_trickle(std::chrono::microseconds(2500));  // about 0.2 s for the model blob
  std::mt19937 rng(std::random_device{}());
  const store::Store store(models_);
  for (int delay_ms : {5, 20, 40, 70, 100, 140, 180, 230, 300}) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      const int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, STDERR_FILENO);
      ::dup2(devnull, STDOUT_FILENO);
      const std::string n = name("stories");
      ::execl(HEARTH_BINARY, HEARTH_BINARY, "pull", n.c_str(), "--insecure", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms + static_cast<int>(rng() % 10)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    const auto problems = store.check(true);
    EXPECT_TRUE(problems.empty()) << "after a kill at " << delay_ms << " ms: " << problems[0];
  }
  reg_->set_trickle(std::chrono::microseconds(0));
  Outcome o = run_hearth("pull " + name("stories") + " --insecure");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_TRUE(store.check(true).empty());
  const store::ModelInfo info = store.get(store::Name::parse(name("stories")));
  EXPECT_EQ(store::sha256_file_hex(info.model_path), store::sha256_file_hex(kModel));
  EXPECT_EQ(run_hearth("run " + name("stories") + " -n 4 --temp 0 hello").status, 0);
}

}  // namespace
}  // namespace hearth::testing
