// Networks shaped like the four MLPerf Tiny v1 reference models (layer for layer, with seeded
// random int8 weights instead of the trained ones), as .tflite models a converter would write:
//   ds_cnn       keyword spotting: 49x10x1, 10x4 stride-2 conv, 4 depthwise-separable blocks
//                of 64 channels, mean over H and W (the reference's 25x5 average pool: the
//                engine's pools take kernels up to 11), 12 classes, softmax
//   resnet8      image classification: 32x32x3, three residual stacks (16, 32, 64 channels)
//                with residual adds, 8x8 average pool, 10 classes, softmax
//   mobilenet_v1 visual wake words: MobileNetV1 width 0.25 on 96x96x3, 3x3 average pool,
//                2 classes, softmax
//   autoencoder  anomaly detection: 640 inputs, FC 128 x4, 8, 128 x4, 640 outputs (ReLU)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tflite/model.h"

namespace tinynas::tflite {

struct NamedModel {
  std::string name;
  Model model;
};

Model make_ds_cnn(uint32_t seed);
Model make_resnet8(uint32_t seed);
Model make_mobilenet_v1_025(uint32_t seed);
Model make_fc_autoencoder(uint32_t seed);

// All four, in the order above.
std::vector<NamedModel> mlperf_tiny_shapes(uint32_t seed = 1);

}  // namespace tinynas::tflite
