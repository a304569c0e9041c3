// llamacpp_perplexity: llama.cpp's side of bench/compare-perplexity.sh.
// llama-perplexity's method through llama.cpp's C API (node-llama-cpp's
// prebuilt libraries), on a given list of token ids rather than a text, so
// that both engines score exactly the same tokens:
//   the ids are cut into chunks of n_ctx (a trailing part is dropped); each
//   chunk is decoded from an empty KV cache, its first id replaced by BOS when
//   the vocabulary adds one; the predictions of positions n_ctx/2 .. n_ctx-2
//   are scored; PPL = exp(mean negative log-likelihood).
// One sequence per decode (llama-perplexity packs several chunks into one
// batch; the attention mask keeps them apart, so the figures are the same).
//
//   llamacpp_perplexity -m MODEL.gguf --tokens IDS.txt [-c 128] [-t THREADS]
//                       [--kv-type f16|f32] [--fa auto|on|off] [--dump-logits FILE] [--verbose]
//   llamacpp_perplexity -m MODEL.gguf --tokenize TEXT.txt
//
// IDS.txt: whitespace-separated ids, as `hearth tokenize` prints them.
// --tokenize prints llama.cpp's own ids of a text (BOS as the vocabulary adds
// it), in the same form, to check that the two tokenizers agree.
// --dump-logits writes the first chunk's logits, all n_ctx positions, as raw
// little-endian f32 rows of n_vocab.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "ggml-backend.h"
#include "llama.h"

#ifndef LLAMACPP_LIB_DIR
#error "LLAMACPP_LIB_DIR must name the directory of the prebuilt ggml CPU variants"
#endif

namespace {

struct Options {
  std::string model, tokens_file, text_file, dump_logits;
  int n_ctx = 128, threads = 0;
  ggml_type kv_type = GGML_TYPE_F16;
  llama_flash_attn_type flash_attn = LLAMA_FLASH_ATTN_TYPE_AUTO;
  bool verbose = false;
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "llamacpp_perplexity: error: %s\n", message.c_str());
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
    const std::string v = argv[++i];
    if (a == "-m") o.model = v;
    else if (a == "--tokens") o.tokens_file = v;
    else if (a == "--tokenize") o.text_file = v;
    else if (a == "--dump-logits") o.dump_logits = v;
    else if (a == "-c") o.n_ctx = to_int(v.c_str(), "-c");
    else if (a == "-t") o.threads = to_int(v.c_str(), "-t");
    else if (a == "--kv-type") {
      if (v == "f16") o.kv_type = GGML_TYPE_F16;
      else if (v == "f32") o.kv_type = GGML_TYPE_F32;
      else die("--kv-type takes f16 or f32");
    } else if (a == "--fa") {
      if (v == "auto") o.flash_attn = LLAMA_FLASH_ATTN_TYPE_AUTO;
      else if (v == "on") o.flash_attn = LLAMA_FLASH_ATTN_TYPE_ENABLED;
      else if (v == "off") o.flash_attn = LLAMA_FLASH_ATTN_TYPE_DISABLED;
      else die("--fa takes auto, on or off");
    } else die("unknown option " + a);
  }
  if (o.model.empty()) die("need -m MODEL.gguf");
  if (o.tokens_file.empty() == o.text_file.empty()) die("need exactly one of --tokens IDS.txt and --tokenize TEXT.txt");
  if (o.n_ctx < 4) die("-c must be at least 4");
  if (o.threads < 1) o.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return o;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot open '" + path + "'");
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<llama_token> read_ids(const std::string& path, int n_vocab) {
  std::ifstream in(path);
  if (!in) die("cannot open '" + path + "'");
  std::vector<llama_token> ids;
  long long id = 0;
  while (in >> id) {
    if (id < 0 || id >= n_vocab) die("token id " + std::to_string(id) + " in '" + path + "' is outside the vocabulary");
    ids.push_back(static_cast<llama_token>(id));
  }
  if (!in.eof()) die("'" + path + "' holds something other than token ids");
  return ids;
}

void print_tokens(const llama_vocab* vocab, const std::string& text) {
  const int32_t length = static_cast<int32_t>(text.size());
  // A first call with no room returns minus the number of tokens needed.
  const int32_t need = -llama_tokenize(vocab, text.data(), length, nullptr, 0, true, false);
  std::vector<llama_token> ids(static_cast<size_t>(std::max(need, 0)));
  if (llama_tokenize(vocab, text.data(), length, ids.data(), static_cast<int32_t>(ids.size()), true, false) != need)
    die("llama_tokenize failed");
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? " " : "") + std::to_string(ids[i]);
  std::printf("%s\n", out.c_str());
}

// -log softmax(logits)[target] as llama-perplexity computes it: f32 max,
// exponentials summed in double.
double negative_log_likelihood(const float* logits, int n_vocab, llama_token target) {
  float max = logits[0];
  for (int i = 1; i < n_vocab; ++i) max = std::max(max, logits[i]);
  double sum = 0.0;
  for (int i = 0; i < n_vocab; ++i) sum += std::exp(logits[i] - max);
  return -(logits[target] - max - std::log(sum));
}

void silent_log(ggml_log_level level, const char* text, void*) {
  if (level == GGML_LOG_LEVEL_ERROR) std::fputs(text, stderr);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  if (!o.verbose) llama_log_set(silent_log, nullptr);
  ggml_backend_load_all_from_path(LLAMACPP_LIB_DIR);
  ggml_backend_dev_t cpu = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
  if (!cpu) die("no ggml CPU back end could be loaded from " LLAMACPP_LIB_DIR);
  llama_backend_init();

  llama_model_params mp = llama_model_default_params();
  llama_model* model = llama_model_load_from_file(o.model.c_str(), mp);
  if (!model) die("cannot load model '" + o.model + "'");
  const llama_vocab* vocab = llama_model_get_vocab(model);
  if (!o.text_file.empty()) {
    print_tokens(vocab, read_file(o.text_file));
    llama_model_free(model);
    return 0;
  }

  const int n_vocab = llama_vocab_n_tokens(vocab);
  const std::vector<llama_token> tokens = read_ids(o.tokens_file, n_vocab);
  const int n_ctx = o.n_ctx;
  if (static_cast<int>(tokens.size()) < 2 * n_ctx)
    die("the ids are " + std::to_string(tokens.size()) + " tokens; a context of " + std::to_string(n_ctx) +
        " needs at least " + std::to_string(2 * n_ctx));

  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = static_cast<uint32_t>(n_ctx);
  cp.n_batch = cp.n_ubatch = static_cast<uint32_t>(n_ctx);
  cp.n_seq_max = 1;
  cp.n_threads = cp.n_threads_batch = o.threads;
  cp.type_k = cp.type_v = o.kv_type;
  cp.flash_attn_type = o.flash_attn;
  llama_context* ctx = llama_init_from_model(model, cp);
  if (!ctx) die("cannot create a context");

  char desc[256], arch[64] = "?";
  llama_model_desc(model, desc, sizeof desc);
  llama_model_meta_val_str(model, "general.architecture", arch, sizeof arch);
  const bool add_bos = llama_vocab_get_add_bos(vocab);
  const int n_chunk = static_cast<int>(tokens.size()) / n_ctx;
  const int first = n_ctx / 2;
  std::fprintf(stderr,
               "llamacpp_perplexity: %s (%s), CPU back end %s, %d thread(s), KV %s, flash attention %s\n"
               "architecture: %s\n"
               "perplexity: %zu tokens, %d chunks of %d, first of each %s\n",
               o.model.c_str(), desc, ggml_backend_dev_description(cpu), o.threads, ggml_type_name(o.kv_type),
               llama_flash_attn_type_name(o.flash_attn), arch, tokens.size(), n_chunk, n_ctx,
               add_bos ? "replaced by BOS" : "kept (the vocabulary adds no BOS)");

  std::ofstream dump;
  if (!o.dump_logits.empty()) {
    dump.open(o.dump_logits, std::ios::binary);
    if (!dump) die("cannot write '" + o.dump_logits + "'");
  }
  llama_batch batch = llama_batch_init(n_ctx, 0, 1);
  double nll = 0.0, nll2 = 0.0;
  long long count = 0;
  for (int c = 0; c < n_chunk; ++c) {
    const int start = c * n_ctx;
    const bool dump_all = c == 0 && dump.is_open();
    llama_memory_clear(llama_get_memory(ctx), true);
    batch.n_tokens = n_ctx;
    for (int j = 0; j < n_ctx; ++j) {
      batch.token[j] = j == 0 && add_bos ? llama_vocab_bos(vocab) : tokens[start + j];
      batch.pos[j] = j;
      batch.n_seq_id[j] = 1;
      batch.seq_id[j][0] = 0;
      batch.logits[j] = dump_all || j >= first;
    }
    if (llama_decode(ctx, batch) != 0) die("llama_decode failed");
    if (dump_all)
      for (int j = 0; j < n_ctx; ++j)
        dump.write(reinterpret_cast<const char*>(llama_get_logits_ith(ctx, j)),
                   static_cast<std::streamsize>(sizeof(float) * n_vocab));
    for (int j = first; j < n_ctx - 1; ++j) {
      const double v = negative_log_likelihood(llama_get_logits_ith(ctx, j), n_vocab, tokens[start + j + 1]);
      nll += v;
      nll2 += v * v;
      ++count;
    }
    std::printf("[%d]%.4f,", c + 1, std::exp(nll / static_cast<double>(count)));
    std::fflush(stdout);
  }
  const double n = static_cast<double>(count), mean = nll / n, ppl = std::exp(mean);
  const double err = n > 1 ? ppl * std::sqrt(std::max(0.0, nll2 / n - mean * mean) / (n - 1)) : 0.0;
  std::printf("\nFinal estimate: PPL = %.4f +/- %.5f over %lld tokens\n", ppl, err, count);
  std::printf("PPL = %.6f\n", ppl);

  llama_batch_free(batch);
  llama_free(ctx);
  llama_model_free(model);
  return 0;
}
