// hearth synth --like NAME -o OUT.gguf [--type TYPE] [--vocab VOCAB.gguf]
// [--seed N]: writes a model with the shapes and metadata of a known model and
// random weights, for speed work and tests.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "convert/synth.h"
#include "core/error.h"
#include "core/thread_pool.h"

namespace hearth::cli {

void register_synth(CLI::App& app) {
  struct Options {
    std::string like, out, type = "F16", vocab;
    uint64_t seed = 1;
    int threads = 0;
    bool list = false, dry_run = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "synth", "Write a model with the exact shapes and metadata of a known model and random weights");
  cmd->add_option("--like", opts->like, "Known model whose shapes to copy (see --list)");
  cmd->add_option("-o,--output", opts->out, "GGUF file to write");
  cmd->add_option("--type", opts->type, "Tensor types, as for quantize: " + convert::mix_names() + " (default F16)");
  cmd->add_option("--vocab", opts->vocab,
                  "Vocabulary GGUF whose tokenizer.* keys to use (default: a minimal SentencePiece vocabulary)");
  cmd->add_option("--seed", opts->seed, "Seed of the random weights (default 1)");
  cmd->add_option("-t,--threads", opts->threads, "Threads (default: physical cores)");
  cmd->add_flag("--list", opts->list, "List the known models and exit");
  cmd->add_flag("--dry-run", opts->dry_run, "Print the planned tensors and sizes without writing");
  cmd->callback([opts] {
    if (opts->list) {
      std::printf("%-21s %-10s %14s %6s %6s %6s %4s %6s %7s %7s %s\n", "name", "arch", "params", "layers", "embd",
                  "heads", "kv", "ff", "vocab", "ctx", "embeddings");
      for (const convert::KnownModel& m : convert::known_models()) {
        uint64_t params = 0;
        for (const auto& t : convert::synth_tensors(m, convert::parse_mix("F16"))) params += t.n_elements();
        std::printf("%-21s %-10s %14llu %6lld %6lld %6lld %4lld %6lld %7lld %7lld %s\n", m.name, m.arch,
                    static_cast<unsigned long long>(params), static_cast<long long>(m.n_layer),
                    static_cast<long long>(m.n_embd), static_cast<long long>(m.n_head),
                    static_cast<long long>(m.n_head_kv), static_cast<long long>(m.n_ff),
                    static_cast<long long>(m.n_vocab), static_cast<long long>(m.n_ctx),
                    m.tied_embeddings ? "tied" : "separate");
      }
      return;
    }
    if (opts->like.empty()) fail("synth needs --like NAME (see hearth synth --list)");
    const convert::KnownModel& model = convert::find_known_model(opts->like);
    const convert::Mix& mix = convert::parse_mix(opts->type);
    if (opts->dry_run) {
      uint64_t params = 0, bytes = 0;
      const auto tensors = convert::synth_tensors(model, mix);
      for (size_t i = 0; i < tensors.size(); ++i) {
        const convert::SynthTensor& t = tensors[i];
        convert::TensorReport r{i + 1, tensors.size(), t.name, t.dims, tensor::DType::F32, t.type,
                                t.n_elements() * 4, t.n_bytes(), t.why};
        std::printf("%s\n", convert::format_report(r, true).c_str());
        params += t.n_elements();
        bytes += t.n_bytes();
      }
      std::printf("%s as %s: %zu tensors, %llu parameters, tensor data %s\n", model.name, mix.name, tensors.size(),
                  static_cast<unsigned long long>(params), convert::format_size(bytes).c_str());
      return;
    }
    if (opts->out.empty()) fail("synth needs -o OUT.gguf");
    const int threads = opts->threads > 0 ? opts->threads : ThreadPool::default_threads();
    std::printf("synthesizing %s as %s (file type %u) into '%s', seed %llu, %d threads\n", model.name, mix.name,
                mix.ftype, opts->out.c_str(), static_cast<unsigned long long>(opts->seed), threads);
    const auto start = std::chrono::steady_clock::now();
    convert::SynthOptions so;
    so.vocab_path = opts->vocab;
    so.seed = opts->seed;
    so.threads = threads;
    so.on_tensor = [](const convert::TensorReport& r) {
      std::printf("%s\n", convert::format_report(r, true).c_str());
      std::fflush(stdout);
    };
    const convert::SynthResult res = convert::synth_file(model, mix, opts->out, so);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("wrote '%s': %zu tensors, %llu parameters, tensor data %s, %.2f s\n", opts->out.c_str(),
                res.n_tensors, static_cast<unsigned long long>(res.n_params),
                convert::format_size(res.n_bytes).c_str(), secs);
  });
}

}  // namespace hearth::cli
