// llamacpp_embed: llama.cpp's side of bench/compare-embeddings.sh. The
// sentence embedding of a text through llama.cpp's C API (node-llama-cpp's
// prebuilt libraries), as llama-embedding computes it: the text tokenized
// with the vocabulary's special tokens added (BERT's [CLS] ... [SEP]), one
// sequence decoded with embeddings on, pooled as the model declares
// (llama_get_embeddings_seq), then L2-normalised (llama-embedding's default).
//
//   llamacpp_embed -m MODEL.gguf -f TEXT.txt [-t THREADS] [--no-normalize]
//
// Prints the token ids on the first line and the embedding as a JSON array on
// the second.
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

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "llamacpp_embed: error: %s\n", message.c_str());
  std::exit(1);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot open '" + path + "'");
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void silent_log(ggml_log_level level, const char* text, void*) {
  if (level == GGML_LOG_LEVEL_ERROR) std::fputs(text, stderr);
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path, text_path;
  int threads = 0;
  bool normalize = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--no-normalize") {
      normalize = false;
      continue;
    }
    if (i + 1 >= argc) die("missing value after " + a);
    const std::string v = argv[++i];
    if (a == "-m") model_path = v;
    else if (a == "-f") text_path = v;
    else if (a == "-t") threads = std::atoi(v.c_str());
    else die("unknown option " + a);
  }
  if (model_path.empty() || text_path.empty()) die("usage: llamacpp_embed -m MODEL.gguf -f TEXT.txt [-t N]");
  if (threads < 1) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  llama_log_set(silent_log, nullptr);
  ggml_backend_load_all_from_path(LLAMACPP_LIB_DIR);
  if (!ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU)) die("no ggml CPU back end in " LLAMACPP_LIB_DIR);
  llama_backend_init();
  llama_model* model = llama_model_load_from_file(model_path.c_str(), llama_model_default_params());
  if (!model) die("cannot load model '" + model_path + "'");
  const llama_vocab* vocab = llama_model_get_vocab(model);

  const std::string text = read_file(text_path);
  const auto length = static_cast<int32_t>(text.size());
  const int32_t need = -llama_tokenize(vocab, text.data(), length, nullptr, 0, true, false);
  std::vector<llama_token> ids(static_cast<size_t>(std::max(need, 0)));
  if (llama_tokenize(vocab, text.data(), length, ids.data(), static_cast<int32_t>(ids.size()), true, false) != need)
    die("llama_tokenize failed");
  if (ids.empty()) die("the text has no tokens");

  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = cp.n_batch = cp.n_ubatch = static_cast<uint32_t>(std::max<size_t>(ids.size(), 8));
  cp.n_seq_max = 1;
  cp.n_threads = cp.n_threads_batch = threads;
  cp.embeddings = true;
  llama_context* ctx = llama_init_from_model(model, cp);
  if (!ctx) die("cannot create a context");

  llama_batch batch = llama_batch_init(static_cast<int32_t>(ids.size()), 0, 1);
  batch.n_tokens = static_cast<int32_t>(ids.size());
  for (size_t j = 0; j < ids.size(); ++j) {
    batch.token[j] = ids[j];
    batch.pos[j] = static_cast<llama_pos>(j);
    batch.n_seq_id[j] = 1;
    batch.seq_id[j][0] = 0;
    batch.logits[j] = true;
  }
  if (llama_decode(ctx, batch) != 0) die("llama_decode failed");
  const float* pooled = llama_get_embeddings_seq(ctx, 0);
  if (!pooled) die("no pooled embedding (the model declares no pooling?)");
  const int n = llama_model_n_embd(model);
  std::vector<double> e(pooled, pooled + n);
  if (normalize) {
    double norm = 0;
    for (double v : e) norm += v * v;
    norm = std::sqrt(norm);
    for (double& v : e) v = norm > 0 ? v / norm : 0.0;
  }

  std::string line;
  for (size_t j = 0; j < ids.size(); ++j) line += (j ? " " : "") + std::to_string(ids[j]);
  std::printf("%s\n[", line.c_str());
  for (int i = 0; i < n; ++i) std::printf("%s%.9g", i ? "," : "", e[static_cast<size_t>(i)]);
  std::printf("]\n");

  llama_batch_free(batch);
  llama_free(ctx);
  llama_model_free(model);
  return 0;
}
