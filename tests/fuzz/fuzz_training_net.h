// The small network the training fuzz inputs refer to: the model validator's training seeds are
// compiled from it, and the scheme reader's fuzz target resolves every scheme it reads against
// it (its op names: first_conv, blocks.{0,1}.{expand,depthwise,project}, classifier).
#pragma once

#include "engine/compiler/graph.h"
#include "engine/compiler/graph_builder.h"
#include "engine/compiler/network_spec.h"

namespace tinynas::fuzz {

// 8 x 8 x 3 -> conv 3x3 s2 (8) -> residual block (8 -> 16 -> 8) -> block s2 (8 -> 24 -> 12) ->
// global average pool -> classifier (4 classes), seeded random weights.
inline compiler::Graph fuzz_training_graph() {
  compiler::NetworkSpec spec;
  spec.name = "fuzz-training";
  spec.resolution = 8;
  spec.input_channels = 3;
  spec.first_conv = compiler::ConvLayerSpec{8, 3, 2, compiler::Activation::kRelu6};
  compiler::BlockSpec residual;
  residual.in_channels = 8;
  residual.out_channels = 8;
  residual.mid_channels = 16;
  residual.residual = true;
  compiler::BlockSpec strided;
  strided.in_channels = 8;
  strided.out_channels = 12;
  strided.mid_channels = 24;
  strided.stride = 2;
  spec.blocks = {residual, strided};
  spec.num_classes = 4;
  return compiler::build_graph(spec);
}

}  // namespace tinynas::fuzz
