// Models that break a check are refused by the reader (and by the writer) with a message that
// names the subgraph, operator or tensor and the field.
#include "tflite/model_validation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "tests/tflite/tflite_test_models.h"
#include "tflite/model_reader.h"
#include "tflite/model_writer.h"
#include "tflite/tflite_error.h"

namespace tinynas::tflite {
namespace {

// input 0 [1, 4], weights 1 [2, 4] (buffer 1), bias 2 [2] (buffer 2), output 3 [1, 2]; one
// FULLY_CONNECTED.
Model base() { return testing::make_fully_connected_model(4, 2, 1); }

// The reader's message for the model written without validation, checking that the writer
// refuses it with the same message ("(read without error)" when both accept it).
std::string error_of(const std::function<void(Model&)>& change) {
  Model model = base();
  change(model);
  std::string read_message = "(read without error)";
  try {
    read_model(serialize_model_unvalidated(model));
  } catch (const TfliteError& e) {
    read_message = e.what();
  }
  std::string write_message = "(read without error)";
  try {
    write_model(model);
  } catch (const TfliteError& e) {
    write_message = e.what();
  }
  EXPECT_EQ(read_message, write_message);
  return read_message;
}

Tensor& tensor(Model& model, size_t index) { return model.subgraphs[0].tensors[index]; }
Operator& fc(Model& model) { return model.subgraphs[0].operators[0]; }

TEST(TfliteValidationTest, TheBaseModelIsValid) { EXPECT_NO_THROW(validate_model(base())); }

TEST(TfliteValidationTest, OperatorTensorIndicesMustBeInRange) {
  EXPECT_EQ(error_of([](Model& m) { fc(m).inputs[1] = 57; }),
            "subgraph 0 operator 0 (FULLY_CONNECTED): inputs[1] = 57 is not a tensor index "
            "(4 tensors)");
  EXPECT_EQ(error_of([](Model& m) { fc(m).inputs[0] = -2; }),
            "subgraph 0 operator 0 (FULLY_CONNECTED): inputs[0] = -2 is not a tensor index "
            "(4 tensors)");
  EXPECT_EQ(error_of([](Model& m) { fc(m).outputs[0] = -1; }),
            "subgraph 0 operator 0 (FULLY_CONNECTED): outputs[0] = -1 is not a tensor index "
            "(4 tensors)");
}

TEST(TfliteValidationTest, OptionalInputsAreMinusOne) {
  EXPECT_EQ(error_of([](Model& m) { fc(m).inputs[2] = -1; }), "(read without error)");
}

TEST(TfliteValidationTest, SubgraphInputsAndOutputsMustBeTensors) {
  EXPECT_EQ(error_of([](Model& m) { m.subgraphs[0].inputs = {4}; }),
            "subgraph 0: inputs[0] = 4 is not a tensor index (4 tensors)");
  EXPECT_EQ(error_of([](Model& m) {
              m.subgraphs[0].outputs = {3, -1};
            }),
            "subgraph 0: outputs[1] = -1 is not a tensor index (4 tensors)");
}

TEST(TfliteValidationTest, OpcodeIndicesMustBeInRange) {
  EXPECT_EQ(error_of([](Model& m) { fc(m).opcode_index = 3; }),
            "subgraph 0 operator 0: opcode_index = 3 is not an operator code index (1 operator "
            "codes)");
}

TEST(TfliteValidationTest, OperatorCodesMustBeNonNegativeWithAVersion) {
  EXPECT_EQ(error_of([](Model& m) { m.operator_codes[0].version = 0; }),
            "operator code 0: version = 0 must be at least 1");
}

TEST(TfliteValidationTest, BufferIndicesMustBeInRange) {
  EXPECT_EQ(error_of([](Model& m) { tensor(m, 1).buffer = 9; }),
            "subgraph 0 tensor 1: buffer = 9 is not a buffer index (3 buffers)");
}

TEST(TfliteValidationTest, TheFirstBufferIsTheEmptySentinel) {
  EXPECT_EQ(error_of([](Model& m) { m.buffers[0].data = {1}; }),
            "buffer 0 holds 1 bytes; it must be the empty sentinel");
}

TEST(TfliteValidationTest, ConstantsHoldExactlyTheTensorsBytes) {
  EXPECT_EQ(error_of([](Model& m) { m.buffers[1].data.push_back(0); }),
            "subgraph 0 tensor 1: buffer 1 holds 9 bytes, the INT8 tensor of shape [2, 4] needs "
            "8");
  EXPECT_EQ(error_of([](Model& m) {
              tensor(m, 2).shape = {3};
              tensor(m, 2).quantization = {};
            }),
            "subgraph 0 tensor 2: buffer 2 holds 8 bytes, the INT32 tensor of shape [3] needs 12");
}

TEST(TfliteValidationTest, ShapesArePositive) {
  EXPECT_EQ(error_of([](Model& m) {
              tensor(m, 3).shape = {1, 0};
            }),
            "subgraph 0 tensor 3: shape[1] = 0 must be positive");
  EXPECT_EQ(error_of([](Model& m) {
              tensor(m, 0).shape = {-1, 4};
            }),
            "subgraph 0 tensor 0: shape[0] = -1 must be positive");
  EXPECT_EQ(error_of([](Model& m) {
              tensor(m, 0).shape = {65536, 65536};
            }),
            "subgraph 0 tensor 0: shape [65536, 65536] has more than 2147483647 elements");
}

TEST(TfliteValidationTest, ShapeSignaturesMatchTheShape) {
  EXPECT_EQ(error_of([](Model& m) {
              tensor(m, 0).shape_signature = {-1, 4};
            }),
            "(read without error)");
  EXPECT_EQ(error_of([](Model& m) { tensor(m, 0).shape_signature = {-1}; }),
            "subgraph 0 tensor 0: shape_signature [-1] and shape [1, 4] differ in rank");
  EXPECT_EQ(error_of([](Model& m) {
              tensor(m, 0).shape_signature = {1, 5};
            }),
            "subgraph 0 tensor 0: shape_signature[1] = 5 is neither -1 nor shape[1] = 4");
}

TEST(TfliteValidationTest, TensorTypesMustBeKnown) {
  EXPECT_EQ(error_of([](Model& m) { tensor(m, 3).type = static_cast<TensorType>(42); }),
            "subgraph 0 tensor 3: type = 42 is not a TensorType");
}

TEST(TfliteValidationTest, ScalesAndZeroPointsComeInPairs) {
  EXPECT_EQ(error_of([](Model& m) { tensor(m, 1).quantization.zero_points.pop_back(); }),
            "subgraph 0 tensor 1: quantization has 2 scales and 1 zero points");
}

TEST(TfliteValidationTest, PerChannelCountsMatchTheQuantizedDimension) {
  EXPECT_EQ(error_of([](Model& m) { tensor(m, 1).quantization.quantized_dimension = 1; }),
            "subgraph 0 tensor 1: quantization has 2 scales, expected 1 or shape[1] = 4");
  EXPECT_EQ(error_of([](Model& m) { tensor(m, 1).quantization.quantized_dimension = 2; }),
            "subgraph 0 tensor 1: quantization.quantized_dimension = 2 is not a dimension of "
            "the shape [2, 4]");
  EXPECT_EQ(error_of([](Model& m) { tensor(m, 1).quantization.quantized_dimension = -1; }),
            "subgraph 0 tensor 1: quantization.quantized_dimension = -1 is not a dimension of "
            "the shape [2, 4]");
}

TEST(TfliteValidationTest, NoScalesNoQuantizedDimension) {
  Model model = base();
  tensor(model, 3).quantization = Quantization{{}, {}, 1};
  try {
    write_model(model);
    FAIL() << "expected a TfliteError";
  } catch (const TfliteError& e) {
    EXPECT_STREQ(e.what(),
                 "subgraph 0 tensor 3: quantization.quantized_dimension = 1 without scales or "
                 "zero points");
  }
}

TEST(TfliteValidationTest, ScalesArePositiveAndFinite) {
  EXPECT_EQ(error_of([](Model& m) { tensor(m, 0).quantization.scales[0] = 0.0f; }),
            "subgraph 0 tensor 0: quantization.scales[0] = 0.000000 is not a positive finite "
            "number");
  EXPECT_EQ(error_of([](Model& m) {
              tensor(m, 1).quantization.scales[1] = std::numeric_limits<float>::quiet_NaN();
            }),
            "subgraph 0 tensor 1: quantization.scales[1] = nan is not a positive finite number");
}

TEST(TfliteValidationTest, ZeroPointsFitTheType) {
  EXPECT_EQ(error_of([](Model& m) { tensor(m, 3).quantization.zero_points[0] = 128; }),
            "subgraph 0 tensor 3: quantization.zero_points[0] = 128 is outside INT8's range "
            "[-128, 127]");
}

TEST(TfliteValidationTest, OptionsMatchTheOperator) {
  EXPECT_EQ(error_of([](Model& m) { fc(m).options = Conv2DOptions{}; }),
            "subgraph 0 operator 0 (FULLY_CONNECTED): carries Conv2DOptions, expected "
            "FullyConnectedOptions");
  EXPECT_EQ(error_of([](Model& m) { fc(m).options = NoOptions{}; }), "(read without error)");
  EXPECT_EQ(error_of([](Model& m) {
              m.operator_codes[0].builtin_code = BuiltinOperator::kConv2D;
              fc(m).options = NoOptions{};
            }),
            "subgraph 0 operator 0 (CONV_2D): has no builtin options, expected Conv2DOptions");
}

TEST(TfliteValidationTest, DecodedOptionsOnlyOnTheirOperators) {
  Model model = base();
  model.operator_codes[0].builtin_code = static_cast<BuiltinOperator>(18);  // MUL
  try {
    validate_model(model);
    FAIL() << "expected a TfliteError";
  } catch (const TfliteError& e) {
    EXPECT_STREQ(e.what(),
                 "subgraph 0 operator 0 (MUL): carries FullyConnectedOptions, which MUL does not "
                 "take");
  }
  // In a file, the table of an operator whose options are not decoded stays undecoded.
  const Model read = read_model(serialize_model_unvalidated(model));
  EXPECT_EQ(read.subgraphs[0].operators[0].options, BuiltinOptions(UndecodedOptions{8}));
}

TEST(TfliteValidationTest, OptionValuesAreInRange) {
  auto conv = [](const std::function<void(Conv2DOptions&)>& change) {
    return error_of([&](Model& m) {
      m.operator_codes[0].builtin_code = BuiltinOperator::kConv2D;
      Conv2DOptions options;
      options.stride_w = 1;
      options.stride_h = 1;
      change(options);
      fc(m).options = options;
    });
  };
  const std::string where = "subgraph 0 operator 0 (CONV_2D): ";
  EXPECT_EQ(conv([](Conv2DOptions&) {}), "(read without error)");
  EXPECT_EQ(conv([](Conv2DOptions& o) { o.stride_h = 0; }),
            where + "Conv2DOptions.stride_h = 0 must be at least 1");
  EXPECT_EQ(conv([](Conv2DOptions& o) { o.dilation_w_factor = -2; }),
            where + "Conv2DOptions.dilation_w_factor = -2 must be at least 1");
  EXPECT_EQ(conv([](Conv2DOptions& o) { o.padding = static_cast<Padding>(2); }),
            where + "Conv2DOptions.padding = 2 is neither SAME (0) nor VALID (1)");
  EXPECT_EQ(conv([](Conv2DOptions& o) { o.activation = static_cast<Activation>(6); }),
            where +
                "Conv2DOptions.fused_activation_function = 6 is not an "
                "ActivationFunctionType (0 to 5)");
  EXPECT_EQ(error_of([](Model& m) {
              FullyConnectedOptions options;
              options.weights_format = static_cast<WeightsFormat>(3);
              fc(m).options = options;
            }),
            "subgraph 0 operator 0 (FULLY_CONNECTED): FullyConnectedOptions.weights_format = 3 "
            "is neither DEFAULT (0) nor SHUFFLED4x16INT8 (1)");
  EXPECT_EQ(error_of([](Model& m) {
              m.operator_codes[0].builtin_code = BuiltinOperator::kReshape;
              fc(m).options = ReshapeOptions{{-1, 2, -1}};
            }),
            "subgraph 0 operator 0 (RESHAPE): ReshapeOptions.new_shape[2] = -1 must be "
            "positive, or -1 once");
  EXPECT_EQ(error_of([](Model& m) {
              m.operator_codes[0].builtin_code = BuiltinOperator::kSoftmax;
              fc(m).options = SoftmaxOptions{std::numeric_limits<float>::infinity()};
            }),
            "subgraph 0 operator 0 (SOFTMAX): SoftmaxOptions.beta = inf is not finite");
}

TEST(TfliteValidationTest, AModelNeedsASubgraph) {
  EXPECT_EQ(error_of([](Model& m) { m.subgraphs.clear(); }), "model: no subgraphs");
}

}  // namespace
}  // namespace tinynas::tflite
