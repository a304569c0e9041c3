// llamacpp_bench: llama.cpp's side of bench/compare.sh. It measures a model
// the way `hearth bench` (and llama-bench) do, through llama.cpp's C API from
// node-llama-cpp's prebuilt libraries:
//   pp: one llama_decode of P random tokens (BOS first), logits of the last;
//   tg: N llama_decode calls of one random token each.
// Each test gets its own context (n_ctx = its tokens, llama-bench's batch
// 2048 / micro-batch 512, flash attention "auto", f16 KV cache) and ggml
// thread pool (llama-bench's default polling), runs once unreported, then R
// times after clearing the KV cache. Prints a JSON array shaped like
// `hearth bench -o json`.
//
//   llamacpp_bench -m MODEL.gguf [-p 512] [-n 128] [-t THREADS] [-r 3] [--fa auto|on|off] [--verbose]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "ggml-backend.h"
#include "ggml-cpu.h"
#include "llama.h"

#ifndef LLAMACPP_LIB_DIR
#error "LLAMACPP_LIB_DIR must name the directory of the prebuilt ggml CPU variants"
#endif

namespace {

struct Options {
  std::string model;
  int n_prompt = 512, n_gen = 128, threads = 0, reps = 3;
  llama_flash_attn_type flash_attn = LLAMA_FLASH_ATTN_TYPE_AUTO;
  bool verbose = false;
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "llamacpp_bench: error: %s\n", message.c_str());
  std::exit(1);
}

int to_int(const char* text, const char* flag) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < 0 || v > 1000000) die(std::string("bad value for ") + flag + ": " + text);
  return static_cast<int>(v);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--verbose") {
      o.verbose = true;
      continue;
    }
    if (i + 1 >= argc) die("missing value after " + a);
    const char* v = argv[++i];
    if (a == "-m") o.model = v;
    else if (a == "-p") o.n_prompt = to_int(v, "-p");
    else if (a == "-n") o.n_gen = to_int(v, "-n");
    else if (a == "-t") o.threads = to_int(v, "-t");
    else if (a == "-r") o.reps = to_int(v, "-r");
    else if (a == "--fa") {
      const std::string fa = v;
      if (fa == "auto") o.flash_attn = LLAMA_FLASH_ATTN_TYPE_AUTO;
      else if (fa == "on") o.flash_attn = LLAMA_FLASH_ATTN_TYPE_ENABLED;
      else if (fa == "off") o.flash_attn = LLAMA_FLASH_ATTN_TYPE_DISABLED;
      else die("--fa takes auto, on or off");
    } else die("unknown option " + a);
  }
  if (o.model.empty()) die("need -m MODEL.gguf");
  if (o.reps < 1) die("-r must be at least 1");
  if (o.threads < 1) o.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return o;
}

uint64_t now_ns() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

class TokenSource {
 public:
  explicit TokenSource(const llama_vocab* vocab)
      : n_vocab_(llama_vocab_n_tokens(vocab)), bos_(llama_vocab_get_add_bos(vocab) ? llama_vocab_bos(vocab) : -1) {}
  llama_token first() { return bos_ >= 0 ? bos_ : next(); }
  llama_token next() { return std::uniform_int_distribution<llama_token>(0, n_vocab_ - 1)(rng_); }

 private:
  int32_t n_vocab_;
  llama_token bos_;
  std::mt19937 rng_{1};
};

void decode(llama_context* ctx, std::vector<llama_token>& tokens) {
  if (llama_decode(ctx, llama_batch_get_one(tokens.data(), static_cast<int32_t>(tokens.size()))) != 0)
    die("llama_decode failed");
}

void prompt_batch(llama_context* ctx, TokenSource& source, int n) {
  std::vector<llama_token> tokens(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) tokens[i] = i == 0 ? source.first() : source.next();
  decode(ctx, tokens);
  llama_synchronize(ctx);
}

void generate_steps(llama_context* ctx, TokenSource& source, int n) {
  std::vector<llama_token> token{source.first()};
  for (int i = 0; i < n; ++i) {
    decode(ctx, token);
    llama_synchronize(ctx);
    token[0] = source.next();
  }
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

double sample_stddev(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

void silent_log(ggml_log_level, const char*, void*) {}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  if (!o.verbose) llama_log_set(silent_log, nullptr);
  // The prebuilt CPU back end comes as one library per instruction set; ggml
  // picks the best this CPU runs.
  ggml_backend_load_all_from_path(LLAMACPP_LIB_DIR);
  ggml_backend_dev_t cpu = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
  if (!cpu) die("no ggml CPU back end could be loaded from " LLAMACPP_LIB_DIR);
  ggml_backend_reg_t cpu_reg = ggml_backend_dev_backend_reg(cpu);
  auto* threadpool_new =
      reinterpret_cast<decltype(ggml_threadpool_new)*>(ggml_backend_reg_get_proc_address(cpu_reg, "ggml_threadpool_new"));
  auto* threadpool_free = reinterpret_cast<decltype(ggml_threadpool_free)*>(
      ggml_backend_reg_get_proc_address(cpu_reg, "ggml_threadpool_free"));
  if (!threadpool_new || !threadpool_free) die("the CPU back end has no thread pool functions");
  llama_backend_init();

  llama_model_params mp = llama_model_default_params();
  llama_model* model = llama_model_load_from_file(o.model.c_str(), mp);
  if (!model) die("cannot load model '" + o.model + "'");
  char desc[256];
  llama_model_desc(model, desc, sizeof desc);
  std::fprintf(stderr, "llamacpp_bench: %s (%s), CPU back end %s, %d thread(s)\n", o.model.c_str(), desc,
               ggml_backend_dev_description(cpu), o.threads);

  std::vector<std::pair<int, int>> tests;
  if (o.n_prompt > 0) tests.emplace_back(o.n_prompt, 0);
  if (o.n_gen > 0) tests.emplace_back(0, o.n_gen);
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (auto [p, n] : tests) {
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = static_cast<uint32_t>(p + n);
    cp.n_batch = 2048;
    cp.n_ubatch = 512;
    cp.n_threads = cp.n_threads_batch = o.threads;
    cp.flash_attn_type = o.flash_attn;
    llama_context* ctx = llama_init_from_model(model, cp);
    if (!ctx) die("cannot create a context");
    ggml_threadpool_params tpp = ggml_threadpool_params_default(o.threads);
    tpp.poll = 50;
    ggml_threadpool* pool = threadpool_new(&tpp);
    if (!pool) die("cannot create a thread pool");
    llama_attach_threadpool(ctx, pool, nullptr);

    TokenSource source(llama_model_get_vocab(model));
    auto once = [&](bool warm_up) {
      llama_memory_clear(llama_get_memory(ctx), false);
      if (p > 0) prompt_batch(ctx, source, p);
      if (n > 0) generate_steps(ctx, source, warm_up ? 1 : n);
    };
    once(true);
    std::vector<uint64_t> samples_ns;
    std::vector<double> samples_ts;
    for (int r = 0; r < o.reps; ++r) {
      const uint64_t start = now_ns();
      once(false);
      samples_ns.push_back(now_ns() - start);
      samples_ts.push_back(1e9 * (p + n) / static_cast<double>(samples_ns.back()));
    }
    llama_free(ctx);
    threadpool_free(pool);

    std::vector<double> ns(samples_ns.begin(), samples_ns.end());
    nlohmann::ordered_json j;
    j["model"] = desc;
    j["test"] = p > 0 ? "pp" + std::to_string(p) : "tg" + std::to_string(n);
    j["t_s"] = mean(samples_ts);
    j["stddev"] = sample_stddev(samples_ts);
    j["cpu_info"] = ggml_backend_dev_description(cpu);
    j["model_filename"] = o.model;
    j["model_type"] = desc;
    j["model_size"] = llama_model_size(model);
    j["model_n_params"] = llama_model_n_params(model);
    j["n_batch"] = cp.n_batch;
    j["n_ubatch"] = cp.n_ubatch;
    j["n_threads"] = o.threads;
    j["flash_attn"] = llama_flash_attn_type_name(o.flash_attn);
    j["n_prompt"] = p;
    j["n_gen"] = n;
    j["avg_ns"] = static_cast<uint64_t>(std::llround(mean(ns)));
    j["stddev_ns"] = static_cast<uint64_t>(std::llround(sample_stddev(ns)));
    j["samples_ns"] = samples_ns;
    j["samples_ts"] = samples_ts;
    out.push_back(j);
  }
  llama_model_free(model);
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}
