#include "engine/compiler/model_writer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string>

#include "engine/compiler/quantization.h"
#include "engine/runtime/crc32.h"
#include "engine/runtime/model_format.h"
#include "engine/runtime/model_reader.h"
#include "tests/engine/compiler/model_test_graphs.h"

namespace tinynas::compiler {
namespace {

namespace rt = runtime;
using testing::make_sequential_plan;
using testing::make_test_graph;
using testing::TestGraphOptions;

template <typename F>
void expect_invalid_argument(F f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "expected std::invalid_argument mentioning '" << needle << "'";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

uint32_t header_u32(const std::vector<uint8_t>& b, uint32_t field) {
  return rt::load_u32(b.data() + field);
}
uint16_t header_u16(const std::vector<uint8_t>& b, uint32_t field) {
  return rt::load_u16(b.data() + field);
}

uint32_t align4(uint32_t v) { return (v + 3) / 4 * 4; }

struct Written {
  Graph graph;
  MemoryPlan plan;
  std::vector<uint8_t> bytes;
};

Written write(const TestGraphOptions& options = {}) {
  Written w;
  w.graph = make_test_graph(options);
  w.plan = make_sequential_plan(w.graph, options.in_place_depthwise);
  w.bytes = write_model(w.graph, w.plan);
  return w;
}

TEST(ModelWriterTest, HeaderDescribesTheFile) {
  const Written w = write();
  const std::vector<uint8_t>& b = w.bytes;
  const uint32_t tensors = static_cast<uint32_t>(w.graph.tensors.size());
  const uint32_t ops = static_cast<uint32_t>(w.graph.ops.size());
  EXPECT_EQ(header_u32(b, rt::header::kMagic), rt::kModelMagic);
  EXPECT_EQ(std::string(b.begin(), b.begin() + 4), "TNM1");
  // Nothing of version 2 in the graph: written as version 1, which older runtimes read.
  EXPECT_EQ(header_u16(b, rt::header::kVersion), rt::kOldestFormatVersion);
  EXPECT_EQ(header_u16(b, rt::header::kHeaderSizeField), rt::kHeaderSize);
  EXPECT_EQ(header_u32(b, rt::header::kFileSize), b.size());
  EXPECT_EQ(header_u16(b, rt::header::kTensorCount), tensors);
  EXPECT_EQ(header_u16(b, rt::header::kOpCount), ops);
  EXPECT_EQ(header_u32(b, rt::header::kTensorTableOffset), rt::kHeaderSize);
  const uint32_t op_table = rt::kHeaderSize + tensors * rt::kTensorRecordSize;
  EXPECT_EQ(header_u32(b, rt::header::kOpTableOffset), op_table);
  const uint32_t pool = header_u32(b, rt::header::kConstantsOffset);
  EXPECT_EQ(pool % rt::kConstantPoolAlignment, 0u);
  EXPECT_GE(pool, op_table + ops * rt::kOpRecordSize);
  EXPECT_LT(pool, op_table + ops * rt::kOpRecordSize + rt::kConstantPoolAlignment);
  EXPECT_EQ(pool + header_u32(b, rt::header::kConstantsSize), b.size());
  EXPECT_EQ(header_u32(b, rt::header::kArenaSize), w.plan.arena_bytes);
  EXPECT_EQ(header_u32(b, rt::header::kScratchSize), w.plan.scratch_bytes);
  EXPECT_EQ(header_u16(b, rt::header::kInputTensor), w.graph.input);
  EXPECT_EQ(header_u16(b, rt::header::kOutputTensor), w.graph.output);
  EXPECT_EQ(header_u32(b, rt::header::kFlags), 0u);
  for (uint32_t i = 0; i < 12; ++i) EXPECT_EQ(b[rt::header::kReserved + i], 0) << i;
  EXPECT_EQ(header_u32(b, rt::header::kCrc32),
            rt::crc32(b.data() + rt::kHeaderSize, b.size() - rt::kHeaderSize));
}

TEST(ModelWriterTest, WrittenModelsPassTheRuntimeValidator) {
  for (bool in_place : {false, true}) {
    for (int stride : {1, 2}) {
      for (bool bias : {false, true}) {
        TestGraphOptions options;
        options.in_place_depthwise = in_place;
        options.depthwise_stride = stride;
        options.with_bias = bias;
        const Written w = write(options);
        rt::ValidationError error;
        EXPECT_EQ(rt::validate_model(w.bytes.data(), static_cast<uint32_t>(w.bytes.size()), nullptr,
                                     &error),
                  rt::Status::kOk)
            << in_place << stride << bias;
      }
    }
  }
}

// Pool: per op in order, weights padded to 4, bias (if any), multipliers, shifts.
TEST(ModelWriterTest, ConstantPoolFollowsTheLayoutRule) {
  for (bool bias : {false, true}) {
    TestGraphOptions options;
    options.with_bias = bias;
    const Written w = write(options);
    const std::vector<uint8_t>& b = w.bytes;
    const uint32_t pool = header_u32(b, rt::header::kConstantsOffset);
    const uint32_t op_table = header_u32(b, rt::header::kOpTableOffset);
    uint32_t expected = 0;
    for (size_t i = 0; i < w.graph.ops.size(); ++i) {
      const Op& op = w.graph.ops[i];
      const uint8_t* record = b.data() + op_table + i * rt::kOpRecordSize;
      const rt::OpInfo info = rt::decode_op_record(record);
      if (op.weights < 0) {
        EXPECT_EQ(info.bias_offset, rt::kNoOffset);
        EXPECT_EQ(info.multiplier_offset, rt::kNoOffset);
        EXPECT_EQ(info.shift_offset, rt::kNoOffset);
        continue;
      }
      const Tensor& weights = w.graph.tensors[op.weights];
      const uint8_t* tensor_record =
          b.data() + rt::kHeaderSize + op.weights * rt::kTensorRecordSize;
      const rt::TensorInfo weights_info = rt::decode_tensor_record(tensor_record);
      EXPECT_EQ(weights_info.offset, expected) << op.name;
      EXPECT_EQ(weights_info.storage, rt::Storage::kConstant);
      EXPECT_EQ(0,
                std::memcmp(b.data() + pool + expected, weights.data.data(), weights.data.size()));
      for (uint32_t p = static_cast<uint32_t>(weights.data.size()); p < align4(p); ++p) {
        EXPECT_EQ(b[pool + expected + p], 0) << "padding of " << op.name;
      }
      expected += align4(static_cast<uint32_t>(weights.data.size()));
      const int channels = w.graph.tensors[op.output].shape.c;
      if (bias) {
        EXPECT_EQ(info.bias_offset, expected) << op.name;
        for (int c = 0; c < channels; ++c) {
          EXPECT_EQ(rt::load_i32(b.data() + pool + expected + 4 * c), op.bias[c]);
        }
        expected += 4 * channels;
      } else {
        EXPECT_EQ(info.bias_offset, rt::kNoOffset);
      }
      const auto q =
          per_channel_multipliers(w.graph.tensors[op.inputs[0]].scale, weights.channel_scales,
                                  w.graph.tensors[op.output].scale, channels);
      EXPECT_EQ(info.multiplier_offset, expected);
      EXPECT_EQ(info.shift_offset, expected + 4 * channels);
      for (int c = 0; c < channels; ++c) {
        EXPECT_EQ(rt::load_i32(b.data() + pool + info.multiplier_offset + 4 * c), q[c].multiplier);
        EXPECT_EQ(rt::load_i32(b.data() + pool + info.shift_offset + 4 * c), q[c].shift);
      }
      expected += 8 * channels;
    }
    EXPECT_EQ(header_u32(b, rt::header::kConstantsSize), expected);
    EXPECT_EQ(constant_pool_bytes(w.graph), expected);
  }
}

TEST(ModelWriterTest, TensorRecordsCarryPlanOffsetsAndQuantization) {
  TestGraphOptions options;
  options.in_place_depthwise = true;
  const Written w = write(options);
  for (size_t t = 0; t < w.graph.tensors.size(); ++t) {
    const Tensor& tensor = w.graph.tensors[t];
    const rt::TensorInfo info =
        rt::decode_tensor_record(w.bytes.data() + rt::kHeaderSize + t * rt::kTensorRecordSize);
    EXPECT_EQ(info.dtype, rt::DType::kInt8);
    EXPECT_EQ(info.shape.n, tensor.shape.n);
    EXPECT_EQ(info.shape.h, tensor.shape.h);
    EXPECT_EQ(info.shape.w, tensor.shape.w);
    EXPECT_EQ(info.shape.c, tensor.shape.c);
    EXPECT_EQ(info.size_bytes, tensor.bytes());
    if (tensor.is_constant) {
      EXPECT_EQ(info.storage, rt::Storage::kConstant);
      EXPECT_EQ(info.zero_point, 0);
    } else {
      EXPECT_EQ(info.storage, rt::Storage::kArena);
      EXPECT_EQ(info.offset, w.plan.offsets[t]) << tensor.name;
      EXPECT_EQ(info.zero_point, tensor.zero_point);
      EXPECT_EQ(info.scale, tensor.scale);
    }
  }
}

TEST(ModelWriterTest, OpRecordsCarryQuantizedParameters) {
  TestGraphOptions options;
  options.in_place_depthwise = true;
  const Written w = write(options);
  const uint32_t op_table = header_u32(w.bytes, rt::header::kOpTableOffset);
  EXPECT_EQ(header_u32(w.bytes, rt::header::kFlags), rt::kModelFlagInPlaceDepthwise);
  for (size_t i = 0; i < w.graph.ops.size(); ++i) {
    const Op& op = w.graph.ops[i];
    const rt::OpInfo info = rt::decode_op_record(w.bytes.data() + op_table + i * rt::kOpRecordSize);
    const Tensor& out = w.graph.tensors[op.output];
    const Tensor& in = w.graph.tensors[op.inputs[0]];
    EXPECT_EQ(info.kind, op.kind);
    EXPECT_EQ(info.in_place(), w.plan.in_place[i]) << op.name;
    EXPECT_EQ(info.scratch_bytes, w.plan.op_scratch[i]);
    const ActivationRange range = activation_range(op.activation, out.scale, out.zero_point);
    EXPECT_EQ(info.activation_min, range.min) << op.name;
    EXPECT_EQ(info.activation_max, range.max) << op.name;
    EXPECT_EQ(info.input0, op.inputs[0]);
    EXPECT_EQ(info.output, op.output);
    if (op.kind == OpKind::kConv2d || op.kind == OpKind::kDepthwiseConv2d) {
      EXPECT_EQ(info.kernel_h, op.kernel_h);
      EXPECT_EQ(info.stride_w, op.stride_w);
      EXPECT_EQ(info.pad_bottom, op.pad_bottom);
    }
    if (op.kind == OpKind::kAdd) {
      const AddQuantization q =
          add_quantization(in.scale, w.graph.tensors[op.inputs[1]].scale, out.scale);
      EXPECT_EQ(info.input1, op.inputs[1]);
      EXPECT_EQ(info.input0_multiplier, q.input0.multiplier);
      EXPECT_EQ(info.input0_shift, q.input0.shift);
      EXPECT_EQ(info.input1_multiplier, q.input1.multiplier);
      EXPECT_EQ(info.input1_shift, q.input1.shift);
      EXPECT_EQ(info.output_multiplier, q.output.multiplier);
      EXPECT_EQ(info.output_shift, q.output.shift);
      EXPECT_EQ(info.left_shift, q.left_shift);
    } else {
      EXPECT_EQ(info.input1, rt::kNoTensor);
    }
    if (op.kind == OpKind::kGlobalAveragePool) {
      const QuantizedMultiplier q =
          global_average_pool_multiplier(in.scale, out.scale, in.shape.h, in.shape.w);
      EXPECT_EQ(info.output_multiplier, q.multiplier);
      EXPECT_EQ(info.output_shift, q.shift);
    }
  }
}

TEST(ModelWriterTest, WritingIsDeterministic) { EXPECT_EQ(write().bytes, write().bytes); }

// Graph errors name the op or tensor.
struct Broken {
  Broken() {
    const TestGraphOptions options;
    graph = make_test_graph(options);
  }
  Graph graph;
  MemoryPlan plan() const { return make_sequential_plan(graph, false); }
};

TEST(ModelWriterErrorsTest, OpWithoutOutput) {
  Broken b;
  b.graph.ops[1].output = -1;
  const MemoryPlan plan = make_sequential_plan(make_test_graph(), false);
  expect_invalid_argument([&] { write_model(b.graph, plan); }, "op 1 'block.expand' has no output");
}

TEST(ModelWriterErrorsTest, UnsupportedKernelSize) {
  Broken b;
  b.graph.ops[2].kernel_h = b.graph.ops[2].kernel_w = 13;
  expect_invalid_argument([&] { write_model(b.graph, b.plan()); },
                          "op 2 'block.depthwise' has unsupported kernel size 13x13");
}

TEST(ModelWriterErrorsTest, UnsupportedStrideAndPadding) {
  Broken b;
  b.graph.ops[0].stride_h = 5;
  expect_invalid_argument([&] { write_model(b.graph, b.plan()); }, "unsupported stride 5x2");
  Broken c;
  c.graph.ops[0].pad_left = 3;
  expect_invalid_argument([&] { write_model(c.graph, c.plan()); }, "not smaller than its kernel");
}

TEST(ModelWriterErrorsTest, DimensionAbove65535) {
  Broken b;
  b.graph.tensors[b.graph.output].shape.c = 70000;
  expect_invalid_argument([&] { write_model(b.graph, b.plan()); },
                          "tensor " + std::to_string(b.graph.output) + " 'logits' has shape");
}

TEST(ModelWriterErrorsTest, BadActivationQuantization) {
  Broken b;
  b.graph.tensors[1].scale = 0.0f;
  expect_invalid_argument([&] { write_model(b.graph, b.plan()); }, "tensor 1 'stem' has scale");
  Broken c;
  c.graph.tensors[1].zero_point = 200;
  expect_invalid_argument([&] { write_model(c.graph, c.plan()); }, "zero point 200");
}

TEST(ModelWriterErrorsTest, WeightsOfTheWrongShapeOrSize) {
  Broken b;
  b.graph.tensors[b.graph.ops[0].weights].data.pop_back();
  expect_invalid_argument([&] { write_model(b.graph, b.plan()); }, "'stem.weights' holds");
  Broken c;
  c.graph.tensors[c.graph.ops[1].weights].shape.n = 15;
  c.graph.tensors[c.graph.ops[1].weights].data.resize(15 * 8);
  expect_invalid_argument([&] { write_model(c.graph, c.plan()); }, "op 1 'block.expand': weights");
}

TEST(ModelWriterErrorsTest, OutputShapeDisagreesWithTheWindow) {
  Broken b;
  b.graph.ops[0].pad_bottom = 0;
  b.graph.ops[0].stride_h = 3;
  expect_invalid_argument([&] { write_model(b.graph, b.plan()); }, "op 0 'stem.conv': output");
}

TEST(ModelWriterErrorsTest, BiasLengthAndWeightScales) {
  Broken b;
  b.graph.ops[0].bias.pop_back();
  expect_invalid_argument([&] { write_model(b.graph, b.plan()); },
                          "op 0 'stem.conv' has 7 bias values for 8 output channels");
  Broken c;
  c.graph.tensors[c.graph.ops[0].weights].channel_scales[3] = 0.0f;
  expect_invalid_argument([&] { write_model(c.graph, c.plan()); },
                          "op 0 'stem.conv': per_channel_multipliers: weight scale of channel 3");
}

TEST(ModelWriterErrorsTest, AveragePoolNeedsTheSameQuantization) {
  Broken b;
  for (Op& op : b.graph.ops) {
    if (op.kind == OpKind::kAveragePool2d) b.graph.tensors[op.output].zero_point += 1;
  }
  expect_invalid_argument([&] { write_model(b.graph, b.plan()); }, "same quantization");
}

TEST(ModelWriterErrorsTest, SharedAndUnusedWeights) {
  // Two 1x1 convs of the same shape could share a weights tensor, but the pool keeps one copy
  // per op, so the writer asks for separate tensors.
  Graph shared;
  shared.input = testing::add_activation(shared, "x", 4, 4, 8, 0.1f, 0);
  const int middle = testing::add_activation(shared, "y", 4, 4, 8, 0.1f, 0);
  shared.output = testing::add_activation(shared, "z", 4, 4, 8, 0.1f, 0);
  testing::TestRandom random(3);
  const int weights = testing::add_weights(shared, random, "w", {8, 1, 1, 8}, 8);
  Op first;
  first.name = "first";
  first.inputs = {shared.input};
  first.weights = weights;
  first.output = middle;
  shared.add_op(first);
  Op second = first;
  second.name = "second";
  second.inputs = {middle};
  second.output = shared.output;
  shared.add_op(second);
  expect_invalid_argument([&] { write_model(shared, make_sequential_plan(shared, false)); },
                          "tensor 3 'w' is the weights of both op 0 'first' and op 1 'second'");

  Broken c;
  Tensor extra;
  extra.name = "orphan";
  extra.is_constant = true;
  extra.data = {1};
  c.graph.add_tensor(extra);
  expect_invalid_argument([&] { write_model(c.graph, c.plan()); },
                          "'orphan' is a constant that no op uses");
}

TEST(ModelWriterErrorsTest, OperandRoles) {
  Broken b;
  b.graph.ops[0].inputs = {b.graph.ops[0].weights};
  expect_invalid_argument([&] { write_model(b.graph, b.plan()); },
                          "op 0 'stem.conv': input tensor 5 'stem.weights' is a constant");
  Broken c;
  c.graph.ops[1].weights = -1;
  expect_invalid_argument([&] { write_model(c.graph, c.plan()); },
                          "op 1 'block.expand' needs a constant weights tensor");
  Broken d;
  d.graph.ops[4].inputs.pop_back();
  expect_invalid_argument([&] { write_model(d.graph, d.plan()); },
                          "op 4 'block.add' has 1 inputs (expected 2)");
  Broken e;
  e.graph.output = e.graph.input;
  expect_invalid_argument([&] { write_model(e.graph, e.plan()); }, "graph output");
}

TEST(ModelWriterErrorsTest, PlanMustMatchTheGraph) {
  Broken b;
  MemoryPlan plan = b.plan();
  plan.offsets.pop_back();
  expect_invalid_argument([&] { write_model(b.graph, plan); }, "memory plan covers");
  plan = b.plan();
  plan.offsets[1] = plan.arena_bytes;
  expect_invalid_argument([&] { write_model(b.graph, plan); },
                          "memory plan puts tensor 1 'stem' (128 B) at arena offset");
  plan = b.plan();
  plan.in_place[0] = true;
  expect_invalid_argument([&] { write_model(b.graph, plan); }, "runs op 0 'stem.conv' in place");
}

TEST(ModelWriterErrorsTest, ModelsTheValidatorRefusesAreNotWritten) {
  Broken b;
  b.graph.ops[0].bias[0] = std::numeric_limits<int32_t>::max();  // accumulator would overflow
  expect_invalid_argument([&] { write_model(b.graph, b.plan()); },
                          "fails validation: op 0 (field 8): invalid op parameter (op 0 "
                          "'stem.conv')");
  // Overlapping live tensors: the plan puts the residual branch on top of the block input.
  Broken c;
  MemoryPlan plan = c.plan();
  plan.offsets[4] = plan.offsets[1];
  expect_invalid_argument(
      [&] { write_model(c.graph, plan); },
      "op 3 (field 10): tensors live at the same time overlap in the arena (op 3 "
      "'block.project')");
}

TEST(ModelFileTest, WritesTheBytesToDisk) {
  const std::vector<uint8_t> bytes = write().bytes;
  const std::string path = ::testing::TempDir() + "model_writer_test.tnm";
  write_model_file(path, bytes);
  std::ifstream file(path, std::ios::binary);
  const std::vector<uint8_t> read((std::istreambuf_iterator<char>(file)),
                                  std::istreambuf_iterator<char>());
  EXPECT_EQ(read, bytes);
  std::remove(path.c_str());
}

TEST(ModelFileTest, ErrorsNameThePath) {
  const std::string path = ::testing::TempDir() + "no/such/dir/model.tnm";
  try {
    write_model_file(path, {1, 2, 3});
    ADD_FAILURE() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("'" + path + "'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tinynas::compiler
