// `hearth bench -m MODEL[,MODEL...] [-p 512] [-n 128] [-t N] [-r 3] [-o md|json]`:
// prompt processing and generation speed, measured as llama-bench measures
// them. pp: one batch of p random tokens, logits of the last one only. tg: n
// single-token steps of random tokens. Each test runs once unreported
// (warm-up), then -r times from an empty KV cache; t/s is the mean and sample
// standard deviation over the repetitions.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "cli/bench_report.h"
#include "cli/commands.h"
#include "cli/model_description.h"
#include "cli/options.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "model/model.h"
#include "runtime/embed.h"
#include "runtime/session.h"

namespace hearth::cli {

namespace {

struct BenchOptions {
  std::vector<std::string> models;
  std::vector<int> n_prompt{512};
  std::vector<int> n_gen{128};
  std::vector<int> threads;
  int reps = 3;
  std::string output = "md";
  std::string kv_type = "f16";
};

// Random token ids as llama-bench draws them; the first token of a sequence
// is BOS where the vocabulary adds one.
class TokenSource {
 public:
  explicit TokenSource(const model::Model& model)
      : n_vocab_(static_cast<int32_t>(model.hparams().n_vocab)),
        bos_(model.vocab().add_bos() && model.vocab().bos() >= 0 ? model.vocab().bos() : -1) {}
  int32_t first() { return bos_ >= 0 ? bos_ : next(); }
  int32_t next() { return std::uniform_int_distribution<int32_t>(0, n_vocab_ - 1)(rng_); }

 private:
  int32_t n_vocab_;
  int32_t bos_;
  std::mt19937 rng_{1};
};

// One batch of n tokens from an empty sequence, asking for the last logits.
void prompt_batch(runtime::Session& session, TokenSource& tokens, int n) {
  std::vector<runtime::BatchToken> batch(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) batch[i] = {i == 0 ? tokens.first() : tokens.next(), i, 0, i + 1 == n};
  session.decode(batch);
}

// n single-token steps, each asking for its logits.
void generate_steps(runtime::Session& session, TokenSource& tokens, int n) {
  int32_t token = tokens.first();
  for (int i = 0; i < n; ++i) {
    const runtime::BatchToken step{token, static_cast<int32_t>(session.length(0)), 0, true};
    session.decode({&step, 1});
    token = tokens.next();
  }
}

// Runs a pp (n_gen == 0) or tg (n_prompt == 0) test: warm-up, then reps
// timed runs from an empty cache.
std::vector<uint64_t> run_test(runtime::Session& session, TokenSource& tokens, int n_prompt, int n_gen, int reps) {
  auto once = [&](bool warm_up) {
    session.truncate(0, 0);
    if (n_prompt > 0) prompt_batch(session, tokens, n_prompt);
    // llama-bench's generation warm-up is a single step.
    if (n_gen > 0) generate_steps(session, tokens, warm_up ? 1 : n_gen);
  };
  once(true);
  std::vector<uint64_t> samples;
  for (int r = 0; r < reps; ++r) {
    const int64_t start = now_ns();
    once(false);
    samples.push_back(static_cast<uint64_t>(now_ns() - start));
  }
  return samples;
}

// An encoder's pp test (embedding models do not generate): one forward pass
// of n tokens with the pooling, after a warm-up.
std::vector<uint64_t> run_encoder_test(const model::Model& model, backend::Backend& backend, TokenSource& tokens,
                                       int n_prompt, int reps) {
  std::vector<int32_t> ids(static_cast<size_t>(n_prompt));
  auto once = [&] {
    for (int i = 0; i < n_prompt; ++i) ids[i] = i == 0 ? tokens.first() : tokens.next();
    runtime::embed(model, backend, ids);
  };
  once();
  std::vector<uint64_t> samples;
  for (int r = 0; r < reps; ++r) {
    const int64_t start = now_ns();
    once();
    samples.push_back(static_cast<uint64_t>(now_ns() - start));
  }
  return samples;
}

void check_options(const BenchOptions& o) {
  if (o.models.empty()) fail("bench needs a model (-m MODEL.gguf[,MODEL.gguf...])");
  if (o.output != "md" && o.output != "json") fail("unknown output format '", o.output, "' (use md or json)");
  if (o.reps < 1) fail("-r must be at least 1, got ", o.reps);
  for (int p : o.n_prompt)
    if (p < 0) fail("-p must not be negative, got ", p);
  for (int n : o.n_gen)
    if (n < 0) fail("-n must not be negative, got ", n);
  for (int t : o.threads)
    if (t < 1) fail("-t must be at least 1, got ", t);
  const bool any = std::any_of(o.n_prompt.begin(), o.n_prompt.end(), [](int p) { return p > 0; }) ||
                   std::any_of(o.n_gen.begin(), o.n_gen.end(), [](int n) { return n > 0; });
  if (!any) fail("nothing to measure: every -p and -n is 0");
  parse_kv_type(o.kv_type);
}

void run(const BenchOptions& o) {
  check_options(o);
  const int max_prompt = *std::max_element(o.n_prompt.begin(), o.n_prompt.end());
  const int max_gen = *std::max_element(o.n_gen.begin(), o.n_gen.end());
  const std::vector<int> threads = o.threads.empty() ? std::vector<int>{ThreadPool::default_threads()} : o.threads;

  // Load every model first so that a bad one fails before any figure is printed.
  std::vector<std::unique_ptr<model::Model>> models;
  for (const std::string& path : o.models) {
    models.push_back(model::Model::load(path));
    const int64_t n_ctx_train = models.back()->hparams().n_ctx_train;
    if (max_prompt + max_gen > n_ctx_train)
      fail("'", path, "': -p ", max_prompt, " plus -n ", max_gen, " tokens exceed the model's context of ",
           n_ctx_train);
  }

  runtime::SessionParams sp;
  sp.n_ctx = max_prompt + max_gen;
  sp.n_batch = std::max(max_prompt, 1);  // a pp test is one forward step
  sp.kv_type = parse_kv_type(o.kv_type);

  const bool markdown = o.output == "md";
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  if (markdown) std::cout << markdown_header() << std::flush;
  std::string backend_name;
  for (size_t m = 0; m < models.size(); ++m) {
    const model::Model& model = *models[m];
    for (int t : threads) {
      auto backend = backend::make_cpu_backend(t);
      backend_name = backend->name();
      const bool encoder = !model.hparams().causal;
      std::optional<runtime::Session> session;
      if (!encoder) session.emplace(model, *backend, sp);
      TokenSource tokens(model);
      std::vector<std::pair<int, int>> tests;  // (n_prompt, n_gen), llama-bench's order
      for (int p : o.n_prompt)
        if (p > 0) tests.emplace_back(p, 0);
      for (int n : o.n_gen)
        if (n > 0 && !encoder) tests.emplace_back(0, n);
      if (encoder && tests.empty()) fail("'", o.models[m], "' is an embedding model: only -p tests apply to it");
      if (encoder && std::any_of(o.n_gen.begin(), o.n_gen.end(), [](int n) { return n > 0; }))
        std::fprintf(stderr, "hearth bench: %s is an embedding model: no tg tests\n", o.models[m].c_str());
      for (auto [p, n] : tests) {
        BenchRecord r;
        r.model_filename = o.models[m];
        r.model_type = model_description(model.file(), model.parameter_count());
        r.model_size = model.weight_bytes();
        r.model_n_params = model.parameter_count();
        r.cpu_info = backend_name;
        r.n_threads = backend->threads();
        r.n_batch = sp.n_batch;
        r.type_k = o.kv_type;
        r.n_prompt = p;
        r.n_gen = n;
        r.test_time = utc_now();
        std::fprintf(stderr, "hearth bench: %s, %s, %d thread(s): warm-up and %d run(s)\n", o.models[m].c_str(),
                     r.test_name().c_str(), r.n_threads, o.reps);
        r.samples_ns = encoder ? run_encoder_test(model, *backend, tokens, p, o.reps)
                               : run_test(*session, tokens, p, n, o.reps);
        if (markdown)
          std::cout << markdown_row(r) << std::flush;
        else
          all.push_back(to_json(r));
      }
    }
  }
  if (markdown)
    std::cout << "\nbackend: hearth " << HEARTH_VERSION << ", " << backend_name << "\n";
  else
    std::cout << all.dump(2) << "\n";
}

}  // namespace

void register_bench(CLI::App& app) {
  auto opts = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand("bench", "Measure prompt processing and generation speed (as llama-bench does)");
  cmd->add_option("-m,--model", opts->models, "Model file(s), comma-separated")->delimiter(',');
  cmd->add_option("-p,--n-prompt", opts->n_prompt, "Prompt tokens per pp test, comma-separated; 0 skips (default 512)")
      ->delimiter(',');
  cmd->add_option("-n,--n-gen", opts->n_gen, "Generated tokens per tg test, comma-separated; 0 skips (default 128)")
      ->delimiter(',');
  cmd->add_option("-t,--threads", opts->threads, "Thread counts, comma-separated (default: physical cores)")
      ->delimiter(',');
  cmd->add_option("-r,--repetitions", opts->reps, "Timed runs of each test (default 3)");
  cmd->add_option("-o,--output", opts->output, "Output format: md or json (default md)");
  cmd->add_option("--kv-type", opts->kv_type, "KV cache type: f16 or f32")->capture_default_str();
  cmd->callback([opts] { run(*opts); });
}

}  // namespace hearth::cli
