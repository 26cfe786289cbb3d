#include "tflite/mlperf_tiny_shapes.h"

#include "tflite/synthetic_model.h"

namespace tinynas::tflite {
namespace {

Window window(int k, int stride, Padding padding = Padding::kSame) {
  return Window{k, k, stride, stride, padding};
}

}  // namespace

Model make_ds_cnn(uint32_t seed) {
  SyntheticModelBuilder b(seed, "DS-CNN keyword spotting shape (MLPerf Tiny), random weights");
  int32_t x = b.input({1, 49, 10, 1});
  x = b.conv(x, 64, Window{10, 4, 2, 2, Padding::kSame}, Activation::kRelu);
  for (int block = 0; block < 4; ++block) {
    x = b.depthwise(x, 1, window(3, 1), Activation::kRelu);
    x = b.conv(x, 64, window(1, 1), Activation::kRelu);
  }
  x = b.mean(x, false, false);
  x = b.fully_connected(x, 12, Activation::kNone);
  return b.finish(b.softmax(x));
}

Model make_resnet8(uint32_t seed) {
  SyntheticModelBuilder b(seed,
                          "ResNet-8 image classification shape (MLPerf Tiny), random weights");
  int32_t x = b.input({1, 32, 32, 3});
  x = b.conv(x, 16, window(3, 1), Activation::kRelu);
  int channels = 16;
  for (int stack = 0; stack < 3; ++stack) {
    const int stride = stack == 0 ? 1 : 2;
    const int out = 16 << stack;
    int32_t y = b.conv(x, out, window(3, stride), Activation::kRelu);
    y = b.conv(y, out, window(3, 1), Activation::kNone);
    const int32_t shortcut =
        stride == 1 && out == channels ? x : b.conv(x, out, window(1, stride), Activation::kNone);
    x = b.add(shortcut, y, Activation::kRelu);
    channels = out;
  }
  x = b.average_pool(x, Window{8, 8, 1, 1, Padding::kValid});
  x = b.reshape(x, {1, channels});
  x = b.fully_connected(x, 10, Activation::kNone);
  return b.finish(b.softmax(x));
}

Model make_mobilenet_v1_025(uint32_t seed) {
  SyntheticModelBuilder b(seed,
                          "MobileNetV1 0.25 visual wake words shape (MLPerf Tiny), random "
                          "weights");
  int32_t x = b.input({1, 96, 96, 3});
  x = b.conv(x, 8, window(3, 2), Activation::kRelu6);
  struct Block {
    int channels, stride;
  };
  const Block blocks[] = {{16, 1},  {32, 2},  {32, 1},  {64, 2},  {64, 1},  {128, 2}, {128, 1},
                          {128, 1}, {128, 1}, {128, 1}, {128, 1}, {256, 2}, {256, 1}};
  for (const Block& block : blocks) {
    x = b.depthwise(x, 1, window(3, block.stride), Activation::kRelu6);
    x = b.conv(x, block.channels, window(1, 1), Activation::kRelu6);
  }
  x = b.average_pool(x, window(3, 3, Padding::kValid));
  x = b.reshape(x, {1, 256});
  x = b.fully_connected(x, 2, Activation::kNone);
  return b.finish(b.softmax(x));
}

Model make_fc_autoencoder(uint32_t seed) {
  SyntheticModelBuilder b(seed,
                          "FC autoencoder anomaly detection shape (MLPerf Tiny), random "
                          "weights");
  int32_t x = b.input({1, 640});
  const int widths[] = {128, 128, 128, 128, 8, 128, 128, 128, 128};
  for (int width : widths) x = b.fully_connected(x, width, Activation::kRelu);
  x = b.fully_connected(x, 640, Activation::kNone);
  return b.finish(x);
}

std::vector<NamedModel> mlperf_tiny_shapes(uint32_t seed) {
  return {{"ds_cnn", make_ds_cnn(seed)},
          {"resnet8", make_resnet8(seed + 1)},
          {"mobilenet_v1_025", make_mobilenet_v1_025(seed + 2)},
          {"autoencoder", make_fc_autoencoder(seed + 3)}};
}

}  // namespace tinynas::tflite
