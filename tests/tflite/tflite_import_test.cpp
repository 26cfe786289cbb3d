// The importer: what it maps each TFLite operator to, that every generated model plans under
// every schedule and writes a valid .tnm, and the errors a user gets for what it refuses.
#include "tflite_convert/tflite_import.h"

#include <gtest/gtest.h>

#include <string>

#include "engine/compiler/memory_plan.h"
#include "engine/compiler/memory_report.h"
#include "engine/compiler/model_file.h"
#include "engine/compiler/model_writer.h"
#include "tests/tflite/generated_models.h"
#include "tests/tflite/tflite_test_models.h"
#include "tflite/mlperf_tiny_shapes.h"
#include "tflite/model_reader.h"
#include "tflite/model_writer.h"
#include "tflite/synthetic_model.h"

namespace tinynas::tflite_convert {
namespace {

using compiler::OpKind;
namespace tfl = tinynas::tflite;

std::string import_error(const tfl::Model& model) {
  try {
    import_tflite(model);
  } catch (const ImportError& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(TfliteImport, ConvMapsKernelStridesSamePaddingAndPerChannelScales) {
  const tfl::Model model = tfl::testing::make_conv_model(9, 3, 5, 2, 4, tfl::Activation::kRelu);
  const compiler::Graph graph = import_tflite(model);
  ASSERT_EQ(graph.ops.size(), 1u);
  const compiler::Op& conv = graph.ops[0];
  EXPECT_EQ(conv.kind, OpKind::kConv2d);
  EXPECT_EQ(conv.kernel_h, 3);
  EXPECT_EQ(conv.stride_h, 2);
  // SAME on 9 with stride 2 and kernel 3: 5 outputs, (5 - 1) * 2 + 3 - 9 = 2 padding, 1 + 1.
  EXPECT_EQ(conv.pad_top, 1);
  EXPECT_EQ(conv.pad_bottom, 1);
  EXPECT_EQ(conv.activation, compiler::Activation::kRelu);
  const compiler::Tensor& weights = graph.tensors[conv.weights];
  EXPECT_EQ(weights.shape, (compiler::TensorShape{5, 3, 3, 3}));
  EXPECT_EQ(weights.channel_scales.size(), 5u);
  EXPECT_EQ(conv.bias.size(), 5u);
  EXPECT_EQ(graph.tensors[graph.input].zero_point, 2);
  EXPECT_FALSE(graph.real_input);
}

TEST(TfliteImport, FloatEdgesBecomeRealInputAndOutput) {
  for (const auto& generated : tfl::testing::generated_models()) {
    if (generated.name != "mean_fc_softmax") continue;
    const compiler::Graph graph = import_tflite(generated.model);
    EXPECT_TRUE(graph.real_input);
    EXPECT_TRUE(graph.real_output);
    EXPECT_EQ(graph.ops.front().kind, OpKind::kMean);
    EXPECT_EQ(graph.ops.back().kind, OpKind::kSoftmax);
  }
}

// Every generated model and MLPerf Tiny shape imports, plans under every schedule and writes a
// .tnm file the runtime's validator accepts; memory reports TF-Lite Micro's greedy arena too.
TEST(TfliteImport, GeneratedModelsPlanUnderEverySchedule) {
  std::vector<tfl::testing::GeneratedModel> models = tfl::testing::generated_models();
  for (auto& shaped : tfl::mlperf_tiny_shapes()) models.push_back({shaped.name, shaped.model});
  for (const auto& generated : models) {
    SCOPED_TRACE(generated.name);
    // Through the file format, as a user's model arrives.
    const compiler::Graph graph = import_tflite(tfl::read_model(tfl::write_model(generated.model)));
    for (const compiler::Schedule schedule :
         {compiler::Schedule::kPlain, compiler::Schedule::kFused, compiler::Schedule::kPatch,
          compiler::Schedule::kAuto}) {
      compiler::PlannerOptions options;
      options.schedule = schedule;
      compiler::MemoryPlan plan;
      try {
        plan = compiler::plan_memory(graph, options);
      } catch (const std::invalid_argument& error) {
        // A patch stage starts with a convolution or add: a model that starts otherwise has
        // none, and says so.
        ASSERT_EQ(schedule, compiler::Schedule::kPatch) << error.what();
        EXPECT_NE(std::string(error.what()).find("no patch stage possible"), std::string::npos);
        continue;
      }
      const compiler::LoadedModel loaded(compiler::write_model(graph, plan), generated.name);
      const compiler::MemoryReport report = compiler::make_memory_report(graph, plan);
      EXPECT_GT(report.tflm_greedy_arena_bytes, 0);
      if (schedule == compiler::Schedule::kAuto) {
        EXPECT_LE(report.arena_bytes, report.tflm_greedy_arena_bytes);
      }
    }
  }
}

TEST(TfliteImport, UnsupportedOperatorsAreListedInOneError) {
  const std::string message = import_error(tfl::testing::make_unsupported_ops_model());
  EXPECT_NE(message.find("3 unsupported operators"), std::string::npos) << message;
  EXPECT_NE(message.find("operator 1 (HARD_SWISH)"), std::string::npos) << message;
  EXPECT_NE(message.find("operator 2 (GELU)"), std::string::npos) << message;
  EXPECT_NE(message.find("operator 3 (CUSTOM 'TinyNasTestOp')"), std::string::npos) << message;
}

TEST(TfliteImport, UnsupportedTypesAndActivationsAreListedToo) {
  tfl::Model model = tfl::testing::make_conv_model(6, 2, 3, 1, 5, tfl::Activation::kTanh);
  const std::string message = import_error(model);
  EXPECT_NE(message.find("operator 0 (CONV_2D: fused TANH)"), std::string::npos) << message;
  model = tfl::testing::make_conv_model(6, 2, 3, 1, 5);
  model.subgraphs[0].tensors[0].type = tfl::TensorType::kInt16;
  const std::string int16 = import_error(model);
  EXPECT_NE(int16.find("operator 0 (CONV_2D: INT16 tensor 0 'input'"), std::string::npos) << int16;
}

TEST(TfliteImport, FloatWeightsWithoutQuantizationNameOperatorTensorAndField) {
  tfl::Model model = tfl::testing::make_conv_model(6, 2, 3, 1, 5);
  tfl::Tensor& weights = model.subgraphs[0].tensors[1];
  weights.type = tfl::TensorType::kFloat32;
  weights.quantization = {};
  model.buffers[weights.buffer].data.resize(model.buffers[weights.buffer].data.size() * 4);
  const std::string message = import_error(model);
  EXPECT_NE(message.find("subgraph 0 operator 0 (CONV_2D): weights tensor 1 'conv/weights': "
                         "field type is FLOAT32 without quantization"),
            std::string::npos)
      << message;
}

TEST(TfliteImport, BatchAboveOneIsRefused) {
  tfl::Model model = tfl::testing::make_fully_connected_model(8, 4, 3);
  model.subgraphs[0].tensors[0].shape = {2, 4};
  const std::string message = import_error(model);
  EXPECT_NE(message.find("tensor 0 'input': field shape[0] = 2 (batch must be 1)"),
            std::string::npos)
      << message;
}

TEST(TfliteImport, DynamicShapesAreRefusedButADynamicBatchIsNot) {
  tfl::Model model = tfl::testing::make_conv_model(6, 2, 3, 1, 5);
  model.subgraphs[0].tensors[0].shape_signature = {-1, 6, 6, 2};
  EXPECT_NO_THROW(import_tflite(model));
  model.subgraphs[0].tensors[0].shape_signature = {1, -1, 6, 2};
  const std::string message = import_error(model);
  EXPECT_NE(message.find("tensor 0 'input': field shape_signature[1] = -1"), std::string::npos)
      << message;
}

TEST(TfliteImport, DilationIsRefusedWithItsField) {
  // make_cnn_model's depthwise has dilation_w_factor 2.
  const std::string message = import_error(tfl::testing::make_cnn_model(3));
  EXPECT_NE(message.find("operator 3 (DEPTHWISE_CONV_2D): field dilation_h_factor / "
                         "dilation_w_factor = 1 / 2"),
            std::string::npos)
      << message;
}

TEST(TfliteImport, OmittedWeightsAndOutOfRangeWindowsAreErrors) {
  tfl::Model model = tfl::testing::make_conv_model(6, 2, 3, 1, 5);
  model.subgraphs[0].operators[0].inputs[1] = -1;
  std::string message = import_error(model);
  EXPECT_NE(message.find("operator 0 (CONV_2D): the weights are omitted (field inputs[1] = -1)"),
            std::string::npos)
      << message;
  model = tfl::testing::make_conv_model(6, 2, 3, 1, 5);
  std::get<tfl::Conv2DOptions>(model.subgraphs[0].operators[0].options).stride_h = 2147483647;
  message = import_error(model);
  EXPECT_NE(message.find("field stride_h / stride_w = 2147483647 / 1"), std::string::npos)
      << message;
}

TEST(TfliteImport, GraphRuleViolationsNameTheSubgraph) {
  // An ADD of different shapes (TFLite would broadcast; the engine does not).
  tfl::SyntheticModelBuilder b(5, "broadcast add");
  const int32_t x = b.input({1, 4, 4, 2});
  const int32_t y =
      b.conv(x, 2, tfl::Window{3, 3, 2, 2, tfl::Padding::kSame}, tfl::Activation::kNone);
  const std::string message = import_error(b.finish(b.add(x, y)));
  EXPECT_NE(message.find("subgraph 0: import: op 1"), std::string::npos) << message;
  EXPECT_NE(message.find("must have equal shapes"), std::string::npos) << message;
}

TEST(TfliteImport, FileErrorsNameThePath) {
  EXPECT_THROW(import_tflite_file("/nonexistent/model.tflite"), std::exception);
}

}  // namespace
}  // namespace tinynas::tflite_convert
