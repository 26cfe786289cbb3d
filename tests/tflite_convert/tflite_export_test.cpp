// What the exporter writes, read back through our TFLite reader: every .tnm field lands in the
// TFLite field docs/tflite.md ("Export") names, the weight scales it recovers give back exactly
// the stored requantization multipliers, and execution plans (fused, patch) export the same
// model as the plain schedule.
#include "tflite_convert/tflite_export.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/compiler/quantization.h"
#include "tests/engine/compiler/model_test_graphs.h"
#include "tests/engine/runtime/model_bytes.h"
#include "tests/tflite_convert/tnm_test_models.h"
#include "tflite/model_reader.h"
#include "tflite/model_writer.h"

namespace tinynas::tflite_convert {
namespace {

using tflite::BuiltinOperator;

// The exported model after a trip through our writer and reader (which validate it).
tflite::Model exported(const compiler::LoadedModel& model) {
  const tflite::Model written = export_tflite(model.view());
  tflite::Model read = tflite::read_model(tflite::write_model(written));
  EXPECT_TRUE(read == written);
  return read;
}

const tflite::Tensor& tensor(const tflite::Model& model, int32_t index) {
  return model.subgraphs[0].tensors[static_cast<size_t>(index)];
}

// The operator writing .tnm tensor `output` ("tensor_<output>").
const tflite::Operator& writer_of(const tflite::Model& model, uint16_t output) {
  for (const tflite::Operator& op : model.subgraphs[0].operators) {
    if (tensor(model, op.outputs[0]).name == "tensor_" + std::to_string(output)) return op;
  }
  throw std::runtime_error("no operator writes tensor " + std::to_string(output));
}

BuiltinOperator code_of(const tflite::Model& model, const tflite::Operator& op) {
  return tflite::operator_code(model, op).builtin_code;
}

// Conv, depthwise and fully connected: weights, per-channel scales, bias and options.
void expect_weighted_op_exported(const runtime::ModelView& view, uint16_t index,
                                 const tflite::Model& model) {
  const runtime::OpInfo op = view.op(index);
  const runtime::TensorInfo in = view.tensor(op.input0);
  const runtime::TensorInfo out = view.tensor(op.output);
  const runtime::TensorInfo w = view.tensor(op.weights);
  const tflite::Operator& exported_op = writer_of(model, op.output);
  const tflite::Tensor& weights = tensor(model, exported_op.inputs[1]);
  const tflite::Tensor& bias = tensor(model, exported_op.inputs[2]);
  const int channels = out.shape.c;

  EXPECT_EQ(weights.type, tflite::TensorType::kInt8);
  const int8_t* data = view.constant_int8(w.offset);
  EXPECT_EQ(model.buffers[weights.buffer].data, std::vector<uint8_t>(data, data + w.size_bytes));
  const std::vector<float>& scales = weights.quantization.scales;
  ASSERT_TRUE(scales.size() == static_cast<size_t>(channels) || scales.size() == 1);
  EXPECT_EQ(weights.quantization.zero_points, std::vector<int64_t>(scales.size(), 0));
  // The recovered scales give back the file's multipliers exactly.
  const std::vector<compiler::QuantizedMultiplier> multipliers =
      compiler::per_channel_multipliers(in.scale, scales, out.scale, channels);
  const int32_t* stored_multipliers = view.constant_int32(op.multiplier_offset);
  const int32_t* stored_shifts = view.constant_int32(op.shift_offset);
  for (int c = 0; c < channels; ++c) {
    EXPECT_EQ(multipliers[c],
              (compiler::QuantizedMultiplier{stored_multipliers[c], stored_shifts[c]}))
        << "channel " << c;
  }
  EXPECT_EQ(bias.type, tflite::TensorType::kInt32);
  EXPECT_EQ(bias.shape, std::vector<int32_t>{channels});
  ASSERT_EQ(bias.quantization.scales.size(), scales.size());
  for (size_t c = 0; c < scales.size(); ++c) {
    EXPECT_EQ(bias.quantization.scales[c], in.scale * scales[c]);
  }
  const int32_t* stored_bias = view.constant_int32(op.bias_offset);
  std::vector<int32_t> bias_values(static_cast<size_t>(channels));
  std::memcpy(bias_values.data(), model.buffers[bias.buffer].data.data(), 4 * bias_values.size());
  EXPECT_EQ(bias_values, std::vector<int32_t>(stored_bias, stored_bias + channels));

  switch (op.kind) {
    case runtime::OpKind::kConv2d: {
      EXPECT_EQ(code_of(model, exported_op), BuiltinOperator::kConv2D);
      EXPECT_EQ(weights.shape, (std::vector<int32_t>{channels, op.kernel_h, op.kernel_w,
                                                     view.tensor(op.input0).shape.c}));
      EXPECT_EQ(weights.quantization.quantized_dimension, 0);
      const auto& options = std::get<tflite::Conv2DOptions>(exported_op.options);
      EXPECT_EQ(options.stride_h, op.stride_h);
      EXPECT_EQ(options.stride_w, op.stride_w);
      break;
    }
    case runtime::OpKind::kDepthwiseConv2d: {
      EXPECT_EQ(code_of(model, exported_op), BuiltinOperator::kDepthwiseConv2D);
      EXPECT_EQ(weights.shape, (std::vector<int32_t>{1, op.kernel_h, op.kernel_w, channels}));
      EXPECT_EQ(weights.quantization.quantized_dimension, 3);
      const auto& options = std::get<tflite::DepthwiseConv2DOptions>(exported_op.options);
      EXPECT_EQ(options.depth_multiplier, channels / in.shape.c);
      EXPECT_EQ(options.stride_h, op.stride_h);
      EXPECT_EQ(options.stride_w, op.stride_w);
      break;
    }
    default:
      EXPECT_EQ(code_of(model, exported_op), BuiltinOperator::kFullyConnected);
      EXPECT_EQ(weights.shape, (std::vector<int32_t>{channels, w.shape.c}));
      EXPECT_EQ(weights.quantization.quantized_dimension, 0);
      EXPECT_EQ(tensor(model, exported_op.outputs[0]).shape, (std::vector<int32_t>{1, channels}));
  }
}

TEST(TfliteExportTest, WeightedOpsKeepWeightsBiasAndExactRequantization) {
  for (const std::string& name : testing::repository_nets()) {
    SCOPED_TRACE(name);
    const compiler::LoadedModel model = testing::compile(testing::repository_net(name));
    const tflite::Model exported_model = exported(model);
    EXPECT_EQ(exported_model.version, 3u);
    for (uint16_t k = 0; k < model.view().op_count(); ++k) {
      if (model.view().op(k).weights == runtime::kNoTensor) continue;
      SCOPED_TRACE("op " + std::to_string(k));
      expect_weighted_op_exported(model.view(), k, exported_model);
    }
  }
}

// The random classifier has a scale per channel: per-channel FULLY_CONNECTED weights; the same
// scale everywhere: per tensor, as TFLite's converter writes them.
TEST(TfliteExportTest, FullyConnectedWeightsArePerChannelUnlessUniform) {
  compiler::Graph graph = testing::repository_net("sample-fmnist");
  const int classifier = compiler::find_op(graph, "classifier");
  const uint16_t output = static_cast<uint16_t>(graph.ops[classifier].output);
  const auto weight_scales = [&](const compiler::Graph& g) {
    const tflite::Model m = exported(testing::compile(g));
    return tensor(m, writer_of(m, output).inputs[1]).quantization.scales.size();
  };
  EXPECT_EQ(weight_scales(graph), 10u);
  std::vector<float>& scales = graph.tensors[graph.ops[classifier].weights].channel_scales;
  scales.assign(scales.size(), scales[0]);
  EXPECT_EQ(weight_scales(graph), 1u);
}

// Fused activations from the clamp; SAME where our padding is TFLite's, else an explicit PAD
// (filling the zero point) and VALID; real-valued edges as QUANTIZE / DEQUANTIZE.
TEST(TfliteExportTest, PaddingActivationsAndEdgesAreTflites) {
  compiler::Graph graph = compiler::testing::make_tflite_ops_graph();
  // Output quantizations under which ReLU6 and ReLU clamp (with 6/255 and -128, ReLU6 clamps
  // nothing and exports as NONE, the same range).
  for (const int padded : {1, 2}) {  // the conv output and the PAD's, which shares it
    graph.tensors[padded].scale = 0.05f;
    graph.tensors[padded].zero_point = -3;
  }
  graph.tensors[3].zero_point = graph.tensors[4].zero_point = 0;  // depthwise, max pool
  const compiler::LoadedModel model = testing::compile(graph);
  const tflite::Model m = exported(model);
  const tflite::SubGraph& sub = m.subgraphs[0];
  // conv 5x3 strides 2x1 with pads 1/2 (top/bottom), 1/1: TFLite's SAME; ReLU6.
  const auto& conv = std::get<tflite::Conv2DOptions>(writer_of(m, 1).options);
  EXPECT_EQ(conv.padding, tflite::Padding::kSame);
  EXPECT_EQ(conv.activation, tflite::Activation::kRelu6);
  // depthwise 3x2 after a PAD op of the graph: no padding of its own, VALID; ReLU.
  const auto& depthwise = std::get<tflite::DepthwiseConv2DOptions>(writer_of(m, 3).options);
  EXPECT_EQ(depthwise.padding, tflite::Padding::kValid);
  EXPECT_EQ(depthwise.activation, tflite::Activation::kRelu);
  EXPECT_EQ(depthwise.depth_multiplier, 2);
  const tflite::Operator& pad = writer_of(m, 2);
  EXPECT_EQ(code_of(m, pad), BuiltinOperator::kPad);
  EXPECT_EQ(m.buffers[tensor(m, pad.inputs[1]).buffer].data.size(), 8u * 4u);
  // Edges.
  EXPECT_EQ(tensor(m, sub.inputs[0]).type, tflite::TensorType::kFloat32);
  EXPECT_EQ(code_of(m, sub.operators.front()), BuiltinOperator::kQuantize);
  EXPECT_EQ(tensor(m, sub.outputs[0]).type, tflite::TensorType::kFloat32);
  EXPECT_EQ(code_of(m, sub.operators.back()), BuiltinOperator::kDequantize);
  // Each operator code once.
  for (size_t a = 0; a < m.operator_codes.size(); ++a) {
    for (size_t b = a + 1; b < m.operator_codes.size(); ++b) {
      EXPECT_NE(m.operator_codes[a].builtin_code, m.operator_codes[b].builtin_code);
    }
  }
  // Softmax beta and the output's TFLite quantization.
  const tflite::Operator& softmax = writer_of(m, 10);
  EXPECT_EQ(std::get<tflite::SoftmaxOptions>(softmax.options).beta, 1.0f);
  EXPECT_EQ(tensor(m, softmax.outputs[0]).quantization.scales, std::vector<float>{1.0f / 256.0f});
  EXPECT_EQ(tensor(m, softmax.outputs[0]).quantization.zero_points, std::vector<int64_t>{-128});
}

// tinynas's SAME puts the odd row on top (k / 2 before); TFLite's puts it at the bottom, so a
// stride-2 3x3 conv on an even input becomes PAD (1 top, 0 bottom, 1 left, 0 right) + VALID.
TEST(TfliteExportTest, PaddingOtherThanTflitesSameBecomesAPadOp) {
  const compiler::LoadedModel model = testing::compile(testing::repository_net("sample-fmnist"));
  const runtime::OpInfo first = model.view().op(0);
  ASSERT_EQ(first.pad_top, 1);
  ASSERT_EQ(first.pad_bottom, 0);
  const tflite::Model m = exported(model);
  const tflite::Operator& conv = writer_of(m, first.output);
  EXPECT_EQ(std::get<tflite::Conv2DOptions>(conv.options).padding, tflite::Padding::kValid);
  const tflite::Operator& pad = m.subgraphs[0].operators[0];
  ASSERT_EQ(code_of(m, pad), BuiltinOperator::kPad);
  EXPECT_EQ(pad.outputs[0], conv.inputs[0]);
  std::vector<int32_t> paddings(8);
  std::memcpy(paddings.data(), m.buffers[tensor(m, pad.inputs[1]).buffer].data.data(), 32);
  EXPECT_EQ(paddings, (std::vector<int32_t>{0, 0, 1, 0, 1, 0, 0, 0}));
  EXPECT_EQ(tensor(m, pad.outputs[0]).quantization, tensor(m, pad.inputs[0]).quantization);
}

// A global pool is a DEPTHWISE_CONV_2D of ones over the whole input, VALID, zero bias, whose
// weight scale gives back the pool's multiplier.
TEST(TfliteExportTest, GlobalAveragePoolBecomesADepthwiseOfOnes) {
  const compiler::Graph graph = testing::repository_net("sample-fmnist");
  const compiler::LoadedModel model = testing::compile(graph);
  const int pool = compiler::find_op(graph, "pool");
  const runtime::OpInfo op = model.view().op(static_cast<uint16_t>(pool));
  const runtime::TensorInfo in = model.view().tensor(op.input0);
  const runtime::TensorInfo out = model.view().tensor(op.output);
  const tflite::Model m = exported(model);
  const tflite::Operator& depthwise = writer_of(m, op.output);
  ASSERT_EQ(code_of(m, depthwise), BuiltinOperator::kDepthwiseConv2D);
  const auto& options = std::get<tflite::DepthwiseConv2DOptions>(depthwise.options);
  EXPECT_EQ(options.padding, tflite::Padding::kValid);
  EXPECT_EQ(options.depth_multiplier, 1);
  const tflite::Tensor& weights = tensor(m, depthwise.inputs[1]);
  EXPECT_EQ(weights.shape, (std::vector<int32_t>{1, in.shape.h, in.shape.w, in.shape.c}));
  EXPECT_EQ(m.buffers[weights.buffer].data, std::vector<uint8_t>(in.size_bytes, 1));
  EXPECT_EQ(m.buffers[tensor(m, depthwise.inputs[2]).buffer].data,
            std::vector<uint8_t>(4 * static_cast<size_t>(in.shape.c), 0));
  const compiler::QuantizedMultiplier stored{op.output_multiplier, op.output_shift};
  EXPECT_EQ(weights.quantization.scales[0], global_pool_weight_scale(in.scale, out.scale, stored));
}

// Fused groups, patch stages and in-place depthwise are plans of the same graph.
TEST(TfliteExportTest, ExecutionPlansExportThePlainGraph) {
  const compiler::Graph graph = testing::repository_net("mobilenetv2-w0.2-r28");
  compiler::PlannerOptions plain;
  plain.in_place_depthwise = false;
  const tflite::Model expected = exported(testing::compile(graph, plain));
  for (const compiler::Schedule schedule :
       {compiler::Schedule::kPlain, compiler::Schedule::kFused, compiler::Schedule::kPatch}) {
    compiler::PlannerOptions options;
    options.schedule = schedule;
    const compiler::LoadedModel model = testing::compile(graph, options);
    EXPECT_TRUE(exported(model) == expected) << compiler::schedule_name(schedule);
  }
}

// A clamp that is none of NONE, RELU and RELU6 has no TFLite form.
TEST(TfliteExportTest, RefusesAClampTfliteCannotExpress) {
  const compiler::LoadedModel model = testing::compile(testing::repository_net("sample-fmnist"));
  runtime::testing::Bytes bytes = model.bytes();
  bytes[runtime::testing::op_field(bytes, 2, runtime::op_record::kActivationMax)] = 100;
  runtime::testing::fix_crc(bytes);
  const compiler::LoadedModel clamped(bytes, "clamped");
  try {
    export_tflite(clamped.view());
    FAIL() << "exported";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("op 2 (conv2d): clamp [-128, 100]"), std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace tinynas::tflite_convert
