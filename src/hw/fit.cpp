#include "hw/fit.h"

namespace hearth::hw {

Prediction predict(const ModelShape& shape, const FitPlan& plan, const MeasuredRates& rates, const Machine& machine) {
  Prediction p;
  p.memory = estimate_memory(shape, plan.memory);
  p.speed = estimate_speed(shape, rates, plan.speed);
  p.gpu = place_on_gpu(shape, plan.memory, machine);
  p.cpu = fit_in_ram(p.memory, machine.ram);
  return p;
}

nlohmann::json to_json(const ModelShape& s, const FitPlan& plan, const Prediction& p) {
  const MemoryEstimate& m = p.memory;
  nlohmann::json by_type = nlohmann::json::object();
  for (const auto& [type, bytes] : m.weights_by_type) by_type[tensor::dtype_info(type).name] = bytes;
  auto phase = [](const PhaseEstimate& e) {
    return nlohmann::json{{"tokens_per_s", e.tokens_per_s}, {"seconds", e.seconds},         {"compute_s", e.compute_s},
                          {"bandwidth_s", e.bandwidth_s},   {"attention_s", e.attention_s}, {"elementwise_s", e.elementwise_s},
                          {"bottleneck", e.bottleneck}};
  };
  const std::string pp = "pp" + std::to_string(plan.speed.n_prompt), tg = "tg" + std::to_string(plan.speed.n_gen);
  return {
      {"model",
       {{"description", s.description},
        {"arch", s.arch},
        {"file_type", s.file_type},
        {"n_params", s.parameter_count()},
        {"n_params_active", p.speed.active_params},
        {"n_layer", s.n_layer},
        {"n_embd", s.n_embd},
        {"n_expert", s.n_expert},
        {"n_expert_used", s.n_expert_used},
        {"n_ctx_train", s.n_ctx_train}}},
      {"settings",
       {{"ctx", plan.memory.n_ctx},
        {"parallel", plan.memory.n_parallel},
        {"batch", plan.memory.n_batch},
        {"kv_type", tensor::dtype_info(plan.memory.kv_type).name}}},
      {"memory_bytes", m.resident()},
      {"required_bytes", m.required()},
      {"memory",
       {{"weights", m.weights},
        {"weights_by_type", by_type},
        {"packed", m.packed},
        {"packed_source_reclaimable", m.packed_source},
        {"metadata", m.metadata},
        {"kv_cache", m.kv_cache},
        {"compute", m.compute},
        {"runtime", m.runtime}}},
      {"fits_in_ram", p.cpu.fits},
      {"fits_in_ram_total", p.cpu.fits_total},
      {"placement",
       {{"runs_on", "cpu"},
        {"gpu_backend", {{"kind", p.gpu.kind},
                         {"gpu", p.gpu.gpu_name},
                         {"gpu_layers", p.gpu.gpu_layers},
                         {"n_layer", p.gpu.n_layer},
                         {"gpu_bytes", p.gpu.gpu_bytes},
                         {"gpu_usable_bytes", p.gpu.gpu_usable},
                         {"reason", p.gpu.reason}}},
        {"note", "hearth has no GPU backend yet: gpu_backend is what one would do; today the model runs on the CPU "
                 "and the speeds are the CPU's"}}},
      {pp + "_tokens_per_s", p.speed.pp.tokens_per_s},
      {tg + "_tokens_per_s", p.speed.tg.tokens_per_s},
      {"bottleneck", {{pp, p.speed.pp.bottleneck}, {tg, p.speed.tg.bottleneck}}},
      {"speed",
       {{pp, phase(p.speed.pp)},
        {tg, phase(p.speed.tg)},
        {"bytes_per_token", p.speed.bytes_per_token},
        {"flops_per_prompt_token", p.speed.flops_per_prompt_token}}},
  };
}

std::vector<ListedModel> listed_models() {
  std::vector<ListedModel> v;
  v.push_back({"1B", convert::find_known_model("llama3.2-1b")});
  v.push_back({"3B", convert::find_known_model("llama3.2-3b")});
  v.push_back({"8B", convert::find_known_model("llama3.1-8b")});
  for (double b : {14.0, 32.0, 70.0}) v.push_back({std::to_string(static_cast<int>(b)) + "B", generic_dense_model(b)});
  v.push_back({"30B-A3B", convert::find_known_model("qwen3-30b-a3b")});
  v.push_back({"8x7B", convert::find_known_model("mixtral-8x7b")});
  return v;
}

std::vector<std::string> listed_mixes() { return {"Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0", "F16"}; }

}  // namespace hearth::hw
