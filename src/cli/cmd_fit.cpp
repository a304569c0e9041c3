// `hearth fit MODEL | --like NAME | --params 14b [--type MIX] [--ctx N]
// [--parallel N] [--kv-type f16|q8_0|f32] [--json]`, `hearth fit --list`:
// whether a model fits this machine, where it would run, and how fast it
// would process a prompt (pp512) and generate (tg128), predicted from the
// kernel rates `hearth hw` measured (and cached). MODEL is a .gguf file or a
// stored model's name; --like takes a known model's shapes (hearth synth
// --list), --params a generic dense shape of that size: no file needed.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "cli/hw_text.h"
#include "cli/options.h"
#include "convert/mix.h"
#include "convert/synth.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "gguf/file.h"
#include "hw/fit.h"
#include "hw/rates_cache.h"
#include "hw/system_paths.h"
#include "store/store.h"

#ifndef HEARTH_VERSION
#define HEARTH_VERSION "0.0.0"
#endif

namespace hearth::cli {

namespace {

struct FitOptions {
  std::string model, like, params, type;
  int64_t ctx = 0;
  int parallel = 1;
  int64_t batch = 512;
  std::string kv_type = "f16";
  int threads = 0;
  bool json = false, list = false, refresh = false;
};

template <typename... Args>
std::string format(const char* pattern, Args... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, pattern, args...);
  return buf;
}

// A file path (or anything ending in .gguf) as given; else a stored model's blob.
std::string model_file(const std::string& arg) {
  std::error_code ec;
  if (std::filesystem::exists(arg, ec) || std::filesystem::path(arg).extension() == ".gguf") return arg;
  const auto name = store::Name::try_parse(arg);
  if (!name) fail("'", arg, "' is neither a file nor a model name");
  const auto info = store::Store::open().find(*name);
  if (!info) fail("model '", arg, "' not found (neither a file nor a stored model)");
  return info->model_path.string();
}

hw::ModelShape resolve_shape(const FitOptions& o) {
  const int given = !o.model.empty() + !o.like.empty() + !o.params.empty();
  if (given == 0) fail("fit needs a model: a .gguf file or stored model, --like NAME or --params SIZE (or --list)");
  if (given > 1) fail("give one of MODEL, --like and --params");
  if (!o.model.empty()) {
    if (!o.type.empty()) fail("--type applies to --like and --params; a file's types are its own");
    return hw::shape_of_file(gguf::File::open(model_file(o.model)));
  }
  const convert::Mix& mix = convert::parse_mix(o.type.empty() ? "Q4_K_M" : o.type);
  if (!o.like.empty()) return hw::shape_of_known(convert::find_known_model(o.like), mix);
  const double billions = hw::parse_parameter_count(o.params);
  hw::ModelShape s = hw::shape_of_known(hw::generic_dense_model(billions), mix);
  s.description = "dense " + o.params + " " + mix.name + format(" (generic: %lld layers of %lld)",
                                                                static_cast<long long>(s.n_layer),
                                                                static_cast<long long>(s.n_embd));
  return s;
}

hw::FitPlan fit_plan(const FitOptions& o, const hw::ModelShape& s) {
  if (o.ctx < 0) fail("--ctx must be positive, got ", o.ctx);
  if (o.parallel < 1) fail("--parallel must be at least 1, got ", o.parallel);
  if (o.batch < 1) fail("--batch must be at least 1, got ", o.batch);
  hw::FitPlan p;
  p.memory.n_ctx = o.ctx > 0 ? o.ctx : std::min<int64_t>(s.n_ctx_train > 0 ? s.n_ctx_train : 4096, 4096);
  p.memory.n_parallel = o.parallel;
  p.memory.n_batch = o.batch;
  p.memory.kv_type = parse_kv_type(o.kv_type);
  p.speed.kv_type = p.memory.kv_type;
  return p;
}

std::string weights_by_type(const hw::MemoryEstimate& m) {
  std::string s;
  for (const auto& [type, bytes] : m.weights_by_type) {
    if (bytes * 100 < m.weights) continue;  // under 1%
    s += (s.empty() ? "" : ", ") + std::string(tensor::dtype_info(type).name) + " " + byte_size(bytes);
  }
  return s;
}

std::string placement_text(const hw::Prediction& p) {
  const hw::GpuPlacement& g = p.gpu;
  std::string s = "placement: hearth runs on the CPU (no GPU backend yet). ";
  if (g.gpu_name.empty()) return s + "There is no GPU to place it on (" + g.reason + ").\n";
  s += "A GPU backend would run ";
  if (g.kind == "gpu") s += "all " + std::to_string(g.n_layer) + " layers on " + g.gpu_name;
  else if (g.kind == "split")
    s += std::to_string(g.gpu_layers) + " of " + std::to_string(g.n_layer) + " layers on " + g.gpu_name + ", the rest on the CPU";
  else s += "it on the CPU: " + g.reason + " of " + g.gpu_name;
  return s + " (" + byte_size(g.gpu_bytes) + " of " + byte_size(g.gpu_usable) + " usable).\n";
}

void print_fit(const hw::ModelShape& s, const hw::FitPlan& plan, const hw::Prediction& p, const hw::CachedRates& rates,
               const hw::Machine& m) {
  const hw::MemoryEstimate& mem = p.memory;
  std::string out = "model      " + s.description + format(", %.2f B parameters", s.parameter_count() / 1e9);
  if (s.n_expert > 0) out += format(" (%.2f B active per token)", p.speed.active_params / 1e9);
  out += format("\ncontext    %lld tokens x %d slot(s), KV cache %s, batches of %lld tokens\n",
                static_cast<long long>(plan.memory.n_ctx), plan.memory.n_parallel,
                tensor::dtype_info(plan.memory.kv_type).name, static_cast<long long>(plan.memory.n_batch));
  out += "memory on the CPU:\n";
  out += format("  weights (file)       %10s  ", byte_size(mem.weights).c_str()) + weights_by_type(mem) + "\n";
  out += format("  packed copy          %10s  the CPU backend's panels (%s)\n", byte_size(mem.packed).c_str(),
                m.cpu.kernel_level.c_str());
  out += format("  KV cache             %10s\n", byte_size(mem.kv_cache).c_str());
  out += format("  compute buffers      %10s\n", byte_size(mem.compute).c_str());
  out += format("  program, vocabulary  %10s\n", byte_size(mem.runtime + mem.metadata).c_str());
  out += format("  resident after a run %10s  (%s of it file pages the kernel may drop)\n", byte_size(mem.resident()).c_str(),
                byte_size(mem.packed_source + mem.metadata).c_str());
  out += format("  needs                %10s  ", byte_size(mem.required()).c_str());
  if (!m.ram.known) out += "(RAM unknown)\n";
  else if (p.cpu.fits) out += "fits: " + byte_size(m.ram.available) + " of " + byte_size(m.ram.total) + " RAM available\n";
  else if (p.cpu.fits_total) out += "fits only with more RAM free: " + byte_size(m.ram.available) + " available of " + byte_size(m.ram.total) + "\n";
  else out += "does not fit: " + byte_size(m.ram.total) + " of RAM\n";
  out += placement_text(p);
  const hw::SpeedEstimate& sp = p.speed;
  out += format("speed on the CPU (%d threads, %s):\n", rates.rates.threads, m.cpu.simd().c_str());
  out += format("  pp%-4d %8.1f t/s  %s-bound: matmuls %.2f s compute + %.2f s reading, attention %.2f s, element-wise %.2f s\n",
                plan.speed.n_prompt, sp.pp.tokens_per_s, sp.pp.bottleneck.c_str(), sp.pp.compute_s, sp.pp.bandwidth_s,
                sp.pp.attention_s, sp.pp.elementwise_s);
  out += format("  tg%-4d %8.1f t/s  %s-bound: %s of weights per token, KV reads %.0f ms, overhead %.0f ms per %d tokens\n",
                plan.speed.n_gen, sp.tg.tokens_per_s, sp.tg.bottleneck.c_str(), byte_size(sp.bytes_per_token).c_str(),
                sp.tg.attention_s * 1e3, sp.tg.elementwise_s * 1e3, plan.speed.n_gen);
  std::cout << out;
}

void print_list(const FitOptions& o, const hw::MeasuredRates& rates, const hw::Machine& m) {
  std::cout << format("What fits this machine (%s RAM, %s available; CPU %s, %d threads), context %lld, KV %s:\n\n",
                      byte_size(m.ram.total).c_str(), byte_size(m.ram.available).c_str(), m.cpu.simd().c_str(),
                      rates.threads, static_cast<long long>(o.ctx > 0 ? o.ctx : 4096), o.kv_type.c_str());
  std::cout << "| size | shape | type | file | needs | fits | pp512 t/s | tg128 t/s | GPU backend |\n";
  std::cout << "|---|---|---|---:|---:|---|---:|---:|---|\n";
  nlohmann::json rows = nlohmann::json::array();
  for (const hw::ListedModel& lm : hw::listed_models()) {
    for (const std::string& mix_name : hw::listed_mixes()) {
      const hw::ModelShape s = hw::shape_of_known(lm.model, convert::parse_mix(mix_name));
      FitOptions oo = o;
      if (oo.ctx == 0) oo.ctx = 4096;
      const hw::FitPlan plan = fit_plan(oo, s);
      const hw::Prediction p = hw::predict(s, plan, rates, m);
      const std::string shape = std::string(lm.model.name) == "dense" ? format("dense, %lld layers", static_cast<long long>(s.n_layer)) : lm.model.name;
      const std::string fits = p.cpu.fits ? "yes" : p.cpu.fits_total ? "if RAM is freed" : "no";
      const std::string gpu = p.gpu.kind == "split" ? format("%lld/%lld layers", static_cast<long long>(p.gpu.gpu_layers),
                                                             static_cast<long long>(p.gpu.n_layer))
                                                    : p.gpu.kind;
      if (o.json) {
        nlohmann::json j = hw::to_json(s, plan, p);
        j["size"] = lm.label;
        rows.push_back(std::move(j));
        continue;
      }
      std::cout << "| " << lm.label << " | " << shape << " | " << mix_name << " | " << byte_size(p.memory.weights) << " | "
                << byte_size(p.memory.required()) << " | " << fits << " | "
                << (p.cpu.fits_total ? format("%.1f", p.speed.pp.tokens_per_s) : "-") << " | "
                << (p.cpu.fits_total ? format("%.1f", p.speed.tg.tokens_per_s) : "-") << " | " << gpu << " |\n";
    }
  }
  if (o.json) std::cout << rows.dump(2) << "\n";
  else
    std::cout << "\nneeds: RAM that must stay resident (packed weights, KV cache, buffers); rates are the CPU's, "
                 "predicted from `hearth hw`'s measurements. GPU backend: what one would place on this machine's GPU.\n";
}

void run(const FitOptions& o) {
  const hw::Machine m = hw::probe_machine();
  const int threads = o.threads > 0 ? o.threads : ThreadPool::default_threads();
  auto progress = [](const std::string& s) { std::fprintf(stderr, "hearth fit: %s\n", s.c_str()); };
  if (o.list && (!o.model.empty() || !o.like.empty() || !o.params.empty()))
    fail("--list shows the table of sizes; it takes no model");
  std::optional<hw::ModelShape> shape;
  if (!o.list) shape = resolve_shape(o);  // a bad model fails before anything is measured
  const hw::CachedRates rates = hw::cached_or_measured_rates(
      hw::hw_cache_path(), hw::RatesKey::of(m.cpu, threads, HEARTH_VERSION), o.refresh, progress);
  if (o.list) return print_list(o, rates.rates, m);
  const hw::FitPlan plan = fit_plan(o, *shape);
  const hw::Prediction p = hw::predict(*shape, plan, rates.rates, m);
  if (o.json) {
    nlohmann::json j = hw::to_json(*shape, plan, p);
    j["threads"] = rates.rates.threads;
    j["rates_measured_at"] = rates.measured_at;
    std::cout << j.dump(2) << "\n";
  } else {
    print_fit(*shape, plan, p, rates, m);
  }
}

}  // namespace

void register_fit(CLI::App& app) {
  auto opts = std::make_shared<FitOptions>();
  CLI::App* cmd = app.add_subcommand("fit", "Predict whether a model fits this machine and how fast it will run");
  cmd->add_option("model", opts->model, "A .gguf file or a stored model's name");
  cmd->add_option("--like", opts->like, "A known model's shapes instead of a file (hearth synth --list)");
  cmd->add_option("--params", opts->params, "A generic dense model of this size instead of a file: 14b, 0.5b, 500m");
  cmd->add_option("--type", opts->type, "Quantization of --like / --params: " + convert::mix_names() + " (default Q4_K_M)");
  cmd->add_option("-c,--ctx", opts->ctx, "Context per slot (default: the model's, at most 4096)");
  cmd->add_option("--parallel", opts->parallel, "Slots held at once (default 1)");
  cmd->add_option("--batch", opts->batch, "Tokens per forward step (default 512)");
  cmd->add_option("--kv-type", opts->kv_type, "KV cache type: f16, q8_0 or f32")->capture_default_str();
  cmd->add_option("-t,--threads", opts->threads, "Threads (default: physical cores)");
  cmd->add_flag("--json", opts->json, "Print JSON");
  cmd->add_flag("--list", opts->list, "Table of what fits this machine: sizes 1B-70B and MoE shapes x common types");
  cmd->add_flag("--refresh", opts->refresh, "Measure the machine again first");
  cmd->callback([opts] { run(*opts); });
}

}  // namespace hearth::cli
