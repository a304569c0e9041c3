// hearth quantize IN.gguf OUT.gguf TYPE: rewrites a model with the tensor
// types of a quantization mix, choosing per-tensor types as llama.cpp's
// quantizer does.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "convert/quantize.h"
#include "core/error.h"
#include "core/thread_pool.h"

namespace hearth::cli {

void register_quantize(CLI::App& app) {
  struct Options {
    std::string in, out, type;
    int threads = 0;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "quantize", "Rewrite a GGUF model with the tensor types of a quantization mix, as llama-quantize does");
  cmd->add_option("input", opts->in, "GGUF model to read")->required();
  cmd->add_option("output", opts->out, "GGUF file to write (not the input)")->required();
  cmd->add_option("type", opts->type, "Mix: " + convert::mix_names() + " (case-insensitive)")->required();
  cmd->add_option("-t,--threads", opts->threads, "Threads (default: physical cores)");
  cmd->callback([opts] {
    const convert::Mix& mix = convert::parse_mix(opts->type);
    const int threads = opts->threads > 0 ? opts->threads : ThreadPool::default_threads();
    std::printf("quantizing '%s' to %s (file type %u) into '%s', %d threads\n", opts->in.c_str(), mix.name,
                mix.ftype, opts->out.c_str(), threads);
    const auto start = std::chrono::steady_clock::now();
    convert::QuantizeOptions qo;
    qo.threads = threads;
    qo.on_tensor = [](const convert::TensorReport& r) {
      std::printf("%s\n", convert::format_report(r, false).c_str());
      std::fflush(stdout);
    };
    const convert::QuantizeResult res = convert::quantize_file(opts->in, opts->out, mix, qo);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("wrote '%s': %zu tensors (%zu converted), tensor data %s -> %s (%.1f%%), %.2f s\n",
                opts->out.c_str(), res.n_tensors, res.n_converted, convert::format_size(res.bytes_in).c_str(),
                convert::format_size(res.bytes_out).c_str(),
                res.bytes_in ? 100.0 * static_cast<double>(res.bytes_out) / static_cast<double>(res.bytes_in) : 0.0,
                secs);
  });
}

}  // namespace hearth::cli
