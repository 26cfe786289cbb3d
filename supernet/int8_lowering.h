// Int8 post-training quantization of an extracted subnet and its lowering to the engine: fold
// BN (done by extraction), per-output-channel symmetric weight scales, per-tensor asymmetric
// activation ranges from calibration batches, ReLU6 as the clamp of a fixed [0, 6]
// quantization, then the engine graph (engine/compiler/graph_builder.h structure), the memory
// plan and the .tnm bytes. LibTorch header.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "engine/compiler/graph.h"
#include "engine/compiler/memory_plan.h"
#include "supernet/image_dataset.h"
#include "supernet/subnet_extraction.h"

namespace tinynas::supernet {

// How a normalised float input maps to the int8 input tensor: q = pixel - 128 exactly, with
// scale = 1 / (255 * std) and the zero point absorbing the mean.
struct InputQuantization {
  float scale = 1.0f;
  int32_t zero_point = 0;
};
InputQuantization input_quantization(const ImageDataset& dataset);
// Quantized input bytes (NHWC, N == 1) of image `index`.
std::vector<int8_t> quantize_image(const ImageDataset& dataset, size_t index,
                                   const InputQuantization& quantization);

// Quantizes `network`; activation ranges come from `calibration_batches` batches of
// `calibration` images (in order). Throws std::invalid_argument when the graph and the network
// disagree.
compiler::Graph lower_to_int8_graph(const StandaloneNetwork& network,
                                    const ImageDataset& calibration, int calibration_batches,
                                    int batch_size);

// Plans memory and serialises: the bytes of a .tnm file the runtime accepts.
std::vector<uint8_t> write_int8_model(const compiler::Graph& graph,
                                      const compiler::PlannerOptions& planner = {});

}  // namespace tinynas::supernet
