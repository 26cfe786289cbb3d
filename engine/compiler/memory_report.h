// What a model costs on a microcontroller, from the graph and its memory plan: peak SRAM (arena +
// shared scratch), flash (the exact .tnm file size, broken down), MACs, parameters and a per-op
// table. Behind `tinynas memory` and the search's constraint checks.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/compiler/graph.h"
#include "engine/compiler/memory_plan.h"
#include "engine/runtime/op_kind_name.h"

namespace tinynas::compiler {

struct OpReportRow {
  std::string name;
  OpKind kind = OpKind::kConv2d;
  TensorShape output_shape;
  int64_t macs = 0;
  int64_t live_bytes = 0;     // arena bytes live while the op runs
  int64_t scratch_bytes = 0;  // this op's scratch need
  bool in_place = false;
  bool fused_rows = false;  // part of a row-streamed inverted-residual group
  bool patched = false;     // runs patch by patch (inside the patch stage)
  bool streamed = false;    // runs row by row inside a streamed stage
};

struct MemoryReport {
  int64_t peak_sram_bytes = 0;  // arena + scratch
  int64_t arena_bytes = 0;
  int64_t scratch_bytes = 0;
  // The arena TF-Lite Micro's greedy planner would allocate for the same activation tensors
  // (tflm_greedy_estimate.h): a reference point, not our plan.
  int64_t tflm_greedy_arena_bytes = 0;
  int64_t flash_bytes = 0;               // == the .tnm file size, == the four parts below
  int64_t weights_bytes = 0;             // int8 weights
  int64_t bias_bytes = 0;                // int32 biases
  int64_t quant_params_bytes = 0;        // int32 multiplier + shift per output channel, and
                                         // concatenation input tables
  int64_t model_overhead_bytes = 0;      // header, tensor and op tables, alignment padding
  int64_t macs = 0;                      // conv, depthwise and fully-connected multiply-accumulates
  int64_t params = 0;                    // as papers count them: see reported_params()
  int64_t deployed_params = 0;           // int8 weights + int32 biases in the file (graph_params())
  Schedule schedule = Schedule::kPlain;  // how inverted-residual blocks run (memory_plan.h)
  int64_t mac_overhead = 0;              // MACs beyond `macs` the schedule computes (0: none)
  PatchConfig patch;                     // the patch stage (grid x grid patches, split ops)
  std::vector<StreamedStageRange> streamed_stages;  // ops run row-streamed across layers
  std::vector<PlanCandidate> pareto_front;          // auto: peak vs extra MACs considered
  bool scratch_in_arena = false;    // the scratch is part of the arena (scratch_bytes 0)
  int64_t arena_scratch_bytes = 0;  // then: its size inside the arena
  std::vector<OpReportRow> ops;
};

MemoryReport make_memory_report(const Graph& graph, const MemoryPlan& plan);

// The size of the .tnm file model_writer produces for `graph`: [header][tensor records][op
// records], padding to a 16-byte boundary, then per op: int8 weights zero-padded to 4 bytes,
// int32 bias[out_channels] if any, int32 multiplier[out_channels] and shift[out_channels] for
// conv / depthwise / fully-connected ops, and a concatenation's input table.
int64_t model_file_bytes(const Graph& graph);

// Parameters counted the way PyTorch does for the trained network (and MCUNet / once-for-all
// report them): conv and depthwise weights plus the BatchNorm scale and shift of each output
// channel (2 per channel; at deployment they fold into the int8 weight scales and int32 bias),
// fully-connected weights plus bias. For mcunet-in3 this gives 0.737M ("0.74M"); the deployed
// weights + biases (graph_params) are 0.730M.
int64_t reported_params(const Graph& graph);

using runtime::op_kind_name;  // "conv2d", "depthwise_conv2d", ...

nlohmann::ordered_json to_json(const MemoryReport& report);
// A human-readable summary and per-op table with aligned columns; bytes also in kB (1024 B).
std::string format_memory_report(const MemoryReport& report);

}  // namespace tinynas::compiler
