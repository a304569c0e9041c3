#pragma once
// `hearth fit`'s answer for one model on this machine: memory, placement and
// speed, and the models its --list table covers.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "convert/synth.h"
#include "hw/machine.h"
#include "hw/measured_rates.h"
#include "hw/memory_estimate.h"
#include "hw/model_shape.h"
#include "hw/placement.h"
#include "hw/speed_estimate.h"

namespace hearth::hw {

struct FitPlan {
  MemoryPlan memory;
  SpeedPlan speed;
};

struct Prediction {
  MemoryEstimate memory;
  SpeedEstimate speed;
  GpuPlacement gpu;
  CpuFit cpu;
};

Prediction predict(const ModelShape& shape, const FitPlan& plan, const MeasuredRates& rates, const Machine& machine);

// memory_bytes (the resident set of a run), placement, pp/tg rates and
// bottlenecks, and the parts they come from.
nlohmann::json to_json(const ModelShape& shape, const FitPlan& plan, const Prediction& p);

// The models of `hearth fit --list`: dense ones from 1B to 70B and common
// mixture-of-experts shapes, each with a label ("8B", "30B-A3B").
struct ListedModel {
  std::string label;
  convert::KnownModel model;
};
std::vector<ListedModel> listed_models();
// The mixes the table shows.
std::vector<std::string> listed_mixes();

}  // namespace hearth::hw
