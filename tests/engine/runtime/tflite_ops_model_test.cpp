// Version-2 model files: the version-2 network validates, runs bit-exact with its kernels called
// directly and takes real values through the interpreter and the C API; a version-1 file must
// not use anything of version 2; and every malformed version-2 field is refused with the op and
// field named.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "engine/compiler/model_writer.h"
#include "engine/runtime/c_api.h"
#include "engine/runtime/interpreter.h"
#include "tests/engine/compiler/model_test_graphs.h"
#include "tests/engine/runtime/model_bytes.h"

namespace tinynas::runtime {
namespace {

using testing::Bytes;
using testing::describe;
using testing::fix_crc;
using testing::op_field;
using testing::put_f32;
using testing::put_u16;
using testing::put_u32;
using testing::tensor_field;

// make_tflite_ops_graph(): tensors and ops.
constexpr uint16_t kInput = 0, kPadOut = 2, kDepthwiseOut = 3, kPoolOut = 4, kRequantized = 5;
constexpr uint16_t kConcatOut = 6, kViewOut = 7, kLogits = 9, kProbabilities = 10;
constexpr uint16_t kConvOp = 0, kPadOp = 1, kDepthwiseOp = 2, kPoolOp = 3, kQuantizeOp = 4;
constexpr uint16_t kConcatOp = 5, kReshapeOp = 6, kMeanOp = 7, kSoftmaxOp = 9;

Bytes model_bytes() {
  const compiler::Graph graph = compiler::testing::make_tflite_ops_graph();
  return compiler::write_model(graph, compiler::testing::make_sequential_plan(graph, false));
}

// Applies `mutate` to the valid model, fixes the CRC and expects exactly this error.
void expect_rejected(const std::function<void(Bytes&)>& mutate, Status status, ModelSection section,
                     uint16_t index, uint32_t field) {
  Bytes b = model_bytes();
  mutate(b);
  fix_crc(b);
  const ValidationError e = testing::validate(b);
  EXPECT_EQ(e.status, status) << describe(e);
  EXPECT_EQ(e.section, section) << describe(e);
  EXPECT_EQ(e.index, index) << describe(e);
  EXPECT_EQ(e.field, field) << describe(e);
}
void expect_op_error(const std::function<void(Bytes&)>& mutate, Status status, uint16_t op,
                     uint32_t field) {
  expect_rejected(mutate, status, ModelSection::kOpTable, op, field);
}

uint32_t concat_entry(const Bytes& b, int k, uint32_t field) {
  return testing::pool_offset(b) +
         load_u32(b.data() + op_field(b, kConcatOp, op_record::kConcatInputTable)) +
         static_cast<uint32_t>(k) * kConcatInputEntrySize + field;
}

TEST(TfliteOpsModel, ValidatesAndRunsBitExactWithTheKernels) {
  const compiler::Graph graph = compiler::testing::make_tflite_ops_graph();
  const Bytes b = model_bytes();
  ModelView view;
  ASSERT_EQ(validate_model(b.data(), static_cast<uint32_t>(b.size()), &view, nullptr), Status::kOk);
  EXPECT_EQ(view.version(), 2);
  EXPECT_EQ(view.op(kConcatOp).concat_input_count, 2);
  EXPECT_EQ(view.concat_input(view.op(kConcatOp), 0).requantize, 0);  // same quantization
  EXPECT_EQ(view.concat_input(view.op(kConcatOp), 1).requantize, 1);
  EXPECT_EQ(view.tensor(kViewOut).offset, view.tensor(kConcatOut).offset);
  std::vector<uint8_t> arena(view.arena_size());
  std::vector<uint8_t> scratch(view.scratch_size() + 1);
  Interpreter interpreter;
  ASSERT_EQ(
      interpreter.init(view, arena.data(), view.arena_size(), scratch.data(), view.scratch_size()),
      Status::kOk);
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    const std::vector<int8_t> input =
        compiler::testing::random_input(interpreter.input_info().size_bytes, seed);
    std::memcpy(interpreter.input(), input.data(), input.size());
    ASSERT_EQ(interpreter.invoke(), Status::kOk);
    const std::vector<int8_t> output(interpreter.output(),
                                     interpreter.output() + interpreter.output_info().size_bytes);
    EXPECT_EQ(output, compiler::testing::run_reference(graph, input)) << "seed " << seed;
  }
}

// Real values in, real values out, through the interpreter and the C API alike.
TEST(TfliteOpsModel, TakesAndGivesRealValues) {
  const Bytes b = model_bytes();
  ModelView view;
  ASSERT_EQ(validate_model(b.data(), static_cast<uint32_t>(b.size()), &view, nullptr), Status::kOk);
  EXPECT_TRUE(view.real_input());
  EXPECT_TRUE(view.real_output());
  std::vector<uint8_t> arena(view.arena_size());
  Interpreter interpreter;
  ASSERT_EQ(interpreter.init(view, arena.data(), view.arena_size(), nullptr, 0), Status::kOk);
  const TensorInfo in = interpreter.input_info();
  std::vector<float> real(in.size_bytes);
  for (size_t i = 0; i < real.size(); ++i) real[i] = std::sin(0.37f * static_cast<float>(i)) * 5;
  ASSERT_EQ(interpreter.set_input_real(real.data(), in.size_bytes), Status::kOk);
  for (size_t i = 0; i < real.size(); ++i) {
    const float q = std::round(real[i] / in.scale) + static_cast<float>(in.zero_point);
    EXPECT_EQ(interpreter.input()[i], static_cast<int8_t>(std::fmax(-128, std::fmin(127, q))));
  }
  EXPECT_EQ(interpreter.set_input_real(real.data(), in.size_bytes - 1), Status::kShapeMismatch);
  ASSERT_EQ(interpreter.invoke(), Status::kOk);
  const TensorInfo out = interpreter.output_info();
  std::vector<float> probabilities(out.size_bytes);
  ASSERT_EQ(interpreter.output_real(probabilities.data(), out.size_bytes), Status::kOk);
  float sum = 0;
  for (size_t i = 0; i < probabilities.size(); ++i) {
    EXPECT_EQ(probabilities[i], out.scale * static_cast<float>(interpreter.output()[i] + 128));
    sum += probabilities[i];
  }
  EXPECT_NEAR(sum, 1.0f, 0.05f);  // a softmax, within its 1/256 steps

  // The C API: the same bytes in, the same floats out.
  tnm_interpreter c_interpreter;
  std::vector<uint8_t> c_arena(view.arena_size());
  ASSERT_EQ(tnm_interpreter_init(&c_interpreter, b.data(), static_cast<uint32_t>(b.size()),
                                 c_arena.data(), view.arena_size(), nullptr, 0, nullptr),
            TNM_OK);
  tnm_tensor_info info;
  tnm_input(&c_interpreter, &info);
  EXPECT_EQ(info.real, 1);
  ASSERT_EQ(tnm_set_input_real(&c_interpreter, real.data(), in.size_bytes), TNM_OK);
  ASSERT_EQ(tnm_invoke(&c_interpreter, nullptr), TNM_OK);
  std::vector<float> c_probabilities(out.size_bytes);
  ASSERT_EQ(tnm_get_output_real(&c_interpreter, c_probabilities.data(), out.size_bytes), TNM_OK);
  EXPECT_EQ(c_probabilities, probabilities);
  EXPECT_EQ(tnm_get_output_real(&c_interpreter, c_probabilities.data(), 3), TNM_SHAPE_MISMATCH);
}

TEST(TfliteOpsModel, Version1FilesUseNothingOfVersion2) {
  // Real edges are version-2 flags.
  expect_rejected([](Bytes& b) { put_u16(b, header::kVersion, 1); }, Status::kBadHeader,
                  ModelSection::kHeader, 0, header::kFlags);
  // Without them, the first version-2 kind is refused.
  expect_op_error(
      [](Bytes& b) {
        put_u16(b, header::kVersion, 1);
        put_u32(b, header::kFlags, 0);
      },
      Status::kBadOpKind, kPadOp, op_record::kKind);
  expect_op_error([](Bytes& b) { b[op_field(b, kPadOp, op_record::kKind)] = kOpKindCount; },
                  Status::kBadOpKind, kPadOp, op_record::kKind);
}

TEST(TfliteOpsModel, RefusesMalformedPadAndPools) {
  expect_op_error([](Bytes& b) { b[op_field(b, kPadOp, op_record::kKernelH)] = 1; },
                  Status::kBadOpParameter, kPadOp, op_record::kKernelH);
  expect_op_error([](Bytes& b) { b[op_field(b, kPadOp, op_record::kPadTop)] = 2; },
                  Status::kShapeMismatch, kPadOp, op_record::kOutput);
  expect_op_error([](Bytes& b) { b[op_field(b, kPadOp, op_record::kActivationMax)] = 100; },
                  Status::kBadOpParameter, kPadOp, op_record::kActivationMax);
  expect_op_error([](Bytes& b) { put_u32(b, tensor_field(kPadOut, tensor_record::kZeroPoint), 3); },
                  Status::kBadOpParameter, kPadOp, op_record::kOutput);
  expect_op_error([](Bytes& b) { b[op_field(b, kPoolOp, op_record::kKernelW)] = 0; },
                  Status::kBadOpParameter, kPoolOp, op_record::kKernelW);
  expect_op_error(
      [](Bytes& b) { put_u32(b, tensor_field(kPoolOut, tensor_record::kZeroPoint), -127); },
      Status::kBadOpParameter, kPoolOp, op_record::kOutput);
}

TEST(TfliteOpsModel, RefusesMalformedDepthMultipliers) {
  constexpr uint16_t kDepthwiseWeights = 12;  // 1 x 3 x 2 x 12 (input 6 channels, multiplier 2)
  // The same 72 weights as 1 x 3 x 4 x 6: neither the kernel nor the output's channels.
  expect_op_error(
      [](Bytes& b) {
        put_u16(b, tensor_field(kDepthwiseWeights, tensor_record::kDims + 4), 4);
        put_u16(b, tensor_field(kDepthwiseWeights, tensor_record::kDims + 6), 6);
      },
      Status::kShapeMismatch, kDepthwiseOp, op_record::kWeights);
  // In place needs multiplier 1.
  expect_op_error(
      [](Bytes& b) {
        put_u32(b, header::kFlags,
                load_u32(b.data() + header::kFlags) | kModelFlagInPlaceDepthwise);
        b[op_field(b, kDepthwiseOp, op_record::kFlags)] = kOpFlagInPlace;
        put_u32(b, tensor_field(kDepthwiseOut, tensor_record::kOffset),
                load_u32(b.data() + tensor_field(kPadOut, tensor_record::kOffset)));
      },
      Status::kBadOpParameter, kDepthwiseOp, op_record::kFlags);
}

TEST(TfliteOpsModel, RefusesMalformedSoftmax) {
  expect_op_error(
      [](Bytes& b) { put_u32(b, op_field(b, kSoftmaxOp, op_record::kSoftmaxInputLeftShift), 32); },
      Status::kBadOpParameter, kSoftmaxOp, op_record::kSoftmaxInputLeftShift);
  expect_op_error(
      [](Bytes& b) { put_u32(b, op_field(b, kSoftmaxOp, op_record::kSoftmaxInputMultiplier), -5); },
      Status::kBadOpParameter, kSoftmaxOp, op_record::kSoftmaxInputMultiplier);
  expect_op_error(
      [](Bytes& b) { put_u32(b, op_field(b, kSoftmaxOp, op_record::kSoftmaxDiffMin), 1); },
      Status::kBadOpParameter, kSoftmaxOp, op_record::kSoftmaxDiffMin);
  // Differences down to -255 shifted left by 31 would leave int32.
  expect_op_error(
      [](Bytes& b) {
        put_u32(b, op_field(b, kSoftmaxOp, op_record::kSoftmaxInputLeftShift), 31);
        put_u32(b, op_field(b, kSoftmaxOp, op_record::kSoftmaxDiffMin), static_cast<uint32_t>(-2));
      },
      Status::kBadOpParameter, kSoftmaxOp, op_record::kSoftmaxDiffMin);
  expect_op_error(
      [](Bytes& b) { put_u32(b, tensor_field(kProbabilities, tensor_record::kZeroPoint), 0); },
      Status::kBadOpParameter, kSoftmaxOp, op_record::kOutput);
  expect_op_error(
      [](Bytes& b) { put_f32(b, tensor_field(kProbabilities, tensor_record::kScale), 0.01f); },
      Status::kBadOpParameter, kSoftmaxOp, op_record::kOutput);
  expect_op_error([](Bytes& b) { put_u32(b, op_field(b, kSoftmaxOp, op_record::kLeftShift), 1); },
                  Status::kBadOpParameter, kSoftmaxOp, op_record::kLeftShift);
}

TEST(TfliteOpsModel, RefusesMalformedConcatenation) {
  expect_op_error(
      [](Bytes& b) { put_u32(b, op_field(b, kConcatOp, op_record::kConcatInputCount), 1); },
      Status::kBadOpParameter, kConcatOp, op_record::kConcatInputCount);
  expect_op_error(
      [](Bytes& b) {
        put_u32(b, op_field(b, kConcatOp, op_record::kConcatInputCount), kMaxConcatInputs + 1);
      },
      Status::kBadOpParameter, kConcatOp, op_record::kConcatInputCount);
  expect_op_error(
      [](Bytes& b) {
        const uint32_t at = op_field(b, kConcatOp, op_record::kConcatInputTable);
        put_u32(b, at, load_u32(b.data() + at) + 2);
      },
      Status::kMisaligned, kConcatOp, op_record::kConcatInputTable);
  expect_op_error(
      [](Bytes& b) {
        put_u32(b, op_field(b, kConcatOp, op_record::kConcatInputTable),
                load_u32(b.data() + header::kConstantsSize) - 4);
      },
      Status::kConstantOutOfBounds, kConcatOp, op_record::kConcatInputTable);
  // Entry 0 is input0; an entry names an arena tensor other than the output.
  expect_op_error([](Bytes& b) { put_u16(b, concat_entry(b, 0, concat_input_entry::kTensor), 5); },
                  Status::kBadOperandIndex, kConcatOp, op_record::kConcatInputTable);
  expect_op_error(
      [](Bytes& b) { put_u16(b, concat_entry(b, 1, concat_input_entry::kTensor), kConcatOut); },
      Status::kBadOperandIndex, kConcatOp, op_record::kConcatInputTable);
  expect_op_error([](Bytes& b) { put_u16(b, concat_entry(b, 1, concat_input_entry::kTensor), 11); },
                  Status::kBadOperandIndex, kConcatOp, op_record::kConcatInputTable);  // a constant
  expect_op_error([](Bytes& b) { b[concat_entry(b, 1, concat_input_entry::kReserved)] = 1; },
                  Status::kBadOpParameter, kConcatOp, op_record::kConcatInputTable);
  expect_op_error([](Bytes& b) { b[concat_entry(b, 1, concat_input_entry::kRequantize)] = 2; },
                  Status::kBadOpParameter, kConcatOp, op_record::kConcatInputTable);
  // A copied entry has the output's zero point and no multiplier.
  expect_op_error([](Bytes& b) { b[concat_entry(b, 1, concat_input_entry::kRequantize)] = 0; },
                  Status::kBadOpParameter, kConcatOp, op_record::kConcatInputTable);
  expect_op_error([](Bytes& b) { put_u32(b, concat_entry(b, 0, concat_input_entry::kShift), 1); },
                  Status::kBadOpParameter, kConcatOp, op_record::kConcatInputTable);
  expect_op_error([](Bytes& b) { put_u32(b, concat_entry(b, 1, concat_input_entry::kShift), 31); },
                  Status::kBadOpParameter, kConcatOp, op_record::kConcatInputTable);
  // Other height and width than the output's.
  expect_op_error(
      [](Bytes& b) { put_u16(b, concat_entry(b, 1, concat_input_entry::kTensor), kDepthwiseOut); },
      Status::kShapeMismatch, kConcatOp, op_record::kConcatInputTable);
  // The record's other fields stay unused.
  expect_op_error([](Bytes& b) { put_u16(b, op_field(b, kConcatOp, op_record::kInput1), 4); },
                  Status::kBadOperandIndex, kConcatOp, op_record::kInput1);
  expect_op_error(
      [](Bytes& b) { put_u32(b, op_field(b, kConcatOp, op_record::kMultiplierOffset), 0); },
      Status::kBadOpParameter, kConcatOp, op_record::kMultiplierOffset);
}

TEST(TfliteOpsModel, RefusesMalformedQuantizeMeanAndReshape) {
  expect_op_error(
      [](Bytes& b) { put_u32(b, op_field(b, kQuantizeOp, op_record::kOutputShift), 31); },
      Status::kBadOpParameter, kQuantizeOp, op_record::kOutputShift);
  expect_op_error(
      [](Bytes& b) { put_u32(b, op_field(b, kQuantizeOp, op_record::kOutputMultiplier), -1); },
      Status::kBadOpParameter, kQuantizeOp, op_record::kOutputMultiplier);
  // 255 shifted left by 24 leaves int32.
  expect_op_error(
      [](Bytes& b) { put_u32(b, op_field(b, kQuantizeOp, op_record::kOutputShift), 24); },
      Status::kBadOpParameter, kQuantizeOp, op_record::kOutputShift);
  // The mean is TFLite Micro's float computation here (keep_dims false, other quantization).
  expect_op_error([](Bytes& b) { put_u32(b, op_field(b, kMeanOp, op_record::kMeanMode), 3); },
                  Status::kBadOpParameter, kMeanOp, op_record::kMeanMode);
  expect_op_error([](Bytes& b) { put_f32(b, op_field(b, kMeanOp, op_record::kMeanScale), NAN); },
                  Status::kBadOpParameter, kMeanOp, op_record::kMeanScale);
  expect_op_error([](Bytes& b) { put_f32(b, op_field(b, kMeanOp, op_record::kMeanScale), -1.0f); },
                  Status::kBadOpParameter, kMeanOp, op_record::kMeanScale);
  expect_op_error(
      [](Bytes& b) { put_u32(b, op_field(b, kMeanOp, op_record::kOutputMultiplier), 1 << 30); },
      Status::kBadOpParameter, kMeanOp, op_record::kOutputMultiplier);
  // Rescale-then-divide takes a multiplier and no scale.
  expect_op_error([](Bytes& b) { put_u32(b, op_field(b, kMeanOp, op_record::kMeanMode), 0); },
                  Status::kBadOpParameter, kMeanOp, op_record::kMeanScale);
  // A view sits on its input's bytes.
  expect_op_error(
      [](Bytes& b) {
        const uint32_t at = tensor_field(kViewOut, tensor_record::kOffset);
        put_u32(b, at, load_u32(b.data() + at) + 4);
      },
      Status::kBadOpParameter, kReshapeOp, op_record::kOutput);
  expect_op_error(
      [](Bytes& b) { put_u32(b, tensor_field(kViewOut, tensor_record::kZeroPoint), 0); },
      Status::kBadOpParameter, kReshapeOp, op_record::kOutput);
}

}  // namespace
}  // namespace tinynas::runtime
