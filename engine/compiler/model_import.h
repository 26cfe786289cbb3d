// The other direction of model_writer: a validated .tnm model back to the graph IR and its memory
// plan, so that `tinynas memory MODEL.tnm` reports a file with the same code that reports a
// network description. Weights, biases and quantization come back exactly; per-channel weight
// scales are not stored in the file (only the requantization multipliers), so they are left empty,
// and fused clamps stay in the file (ops come back with Activation::kNone): the imported graph
// is for reporting, not for writing again.
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
