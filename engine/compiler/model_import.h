// The other direction of model_writer: a validated .tnm model back to the graph IR and its memory
// plan, so that `tinynas memory MODEL.tnm` reports a file with the same code that reports a
// network description, and a model can be changed and written again (a new classifier, a
// training model). Weights, biases and quantization come back exactly; per-channel weight scales
// are recovered from the requantization multipliers (scale_recovery.h: the floats that give the
// stored multipliers back) and fused activations from the stored clamps (the one whose range the
// writer would store; kNone when the clamp is the whole int8 range). Op names are "op<index>".
#pragma once

#include "engine/compiler/graph.h"
#include "engine/compiler/memory_plan.h"
#include "engine/runtime/model_reader.h"

namespace tinynas::compiler {

struct ImportedModel {
  Graph graph;
  MemoryPlan plan;  // offsets, in-place flags and scratch as stored; lifetimes and per-op
                    // live bytes recomputed over the file's op order
};

ImportedModel import_model(const runtime::ModelView& model);

}  // namespace tinynas::compiler
