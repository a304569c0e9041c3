// The memory prediction against the peak resident set of a real run: a
// synthetic model is written, `hearth bench` runs it in a child process, and
// the child's peak RSS (the kernel's ru_maxrss, VmHWM) must be within 10% of
// what `hearth fit` predicts for the same context and batch. On a CPU with
// AVX-512 VNNI that peak is about twice the weights: the packed panels plus
// the file's pages, read once to pack them.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "backend/cpu/cpu_features.h"
#include "cli/run_hearth.h"
#include "convert/synth.h"
#include "gguf/file.h"
#include "hw/memory_estimate.h"
#include "hw/model_shape.h"

namespace hearth::testing {
namespace {

// About 155 M parameters: big enough that weights, not the program, make up
// the resident set; small enough to write and run in seconds.
convert::KnownModel small_llama() {
  return {"test-hw-llama", "llama", "test hw llama", 32000, 4096, 1024, 2816, 8, 16, 4, 0, 10000.0, 1e-5,
          false, false, 0, 0, 0, 0};
}

// Runs argv, output discarded; returns the child's peak resident set in bytes.
uint64_t peak_rss_of(const std::vector<std::string>& args, int& status) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = open("/dev/null", O_RDWR);
    dup2(null, 0), dup2(null, 1), dup2(null, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  rusage usage{};
  int raw = 0;
  wait4(pid, &raw, 0, &usage);
  status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128;
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;
}

void check_mix(const char* mix_name) {
  const std::string path = temp_path(std::string("hw-memory-") + mix_name + ".gguf");
  convert::synth_file(small_llama(), convert::parse_mix(mix_name), path, {});
  constexpr int kPrompt = 64, kGen = 8;
  hw::MemoryPlan plan;
  plan.n_ctx = kPrompt + kGen;  // as hearth bench sizes its session
  plan.n_batch = kPrompt;
  const hw::MemoryEstimate predicted = hw::estimate_memory(hw::shape_of_file(gguf::File::open(path)), plan);

  int status = -1;
  const uint64_t measured = peak_rss_of({HEARTH_BINARY, "bench", "-m", path, "-p", std::to_string(kPrompt), "-n",
                                         std::to_string(kGen), "-r", "1"},
                                        status);
  std::filesystem::remove(path);
  ASSERT_EQ(status, 0);
  const double ratio = static_cast<double>(predicted.resident()) / static_cast<double>(measured);
  EXPECT_NEAR(ratio, 1.0, 0.10) << mix_name << ": predicted " << predicted.resident() << " bytes, measured peak "
                                << measured << " (weights " << predicted.weights << ", packed " << predicted.packed
                                << ")";
  if (predicted.packed > predicted.weights / 2) {
    // The packed copy is real: the run held both it and the file's pages.
    EXPECT_GT(measured, predicted.weights + predicted.packed * 9 / 10) << mix_name;
  }
}

TEST(MemoryMeasured, QuantizedModelPeakMatchesThePrediction) { check_mix("Q4_0"); }
TEST(MemoryMeasured, KQuantMixPeakMatchesThePrediction) { check_mix("Q4_K_M"); }
TEST(MemoryMeasured, F16ModelPeakMatchesThePrediction) { check_mix("F16"); }

}  // namespace
}  // namespace hearth::testing
