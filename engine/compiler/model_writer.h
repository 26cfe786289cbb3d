// Serialises a quantized graph and its memory plan into a .tnm model file (layout:
// engine/runtime/model_format.h, prose: docs/model-format.md). The graph is validated first
// (GraphUse::kModelFile), then the plan against it, and every problem is reported as
// std::invalid_argument naming the op or tensor; the finished
// bytes are then run through the runtime's own validator, so a file this writes is a file the
// runtime accepts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/compiler/graph.h"
#include "engine/compiler/graph_validation.h"
#include "engine/compiler/memory_plan.h"

namespace tinynas::compiler {

// Tensors keep their graph indices. Activations sit at plan.offsets; each op's constants go to
// the pool in op order (weights padded to 4 bytes, bias, then per-channel multipliers and
// shifts), so constants_size == constant_pool_bytes(graph).
std::vector<uint8_t> write_model(const Graph& graph, const MemoryPlan& plan);

// The same for a graph already validated (graph_validation.h); one not validated for
// GraphUse::kModelFile is validated for it first.
std::vector<uint8_t> write_model(const ValidatedGraph& graph, const MemoryPlan& plan);

// Bytes of the constant pool write_model() produces for this graph (the model's flash share
// beside the tables).
int64_t constant_pool_bytes(const Graph& graph);

// Writes the bytes to `path`; throws std::runtime_error naming the path on failure.
void write_model_file(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace tinynas::compiler
