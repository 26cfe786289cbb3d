// .tnm models for the converter tests: the repository's nets (configs/nets) with seeded random
// weights, and graphs written with a plan of the planner's.
#pragma once

#include <string>
#include <vector>

#include "engine/compiler/arch_json.h"
#include "engine/compiler/graph_builder.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/model_file.h"
#include "engine/compiler/model_writer.h"

namespace tinynas::tflite_convert::testing {

// The networks exported in the tests: small enough for Arm NN's reference backend.
inline const std::vector<std::string>& repository_nets() {
  static const std::vector<std::string> nets = {"sample-fmnist", "pointwise-heavy",
                                                "depthwise-heavy", "mobilenetv2-w0.2-r28"};
  return nets;
}

inline compiler::Graph repository_net(const std::string& name, uint32_t seed = 1) {
  compiler::BuildOptions options;
  options.seed = seed;
  return compiler::build_graph(compiler::load_arch_file(std::string(TINYNAS_SOURCE_DIR) +
                                                        "/configs/nets/" + name + ".arch.json"),
                               options);
}

inline compiler::LoadedModel compile(const compiler::Graph& graph,
                                     const compiler::PlannerOptions& options = {}) {
  return compiler::LoadedModel(compiler::write_model(graph, compiler::plan_memory(graph, options)),
                               "test graph");
}

}  // namespace tinynas::tflite_convert::testing
