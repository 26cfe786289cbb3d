// The writer's files read back as the same model, the same model always gives the same bytes,
// and the files carry what other runtimes look for (identifier, version, aligned constants).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "tests/tflite/tflite_test_models.h"
#include "tflite/model_reader.h"
#include "tflite/model_writer.h"
#include "tflite/tflite_error.h"

namespace tinynas::tflite {
namespace {

using testing::make_cnn_model;
using testing::make_conv_model;
using testing::make_fully_connected_model;
using testing::make_unsupported_ops_model;

std::vector<Model> sample_models() {
  return {make_fully_connected_model(8, 4, 1), make_conv_model(6, 3, 4, 2, 2), make_cnn_model(3),
          make_unsupported_ops_model()};
}

TEST(TfliteRoundTripTest, ReadingWhatWasWrittenGivesTheSameModel) {
  for (const Model& model : sample_models()) {
    SCOPED_TRACE(model.description);
    EXPECT_EQ(read_model(write_model(model)), model);
  }
}

TEST(TfliteRoundTripTest, RewritingAReadFileGivesTheSameBytes) {
  for (const Model& model : sample_models()) {
    SCOPED_TRACE(model.description);
    const std::vector<uint8_t> bytes = write_model(model);
    EXPECT_EQ(write_model(read_model(bytes)), bytes);
    EXPECT_EQ(write_model(model), bytes);
  }
}

TEST(TfliteRoundTripTest, EveryDecodedOptionSurvives) {
  const Model model = make_cnn_model(5);
  const Model back = read_model(write_model(model));
  ASSERT_EQ(back.subgraphs.size(), 1u);
  const std::vector<Operator>& ops = back.subgraphs[0].operators;
  ASSERT_EQ(ops.size(), 14u);
  const auto& conv = std::get<Conv2DOptions>(ops[2].options);
  EXPECT_EQ(conv.padding, Padding::kValid);
  EXPECT_EQ(conv.stride_w, 2);
  EXPECT_EQ(conv.activation, Activation::kRelu6);
  const auto& depthwise = std::get<DepthwiseConv2DOptions>(ops[3].options);
  EXPECT_EQ(depthwise.dilation_w_factor, 2);
  EXPECT_EQ(depthwise.dilation_h_factor, 1);
  EXPECT_EQ(depthwise.depth_multiplier, 1);
  EXPECT_EQ(std::get<ConcatenationOptions>(ops[5].options).axis, 3);
  EXPECT_EQ(std::get<Pool2DOptions>(ops[6].options).filter_height, 2);
  EXPECT_TRUE(std::get<ReducerOptions>(ops[8].options).keep_dims);
  EXPECT_EQ(std::get<SqueezeOptions>(ops[9].options).squeeze_dims, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(std::get<ReshapeOptions>(ops[10].options).new_shape, (std::vector<int32_t>{1, -1}));
  EXPECT_TRUE(std::get<FullyConnectedOptions>(ops[11].options).keep_num_dims);
  EXPECT_EQ(std::get<SoftmaxOptions>(ops[12].options).beta, 1.0f);
  const Tensor& depthwise_weights =
      back.subgraphs[0].tensors[static_cast<size_t>(ops[3].inputs[1])];
  EXPECT_EQ(depthwise_weights.quantization.quantized_dimension, 3);
  EXPECT_EQ(depthwise_weights.quantization.scales.size(), 8u);
  EXPECT_EQ(back.subgraphs[0].tensors[0].shape_signature, (std::vector<int32_t>{-1, 8, 8, 3}));
}

TEST(TfliteRoundTripTest, FilesCarryTheIdentifierAndSchemaVersion) {
  const std::vector<uint8_t> bytes = write_model(make_fully_connected_model(8, 4, 1));
  ASSERT_GE(bytes.size(), 8u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes.data()) + 4, 4), "TFL3");
  EXPECT_EQ(read_model(bytes).version, 3u);
}

TEST(TfliteRoundTripTest, ConstantsStartOn16ByteBoundaries) {
  const Model model = make_conv_model(6, 3, 4, 1, 9);
  const std::vector<uint8_t> bytes = write_model(model);
  for (size_t b = 1; b < model.buffers.size(); ++b) {
    const std::vector<uint8_t>& data = model.buffers[b].data;
    ASSERT_FALSE(data.empty());
    const auto found = std::search(bytes.begin(), bytes.end(), data.begin(), data.end());
    ASSERT_NE(found, bytes.end()) << "buffer " << b;
    EXPECT_EQ((found - bytes.begin()) % 16, 0) << "buffer " << b;
  }
}

TEST(TfliteRoundTripTest, UnsupportedOperatorsKeepTheirCodesAndIndices) {
  const Model model = read_model(write_model(make_unsupported_ops_model()));
  const std::vector<Operator>& ops = model.subgraphs[0].operators;
  ASSERT_EQ(ops.size(), 4u);
  EXPECT_EQ(operator_code(model, ops[1]).builtin_code, static_cast<BuiltinOperator>(117));
  EXPECT_EQ(builtin_operator_name(operator_code(model, ops[1]).builtin_code), "HARD_SWISH");
  EXPECT_EQ(operator_code(model, ops[2]).builtin_code, static_cast<BuiltinOperator>(150));
  EXPECT_EQ(builtin_operator_name(operator_code(model, ops[2]).builtin_code), "GELU");
  EXPECT_EQ(operator_code(model, ops[3]).builtin_code, BuiltinOperator::kCustom);
  EXPECT_EQ(operator_code(model, ops[3]).custom_code, "TinyNasTestOp");
  EXPECT_EQ(operator_code(model, ops[3]).version, 2);
  EXPECT_EQ(ops[3].custom_options, (std::vector<uint8_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(ops[3].inputs, (std::vector<int32_t>{ops[2].outputs[0], -1}));
}

TEST(TfliteRoundTripTest, OptionsOfUndecodedOperatorsAreNotWritten) {
  Model model = make_unsupported_ops_model();
  model.subgraphs[0].operators[2].options = UndecodedOptions{21};
  try {
    write_model(model);
    FAIL() << "expected a TfliteError";
  } catch (const TfliteError& e) {
    EXPECT_STREQ(e.what(),
                 "subgraph 0 operator 2 (GELU): its builtin options (type 21) were not decoded "
                 "and cannot be written");
  }
}

TEST(TfliteRoundTripTest, OptionsOrDefaultFillsInTheSchemaDefaults) {
  EXPECT_EQ(options_or_default<FullyConnectedOptions>(NoOptions{}), FullyConnectedOptions{});
  EXPECT_EQ(options_or_default<AddOptions>(AddOptions{Activation::kRelu, false}).activation,
            Activation::kRelu);
  EXPECT_THROW(options_or_default<AddOptions>(Conv2DOptions{}), TfliteError);
}

}  // namespace
}  // namespace tinynas::tflite
