#include "tests/tflite/generated_models.h"

#include "tflite/synthetic_model.h"

namespace tinynas::tflite::testing {

std::vector<GeneratedModel> generated_models() {
  std::vector<GeneratedModel> models;
  const auto window = [](int kh, int kw, int sh, int sw, Padding padding) {
    return Window{kh, kw, sh, sw, padding};
  };
  {  // The DS-CNN stem: a 10x4 kernel with strides 2x1 (h != w), SAME, RELU6, float edges.
    SyntheticModelBuilder b(101, "conv 10x4 stride 2x1 SAME relu6, float edges");
    int32_t x = b.input({1, 25, 10, 1}, true);
    x = b.conv(x, 8, window(10, 4, 2, 1, Padding::kSame), Activation::kRelu6);
    x = b.conv(x, 6, window(3, 3, 1, 2, Padding::kValid), Activation::kNone, false);
    models.push_back({"conv_kernels_strides", b.finish(x, true)});
  }
  {  // 1xN and Nx1 kernels, RELU, per-tensor weights, stride 2x2 VALID.
    SyntheticModelBuilder b(102, "conv 1x5 / 5x1 / 2x2 stride 2");
    int32_t x = b.input({1, 12, 12, 3});
    x = b.conv(x, 4, window(1, 5, 1, 1, Padding::kSame), Activation::kRelu);
    x = b.conv(x, 5, window(5, 1, 1, 1, Padding::kValid), Activation::kRelu, false);
    x = b.conv(x, 7, window(2, 2, 2, 2, Padding::kValid), Activation::kNone);
    models.push_back({"conv_rectangular", b.finish(x)});
  }
  {  // Depthwise with multipliers 1 and 2, SAME and VALID, strides 2 and 1x2.
    SyntheticModelBuilder b(103, "depthwise multipliers");
    int32_t x = b.input({1, 11, 9, 4});
    x = b.depthwise(x, 1, window(3, 3, 2, 2, Padding::kSame), Activation::kRelu6);
    x = b.depthwise(x, 2, window(3, 2, 1, 2, Padding::kValid), Activation::kRelu, false);
    x = b.depthwise(x, 3, window(5, 5, 1, 1, Padding::kSame), Activation::kNone);
    models.push_back({"depthwise", b.finish(x)});
  }
  {  // Residual ADDs (requantized inputs), with and without RELU.
    SyntheticModelBuilder b(104, "add");
    const int32_t x = b.input({1, 8, 8, 6});
    const int32_t y = b.conv(x, 6, window(3, 3, 1, 1, Padding::kSame), Activation::kRelu);
    const int32_t z = b.add(x, y, Activation::kRelu);
    const int32_t w = b.conv(z, 6, window(1, 1, 1, 1, Padding::kSame), Activation::kNone);
    models.push_back({"add", b.finish(b.add(z, w, Activation::kNone))});
  }
  {  // Pools: average VALID and SAME (the SAME edge divides by the cells inside), max SAME.
    SyntheticModelBuilder b(105, "pools");
    int32_t x = b.input({1, 13, 11, 5});
    x = b.average_pool(x, window(2, 2, 2, 2, Padding::kValid));
    x = b.max_pool(x, window(3, 3, 2, 1, Padding::kSame), Activation::kRelu);
    x = b.average_pool(x, window(3, 2, 1, 1, Padding::kSame));
    models.push_back({"pools", b.finish(x)});
  }
  {  // PAD (asymmetric, then VALID as converters write it), CONCATENATION of three inputs in
     // different quantizations, int8 QUANTIZE.
    SyntheticModelBuilder b(106, "pad concatenation quantize");
    const int32_t x = b.input({1, 6, 6, 3});
    const int32_t padded = b.pad(x, 1, 1, 2, 2);
    const int32_t a = b.conv(padded, 4, window(3, 3, 1, 1, Padding::kValid), Activation::kNone);
    const int32_t c = b.requantize(a);
    // Not a DEPTHWISE_CONV_2D after the PAD: Arm NN 20.08 folds the two and then disagrees
    // with TFLite at the padded border (by several steps), while PAD -> CONV_2D agrees.
    const int32_t d = b.depthwise(a, 1, window(3, 3, 1, 1, Padding::kSame), Activation::kRelu);
    models.push_back({"pad_concat_quantize", b.finish(b.concatenation({a, c, d}))});
  }
  {  // MEAN keep_dims (rescale, then divide), MEAN over a reshape view, FULLY_CONNECTED, SOFTMAX.
    SyntheticModelBuilder b(107, "mean fully connected softmax");
    int32_t x = b.input({1, 7, 5, 16}, true);
    x = b.mean(x, true, true);
    x = b.squeeze(x, {1, 2});
    x = b.fully_connected(x, 12, Activation::kRelu);
    x = b.fully_connected(x, 10, Activation::kNone);
    models.push_back({"mean_fc_softmax", b.finish(b.softmax(x, 1.0f), true)});
  }
  {  // MEAN without keep_dims: same quantization (truncated mean) and requantized (float).
    SyntheticModelBuilder b(108, "mean without keep_dims");
    const int32_t x = b.input({1, 6, 6, 8});
    const int32_t m = b.mean(x, false, false);
    const int32_t y = b.conv(x, 8, window(3, 3, 3, 3, Padding::kValid), Activation::kNone);
    const int32_t n = b.mean(y, false, true);
    const int32_t r = b.reshape(b.concatenation({m, n}), {1, 1, 1, 16});
    models.push_back({"mean_no_keep_dims", b.finish(b.softmax(r, 0.5f))});
  }
  {  // FULLY_CONNECTED on a 4-D input (flattened NHWC) with per-tensor weights.
    SyntheticModelBuilder b(109, "fully connected from 4-D");
    int32_t x = b.input({1, 4, 4, 5});
    x = b.fully_connected(x, 20, Activation::kRelu6);
    x = b.reshape(x, {1, 2, 2, 5});
    x = b.conv(x, 4, window(2, 2, 1, 1, Padding::kValid), Activation::kNone);
    models.push_back({"fc_flatten", b.finish(x)});
  }
  return models;
}

}  // namespace tinynas::tflite::testing
