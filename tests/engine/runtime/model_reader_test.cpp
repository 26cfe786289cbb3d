#include "engine/runtime/model_reader.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/compiler/model_writer.h"
#include "engine/runtime/crc32.h"
#include "engine/runtime/interpreter.h"
#include "tests/engine/compiler/model_test_graphs.h"

namespace tinynas::runtime {
namespace {

using compiler::testing::make_sequential_plan;
using compiler::testing::make_test_graph;
using compiler::testing::TestGraphOptions;
using Bytes = std::vector<uint8_t>;

// Tensor and op indices of make_test_graph() with depthwise stride 1.
constexpr uint16_t kInputTensor = 0, kStem = 1, kExpand = 2, kDepthwise = 3, kProject = 4;
constexpr uint16_t kStemWeights = 5, kExpandWeights = 6, kProjectWeights = 8;
constexpr uint16_t kResidual = 9, kPool = 10, kGap = 11, kLogits = 12;
constexpr uint16_t kStemOp = 0, kExpandOp = 1, kDepthwiseOp = 2, kProjectOp = 3, kAddOp = 4;
constexpr uint16_t kPoolOp = 5, kGapOp = 6, kClassifierOp = 7;

Bytes model_bytes(bool in_place = false) {
  TestGraphOptions options;
  options.in_place_depthwise = in_place;
  const compiler::Graph graph = make_test_graph(options);
  return compiler::write_model(graph, make_sequential_plan(graph, in_place));
}

uint32_t tensor_field(uint16_t tensor, uint32_t field) {
  return kHeaderSize + uint32_t{tensor} * kTensorRecordSize + field;
}
uint32_t op_field(const Bytes& b, uint16_t op, uint32_t field) {
  return load_u32(b.data() + header::kOpTableOffset) + uint32_t{op} * kOpRecordSize + field;
}
uint32_t pool_offset(const Bytes& b) { return load_u32(b.data() + header::kConstantsOffset); }

void put_u8(Bytes& b, uint32_t at, uint8_t v) { b[at] = v; }
void put_u16(Bytes& b, uint32_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v);
  b[at + 1] = static_cast<uint8_t>(v >> 8);
}
void put_u32(Bytes& b, uint32_t at, uint32_t v) {
  put_u16(b, at, static_cast<uint16_t>(v));
  put_u16(b, at + 2, static_cast<uint16_t>(v >> 16));
}
void put_f32(Bytes& b, uint32_t at, float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  put_u32(b, at, bits);
}
void fix_crc(Bytes& b) {
  put_u32(b, header::kCrc32, crc32(b.data() + kHeaderSize, b.size() - kHeaderSize));
}

ValidationError validate(const Bytes& b) {
  ValidationError error;
  ModelView view;
  const Status status = validate_model(b.data(), static_cast<uint32_t>(b.size()), &view, &error);
  EXPECT_EQ(status, error.status);
  EXPECT_EQ(view.valid(), status == Status::kOk);
  return error;
}

std::string describe(const ValidationError& e) {
  char text[96];
  format_validation_error(e, text, sizeof(text));
  return text;
}

// Applies `mutate` to a valid model, recomputes the CRC (so the field check is reached) and
// expects exactly the given error.
void expect_rejected(const std::function<void(Bytes&)>& mutate, Status status, ModelSection section,
                     uint16_t index, uint32_t field, bool in_place = false) {
  Bytes b = model_bytes(in_place);
  mutate(b);
  fix_crc(b);
  const ValidationError e = validate(b);
  EXPECT_EQ(e.status, status) << describe(e);
  EXPECT_EQ(e.section, section) << describe(e);
  EXPECT_EQ(e.index, index) << describe(e);
  EXPECT_EQ(e.field, field) << describe(e);
}

void expect_header_error(const std::function<void(Bytes&)>& mutate, Status status, uint32_t field) {
  expect_rejected(mutate, status, ModelSection::kHeader, 0, field);
}
void expect_tensor_error(const std::function<void(Bytes&)>& mutate, Status status, uint16_t tensor,
                         uint32_t field) {
  expect_rejected(mutate, status, ModelSection::kTensorTable, tensor, field);
}
void expect_op_error(const std::function<void(Bytes&)>& mutate, Status status, uint16_t op,
                     uint32_t field, bool in_place = false) {
  expect_rejected(mutate, status, ModelSection::kOpTable, op, field, in_place);
}
void expect_valid(const std::function<void(Bytes&)>& mutate, bool in_place = false) {
  Bytes b = model_bytes(in_place);
  mutate(b);
  fix_crc(b);
  const ValidationError e = validate(b);
  EXPECT_EQ(e.status, Status::kOk) << describe(e);
}

// ---------------------------------------------------------------------------------------------
// Valid models and the view.

TEST(ModelReaderTest, AcceptsWrittenModelsAndDecodesThem) {
  const compiler::Graph graph = make_test_graph();
  const compiler::MemoryPlan plan = make_sequential_plan(graph, false);
  const Bytes b = compiler::write_model(graph, plan);
  ModelView view;
  ValidationError error;
  error.status = Status::kBadHeader;  // must be reset on success
  ASSERT_EQ(validate_model(b.data(), static_cast<uint32_t>(b.size()), &view, &error), Status::kOk);
  EXPECT_EQ(error.status, Status::kOk);
  ASSERT_TRUE(view.valid());
  EXPECT_EQ(view.data(), b.data());
  EXPECT_EQ(view.size(), b.size());
  EXPECT_EQ(view.tensor_count(), graph.tensors.size());
  EXPECT_EQ(view.op_count(), graph.ops.size());
  EXPECT_EQ(view.arena_size(), plan.arena_bytes);
  EXPECT_EQ(view.scratch_size(), plan.scratch_bytes);
  EXPECT_EQ(view.input_tensor(), graph.input);
  EXPECT_EQ(view.output_tensor(), graph.output);
  EXPECT_EQ(view.flags(), 0u);
  EXPECT_EQ(view.constants(), b.data() + pool_offset(b));
  EXPECT_EQ(view.constants_size(), b.size() - pool_offset(b));

  const TensorInfo stem = view.tensor(kStem);
  EXPECT_EQ(stem.storage, Storage::kArena);
  EXPECT_EQ(stem.shape.h, 4);
  EXPECT_EQ(stem.shape.c, 8);
  EXPECT_EQ(stem.offset, plan.offsets[kStem]);
  EXPECT_EQ(stem.zero_point, -128);
  EXPECT_FLOAT_EQ(stem.scale, 0.04f);
  const TensorInfo weights = view.tensor(kStemWeights);
  EXPECT_EQ(weights.storage, Storage::kConstant);
  EXPECT_EQ(0, std::memcmp(view.constant_int8(weights.offset),
                           graph.tensors[kStemWeights].data.data(), weights.size_bytes));

  const OpInfo conv = view.op(kStemOp);
  EXPECT_EQ(conv.kind, OpKind::kConv2d);
  EXPECT_EQ(conv.kernel_h, 3);
  EXPECT_EQ(conv.stride_w, 2);
  EXPECT_FALSE(is_pointwise_conv(conv));
  EXPECT_TRUE(is_pointwise_conv(view.op(kExpandOp)));
  EXPECT_EQ(view.constant_int32(conv.bias_offset)[0], graph.ops[kStemOp].bias[0]);
  EXPECT_EQ(view.constant_int32(kNoOffset), nullptr);
  EXPECT_EQ(view.op(kAddOp).input1, kProject);
}

TEST(ModelReaderTest, ValidationNeedsNoOutputArguments) {
  const Bytes b = model_bytes();
  EXPECT_EQ(validate_model(b.data(), static_cast<uint32_t>(b.size()), nullptr, nullptr),
            Status::kOk);
}

TEST(ModelReaderTest, FailureLeavesTheViewInvalid) {
  Bytes b = model_bytes();
  ModelView view;
  ASSERT_EQ(validate_model(b.data(), static_cast<uint32_t>(b.size()), &view, nullptr), Status::kOk);
  b[b.size() - 1] ^= 1;
  EXPECT_EQ(validate_model(b.data(), static_cast<uint32_t>(b.size()), &view, nullptr),
            Status::kChecksumMismatch);
  EXPECT_FALSE(view.valid());
}

TEST(ModelReaderTest, FormatsErrorsWithSectionIndexAndField) {
  ValidationError e;
  e.status = Status::kBadOpParameter;
  e.section = ModelSection::kOpTable;
  e.index = 3;
  e.field = 12;
  EXPECT_EQ(describe(e), "op 3 (field 12): invalid op parameter");
  e.status = Status::kChecksumMismatch;
  e.section = ModelSection::kHeader;
  e.field = header::kCrc32;
  EXPECT_EQ(describe(e), "header (field 12): CRC-32 checksum mismatch");
  e.status = Status::kBadTensor;
  e.section = ModelSection::kTensorTable;
  e.index = 4095;
  e.field = 0;
  EXPECT_EQ(describe(e), "tensor 4095 (field 0): invalid tensor record");
  e.status = Status::kNullArgument;
  e.section = ModelSection::kNone;
  EXPECT_EQ(describe(e), "null argument");
}

TEST(ModelReaderTest, FormattingTruncatesAndReportsTheFullLength) {
  ValidationError e;
  e.status = Status::kBadOpParameter;
  e.section = ModelSection::kOpTable;
  e.index = 3;
  e.field = 12;
  const std::string full = "op 3 (field 12): invalid op parameter";
  char small[8];
  EXPECT_EQ(format_validation_error(e, small, sizeof(small)), full.size());
  EXPECT_EQ(std::string(small), full.substr(0, 7));
  EXPECT_EQ(format_validation_error(e, nullptr, 0), full.size());
}

// ---------------------------------------------------------------------------------------------
// Header rules.

TEST(ModelReaderHeaderTest, NullData) {
  ValidationError e;
  EXPECT_EQ(validate_model(nullptr, 100, nullptr, &e), Status::kNullArgument);
  EXPECT_EQ(e.section, ModelSection::kNone);
}

TEST(ModelReaderHeaderTest, MisalignedData) {
  const Bytes b = model_bytes();
  std::vector<uint8_t> shifted(b.size() + 4);
  std::memcpy(shifted.data() + 1, b.data(), b.size());
  ValidationError e;
  EXPECT_EQ(validate_model(shifted.data() + 1, static_cast<uint32_t>(b.size()), nullptr, &e),
            Status::kMisaligned);
  EXPECT_EQ(e.section, ModelSection::kNone);
}

TEST(ModelReaderHeaderTest, ShorterThanTheHeader) {
  const Bytes b = model_bytes();
  ValidationError e;
  EXPECT_EQ(validate_model(b.data(), kHeaderSize - 1, nullptr, &e), Status::kTruncated);
  EXPECT_EQ(e.section, ModelSection::kHeader);
  EXPECT_EQ(e.field, header::kFileSize);
}

TEST(ModelReaderHeaderTest, MagicVersionAndHeaderSize) {
  expect_header_error([](Bytes& b) { b[0] = 'X'; }, Status::kBadMagic, header::kMagic);
  expect_header_error([](Bytes& b) { put_u16(b, header::kVersion, 0); },
                      Status::kUnsupportedVersion, header::kVersion);
  expect_header_error([](Bytes& b) { put_u16(b, header::kVersion, kFormatVersion + 1); },
                      Status::kUnsupportedVersion, header::kVersion);
  expect_header_error([](Bytes& b) { put_u16(b, header::kHeaderSizeField, 128); },
                      Status::kBadHeader, header::kHeaderSizeField);
}

TEST(ModelReaderHeaderTest, FileSizeMustEqualTheBufferSize) {
  const Bytes b = model_bytes();
  ValidationError e;
  EXPECT_EQ(validate_model(b.data(), static_cast<uint32_t>(b.size() - 1), nullptr, &e),
            Status::kTruncated);
  EXPECT_EQ(e.field, header::kFileSize);
  Bytes longer = b;
  longer.push_back(0);
  EXPECT_EQ(validate(longer).status, Status::kBadHeader);
  EXPECT_EQ(validate(longer).field, header::kFileSize);
}

TEST(ModelReaderHeaderTest, ReservedBytesMustBeZero) {
  for (uint32_t i = 0; i < 12; ++i) {
    expect_header_error([i](Bytes& b) { b[header::kReserved + i] = 1; }, Status::kBadHeader,
                        header::kReserved + i);
  }
}

TEST(ModelReaderHeaderTest, UnknownModelFlags) {
  expect_header_error([](Bytes& b) { put_u32(b, header::kFlags, 2); }, Status::kBadHeader,
                      header::kFlags);
}

TEST(ModelReaderHeaderTest, ChecksumCoversTheBody) {
  Bytes b = model_bytes();
  b[kHeaderSize + 5] ^= 0x40;  // a tensor record byte, CRC not recomputed
  EXPECT_EQ(validate(b).status, Status::kChecksumMismatch);
  EXPECT_EQ(validate(b).field, header::kCrc32);
  Bytes c = model_bytes();
  put_u32(c, header::kCrc32, load_u32(c.data() + header::kCrc32) ^ 1);
  EXPECT_EQ(validate(c).status, Status::kChecksumMismatch);
}

TEST(ModelReaderHeaderTest, TensorAndOpCounts) {
  expect_header_error([](Bytes& b) { put_u16(b, header::kTensorCount, 0); }, Status::kBadHeader,
                      header::kTensorCount);
  expect_header_error([](Bytes& b) { put_u16(b, header::kTensorCount, kMaxTensors + 1); },
                      Status::kBadHeader, header::kTensorCount);
  expect_header_error([](Bytes& b) { put_u16(b, header::kOpCount, 0); }, Status::kBadHeader,
                      header::kOpCount);
  expect_header_error([](Bytes& b) { put_u16(b, header::kOpCount, kMaxOps + 1); },
                      Status::kBadHeader, header::kOpCount);
}

TEST(ModelReaderHeaderTest, TableOffsetsAlignedInBoundsAndDisjoint) {
  expect_header_error([](Bytes& b) { put_u32(b, header::kTensorTableOffset, kHeaderSize + 2); },
                      Status::kMisaligned, header::kTensorTableOffset);
  expect_header_error([](Bytes& b) { put_u32(b, header::kTensorTableOffset, 0); },
                      Status::kBadHeader, header::kTensorTableOffset);
  expect_header_error([](Bytes& b) { put_u32(b, header::kTensorTableOffset, 0xFFFFFF00u); },
                      Status::kTruncated, header::kTensorTableOffset);
  expect_header_error(
      [](Bytes& b) {
        put_u32(b, header::kOpTableOffset, load_u32(b.data() + header::kTensorTableOffset));
      },
      Status::kBadHeader, header::kOpTableOffset);
  expect_header_error([](Bytes& b) { put_u32(b, header::kOpTableOffset, 0xFFFFFFFCu); },
                      Status::kTruncated, header::kOpTableOffset);
  expect_header_error([](Bytes& b) { put_u32(b, header::kConstantsOffset, pool_offset(b) + 8); },
                      Status::kMisaligned, header::kConstantsOffset);
  expect_header_error([](Bytes& b) { put_u32(b, header::kConstantsOffset, pool_offset(b) + 16); },
                      Status::kTruncated, header::kConstantsOffset);
  expect_header_error([](Bytes& b) { put_u32(b, header::kConstantsOffset, pool_offset(b) - 16); },
                      Status::kBadHeader, header::kConstantsOffset);  // overlaps the op table
}

TEST(ModelReaderHeaderTest, TablesAreInTheCanonicalOrder) {
  // A gap between tensor and op table (the op table and pool moved up by 32 bytes).
  expect_header_error(
      [](Bytes& b) {
        put_u32(b, header::kOpTableOffset, load_u32(b.data() + header::kOpTableOffset) + 32);
        put_u32(b, header::kConstantsOffset, pool_offset(b) + 32);
        put_u32(b, header::kConstantsSize, load_u32(b.data() + header::kConstantsSize) - 32);
      },
      Status::kBadHeader, header::kOpTableOffset);
  // The pool does not reach the end of the file.
  expect_header_error(
      [](Bytes& b) {
        put_u32(b, header::kConstantsSize, load_u32(b.data() + header::kConstantsSize) - 16);
      },
      Status::kBadHeader, header::kConstantsSize);
}

TEST(ModelReaderHeaderTest, ArenaAndScratchSizesFitInt32) {
  expect_header_error([](Bytes& b) { put_u32(b, header::kArenaSize, 0x80000000u); },
                      Status::kBadHeader, header::kArenaSize);
  expect_header_error([](Bytes& b) { put_u32(b, header::kScratchSize, 0x80000000u); },
                      Status::kBadHeader, header::kScratchSize);
}

TEST(ModelReaderHeaderTest, InputAndOutputTensors) {
  expect_header_error([](Bytes& b) { put_u16(b, header::kInputTensor, 14); },
                      Status::kBadOperandIndex, header::kInputTensor);
  expect_header_error([](Bytes& b) { put_u16(b, header::kOutputTensor, kNoTensor); },
                      Status::kBadOperandIndex, header::kOutputTensor);
  expect_header_error([](Bytes& b) { put_u16(b, header::kOutputTensor, kInputTensor); },
                      Status::kBadOperandIndex, header::kOutputTensor);
  expect_header_error([](Bytes& b) { put_u16(b, header::kInputTensor, kStemWeights); },
                      Status::kBadOperandIndex, header::kInputTensor);
  expect_header_error([](Bytes& b) { put_u16(b, header::kOutputTensor, kStemWeights); },
                      Status::kBadOperandIndex, header::kOutputTensor);
}

TEST(ModelReaderHeaderTest, OutputMustBeProducedByAnOp) {
  compiler::Graph graph = make_test_graph();
  const int unused = compiler::testing::add_activation(graph, "unused", 2, 2, 2, 0.1f, 0);
  Bytes b = compiler::write_model(graph, make_sequential_plan(graph, false));
  ASSERT_EQ(validate(b).status, Status::kOk);
  put_u16(b, header::kOutputTensor, static_cast<uint16_t>(unused));
  const ValidationError e = validate(b);
  EXPECT_EQ(e.status, Status::kBadOperandIndex);
  EXPECT_EQ(e.section, ModelSection::kHeader);
  EXPECT_EQ(e.field, header::kOutputTensor);
}

// ---------------------------------------------------------------------------------------------
// Tensor records.

TEST(ModelReaderTensorTest, DTypeStorageAndReserved) {
  expect_tensor_error([](Bytes& b) { put_u8(b, tensor_field(kStem, tensor_record::kDType), 2); },
                      Status::kBadTensor, kStem, tensor_record::kDType);
  expect_tensor_error([](Bytes& b) { put_u8(b, tensor_field(kStem, tensor_record::kDType), 0); },
                      Status::kBadTensor, kStem, tensor_record::kDType);
  expect_tensor_error([](Bytes& b) { put_u8(b, tensor_field(kStem, tensor_record::kStorage), 2); },
                      Status::kBadTensor, kStem, tensor_record::kStorage);
  expect_tensor_error(
      [](Bytes& b) { put_u16(b, tensor_field(kStem, tensor_record::kReserved0), 1); },
      Status::kBadTensor, kStem, tensor_record::kReserved0);
  expect_tensor_error(
      [](Bytes& b) { put_u32(b, tensor_field(kStem, tensor_record::kReserved1), 1); },
      Status::kBadTensor, kStem, tensor_record::kReserved1);
}

TEST(ModelReaderTensorTest, DimensionsAtLeastOneAndBatchOne) {
  for (uint32_t d = 0; d < 4; ++d) {
    expect_tensor_error(
        [d](Bytes& b) { put_u16(b, tensor_field(kStem, tensor_record::kDims + 2 * d), 0); },
        Status::kBadTensor, kStem, tensor_record::kDims + 2 * d);
  }
  expect_tensor_error([](Bytes& b) { put_u16(b, tensor_field(kStem, tensor_record::kDims), 2); },
                      Status::kBadTensor, kStem, tensor_record::kDims);
}

TEST(ModelReaderTensorTest, ElementCountMayNotOverflow) {
  expect_tensor_error(
      [](Bytes& b) {
        for (uint32_t d = 0; d < 4; ++d) {
          put_u16(b, tensor_field(kStemWeights, tensor_record::kDims + 2 * d), 0xFFFF);
        }
      },
      Status::kBadTensor, kStemWeights, tensor_record::kDims);
}

TEST(ModelReaderTensorTest, SizeIsTheProductOfDimensions) {
  expect_tensor_error(
      [](Bytes& b) { put_u32(b, tensor_field(kStem, tensor_record::kSizeBytes), 129); },
      Status::kBadTensor, kStem, tensor_record::kSizeBytes);
}

TEST(ModelReaderTensorTest, ZeroPoints) {
  for (uint32_t zp : {128u, static_cast<uint32_t>(-129)}) {
    expect_tensor_error(
        [zp](Bytes& b) { put_u32(b, tensor_field(kStem, tensor_record::kZeroPoint), zp); },
        Status::kBadTensor, kStem, tensor_record::kZeroPoint);
  }
  // Weights are symmetric.
  expect_tensor_error(
      [](Bytes& b) { put_u32(b, tensor_field(kStemWeights, tensor_record::kZeroPoint), 1); },
      Status::kBadTensor, kStemWeights, tensor_record::kZeroPoint);
}

TEST(ModelReaderTensorTest, ScalesAreFiniteAndNonNegative) {
  const uint32_t scale = tensor_field(kStem, tensor_record::kScale);
  expect_tensor_error([scale](Bytes& b) { put_u32(b, scale, 0x7FC00000u); }, Status::kBadTensor,
                      kStem, tensor_record::kScale);
  expect_tensor_error([scale](Bytes& b) { put_u32(b, scale, 0x7F800000u); }, Status::kBadTensor,
                      kStem, tensor_record::kScale);
  expect_tensor_error([scale](Bytes& b) { put_f32(b, scale, -0.5f); }, Status::kBadTensor, kStem,
                      tensor_record::kScale);
  expect_tensor_error([scale](Bytes& b) { put_f32(b, scale, 0.0f); }, Status::kBadTensor, kStem,
                      tensor_record::kScale);
  expect_valid(
      [](Bytes& b) { put_f32(b, tensor_field(kStemWeights, tensor_record::kScale), 0.25f); });
}

TEST(ModelReaderTensorTest, ArenaTensorsLieInsideTheArena) {
  expect_tensor_error(
      [](Bytes& b) {
        const uint32_t arena = load_u32(b.data() + header::kArenaSize);
        put_u32(b, tensor_field(kStem, tensor_record::kOffset), arena - 128 + 1);
      },
      Status::kTensorOutOfBounds, kStem, tensor_record::kOffset);
  expect_tensor_error(
      [](Bytes& b) { put_u32(b, tensor_field(kStem, tensor_record::kOffset), 0xFFFFFFF0u); },
      Status::kTensorOutOfBounds, kStem, tensor_record::kOffset);
}

TEST(ModelReaderTensorTest, ConstantsLieInsideThePoolFourAligned) {
  expect_tensor_error(
      [](Bytes& b) { put_u32(b, tensor_field(kStemWeights, tensor_record::kOffset), 2); },
      Status::kMisaligned, kStemWeights, tensor_record::kOffset);
  expect_tensor_error(
      [](Bytes& b) {
        put_u32(b, tensor_field(kStemWeights, tensor_record::kOffset),
                load_u32(b.data() + header::kConstantsSize) - 212);
      },
      Status::kTensorOutOfBounds, kStemWeights, tensor_record::kOffset);
}

// ---------------------------------------------------------------------------------------------
// Op records.

TEST(ModelReaderOpTest, KindFlagsAndActivationRange) {
  for (uint8_t kind : {uint8_t{0}, kOpKindCount, uint8_t{255}}) {
    expect_op_error([kind](Bytes& b) { put_u8(b, op_field(b, kStemOp, op_record::kKind), kind); },
                    Status::kBadOpKind, kStemOp, op_record::kKind);
  }
  expect_op_error([](Bytes& b) { put_u8(b, op_field(b, kStemOp, op_record::kFlags), 2); },
                  Status::kBadOpParameter, kStemOp, op_record::kFlags);
  expect_op_error(
      [](Bytes& b) {
        put_u8(b, op_field(b, kProjectOp, op_record::kActivationMin), 10);
        put_u8(b, op_field(b, kProjectOp, op_record::kActivationMax), 5);
      },
      Status::kBadOpParameter, kProjectOp, op_record::kActivationMax);
}

TEST(ModelReaderOpTest, OperandIndicesInRangeWithTheRightStorage) {
  const auto set_operand = [](uint16_t op, uint32_t field, uint16_t tensor) {
    return [=](Bytes& b) { put_u16(b, op_field(b, op, field), tensor); };
  };
  expect_op_error(set_operand(kStemOp, op_record::kInput0, kNoTensor), Status::kBadOperandIndex,
                  kStemOp, op_record::kInput0);
  expect_op_error(set_operand(kStemOp, op_record::kInput0, 14), Status::kBadOperandIndex, kStemOp,
                  op_record::kInput0);
  expect_op_error(set_operand(kStemOp, op_record::kInput0, kStemWeights), Status::kBadOperandIndex,
                  kStemOp, op_record::kInput0);
  expect_op_error(set_operand(kStemOp, op_record::kWeights, kStem), Status::kBadOperandIndex,
                  kStemOp, op_record::kWeights);
  expect_op_error(set_operand(kStemOp, op_record::kWeights, kNoTensor), Status::kBadOperandIndex,
                  kStemOp, op_record::kWeights);
  expect_op_error(set_operand(kStemOp, op_record::kOutput, kExpandWeights),
                  Status::kBadOperandIndex, kStemOp, op_record::kOutput);
  expect_op_error(set_operand(kStemOp, op_record::kInput1, kStem), Status::kBadOperandIndex,
                  kStemOp, op_record::kInput1);
  expect_op_error(set_operand(kAddOp, op_record::kInput1, kStemWeights), Status::kBadOperandIndex,
                  kAddOp, op_record::kInput1);
  expect_op_error(set_operand(kAddOp, op_record::kWeights, kStemWeights), Status::kBadOperandIndex,
                  kAddOp, op_record::kWeights);
  expect_op_error(set_operand(kExpandOp, op_record::kOutput, kStem), Status::kBadOperandIndex,
                  kExpandOp, op_record::kOutput);
  expect_op_error(set_operand(kAddOp, op_record::kOutput, kProject), Status::kBadOperandIndex,
                  kAddOp, op_record::kOutput);
}

TEST(ModelReaderOpTest, UnusedFieldsHoldTheirNoneValue) {
  expect_op_error([](Bytes& b) { put_u8(b, op_field(b, kClassifierOp, op_record::kKernelH), 1); },
                  Status::kBadOpParameter, kClassifierOp, op_record::kKernelH);
  expect_op_error([](Bytes& b) { put_u8(b, op_field(b, kGapOp, op_record::kPadRight), 1); },
                  Status::kBadOpParameter, kGapOp, op_record::kPadRight);
  expect_op_error([](Bytes& b) { put_u32(b, op_field(b, kAddOp, op_record::kBiasOffset), 0); },
                  Status::kBadOpParameter, kAddOp, op_record::kBiasOffset);
  expect_op_error(
      [](Bytes& b) { put_u32(b, op_field(b, kPoolOp, op_record::kMultiplierOffset), 0); },
      Status::kBadOpParameter, kPoolOp, op_record::kMultiplierOffset);
  expect_op_error([](Bytes& b) { put_u32(b, op_field(b, kStemOp, op_record::kLeftShift), 20); },
                  Status::kBadOpParameter, kStemOp, op_record::kLeftShift);
  expect_op_error(
      [](Bytes& b) { put_u32(b, op_field(b, kGapOp, op_record::kInput0Multiplier), 5); },
      Status::kBadOpParameter, kGapOp, op_record::kInput0Multiplier);
  expect_op_error(
      [](Bytes& b) { put_u32(b, op_field(b, kStemOp, op_record::kOutputMultiplier), 1); },
      Status::kBadOpParameter, kStemOp, op_record::kOutputMultiplier);
  expect_op_error(
      [](Bytes& b) { put_u32(b, op_field(b, kPoolOp, op_record::kOutputShift), 0xFFFFFFFFu); },
      Status::kBadOpParameter, kPoolOp, op_record::kOutputShift);
}

TEST(ModelReaderOpTest, KernelStrideAndPaddingRanges) {
  struct Case {
    uint32_t field;
    uint8_t value;
  };
  const Case cases[] = {
      {op_record::kKernelH, 0},  {op_record::kKernelH, 12},  {op_record::kKernelW, 0},
      {op_record::kKernelW, 12}, {op_record::kStrideH, 0},   {op_record::kStrideH, 5},
      {op_record::kStrideW, 0},  {op_record::kStrideW, 5},   {op_record::kPadTop, 3},
      {op_record::kPadLeft, 3},  {op_record::kPadBottom, 3}, {op_record::kPadRight, 3},
  };
  for (const Case& c : cases) {
    expect_op_error([c](Bytes& b) { put_u8(b, op_field(b, kDepthwiseOp, c.field), c.value); },
                    Status::kBadOpParameter, kDepthwiseOp, c.field);
  }
}

TEST(ModelReaderOpTest, ConvShapes) {
  // Kernel field disagrees with the weights.
  expect_op_error([](Bytes& b) { put_u8(b, op_field(b, kStemOp, op_record::kKernelH), 5); },
                  Status::kShapeMismatch, kStemOp, op_record::kWeights);
  // Weights with the wrong input channel count.
  expect_op_error(
      [](Bytes& b) { put_u16(b, op_field(b, kExpandOp, op_record::kWeights), kProjectWeights); },
      Status::kShapeMismatch, kExpandOp, op_record::kWeights);
  // Output channels differ from the weights' output channels.
  expect_op_error(
      [](Bytes& b) {
        put_u16(b, tensor_field(kExpand, tensor_record::kDims + 6), 15);
        put_u32(b, tensor_field(kExpand, tensor_record::kSizeBytes), 4 * 4 * 15);
      },
      Status::kShapeMismatch, kExpandOp, op_record::kOutput);
  // out = floor((in + pads - k) / stride) + 1 must hold exactly.
  expect_op_error([](Bytes& b) { put_u8(b, op_field(b, kStemOp, op_record::kStrideH), 3); },
                  Status::kShapeMismatch, kStemOp, op_record::kOutput);
  expect_valid([](Bytes& b) { put_u8(b, op_field(b, kStemOp, op_record::kPadBottom), 0); });
}

TEST(ModelReaderOpTest, DepthwiseShapes) {
  expect_op_error(
      [](Bytes& b) { put_u16(b, op_field(b, kDepthwiseOp, op_record::kWeights), kStemWeights); },
      Status::kShapeMismatch, kDepthwiseOp, op_record::kWeights);
  expect_op_error([](Bytes& b) { put_u8(b, op_field(b, kDepthwiseOp, op_record::kStrideW), 2); },
                  Status::kShapeMismatch, kDepthwiseOp, op_record::kOutput);
}

TEST(ModelReaderOpTest, FullyConnectedShapes) {
  expect_op_error(
      [](Bytes& b) {
        put_u16(b, op_field(b, kClassifierOp, op_record::kWeights), kProjectWeights);
      },
      Status::kShapeMismatch, kClassifierOp, op_record::kWeights);
  expect_op_error(
      [](Bytes& b) {
        put_u16(b, tensor_field(kLogits, tensor_record::kDims + 6), 9);
        put_u32(b, tensor_field(kLogits, tensor_record::kSizeBytes), 9);
      },
      Status::kShapeMismatch, kClassifierOp, op_record::kOutput);
}

TEST(ModelReaderOpTest, AddShapes) {
  expect_op_error([](Bytes& b) { put_u16(b, op_field(b, kAddOp, op_record::kInput1), kExpand); },
                  Status::kShapeMismatch, kAddOp, op_record::kInput1);
  expect_op_error(
      [](Bytes& b) {
        put_u16(b, tensor_field(kResidual, tensor_record::kDims + 6), 7);
        put_u32(b, tensor_field(kResidual, tensor_record::kSizeBytes), 4 * 4 * 7);
      },
      Status::kShapeMismatch, kAddOp, op_record::kOutput);
}

TEST(ModelReaderOpTest, PoolShapesAndQuantization) {
  expect_op_error([](Bytes& b) { put_u8(b, op_field(b, kPoolOp, op_record::kStrideH), 1); },
                  Status::kShapeMismatch, kPoolOp, op_record::kOutput);
  expect_op_error([](Bytes& b) { put_u32(b, tensor_field(kPool, tensor_record::kZeroPoint), 0); },
                  Status::kBadOpParameter, kPoolOp, op_record::kOutput);
  expect_op_error(
      [](Bytes& b) {
        put_u16(b, tensor_field(kGap, tensor_record::kDims + 4), 2);
        put_u32(b, tensor_field(kGap, tensor_record::kSizeBytes), 16);
      },
      Status::kShapeMismatch, kGapOp, op_record::kOutput);
}

TEST(ModelReaderOpTest, ConstantArraysAlignedInsideThePool) {
  expect_op_error(
      [](Bytes& b) {
        const uint32_t at = op_field(b, kStemOp, op_record::kBiasOffset);
        put_u32(b, at, load_u32(b.data() + at) + 2);
      },
      Status::kMisaligned, kStemOp, op_record::kBiasOffset);
  expect_op_error(
      [](Bytes& b) {
        put_u32(b, op_field(b, kStemOp, op_record::kBiasOffset),
                load_u32(b.data() + header::kConstantsSize) - 28);
      },
      Status::kConstantOutOfBounds, kStemOp, op_record::kBiasOffset);
  expect_op_error(
      [](Bytes& b) { put_u32(b, op_field(b, kStemOp, op_record::kMultiplierOffset), 0xFFFFFFF0u); },
      Status::kConstantOutOfBounds, kStemOp, op_record::kMultiplierOffset);
  expect_op_error(
      [](Bytes& b) { put_u32(b, op_field(b, kStemOp, op_record::kMultiplierOffset), kNoOffset); },
      Status::kMisaligned, kStemOp, op_record::kMultiplierOffset);
  expect_op_error(
      [](Bytes& b) {
        const uint32_t at = op_field(b, kClassifierOp, op_record::kShiftOffset);
        put_u32(b, at, load_u32(b.data() + at) + 1);
      },
      Status::kMisaligned, kClassifierOp, op_record::kShiftOffset);
}

// Writes int32 value into channel `channel` of an op's constant array.
void put_constant(Bytes& b, uint16_t op, uint32_t offset_field, uint32_t channel, int32_t value) {
  const uint32_t array = load_u32(b.data() + op_field(b, op, offset_field));
  put_u32(b, pool_offset(b) + array + 4 * channel, static_cast<uint32_t>(value));
}

TEST(ModelReaderOpTest, MultipliersNonNegativeShiftsInRange) {
  expect_op_error([](Bytes& b) { put_constant(b, kStemOp, op_record::kMultiplierOffset, 3, -1); },
                  Status::kBadOpParameter, kStemOp, op_record::kMultiplierOffset);
  expect_op_error([](Bytes& b) { put_constant(b, kExpandOp, op_record::kShiftOffset, 0, 31); },
                  Status::kBadOpParameter, kExpandOp, op_record::kShiftOffset);
  expect_op_error([](Bytes& b) { put_constant(b, kDepthwiseOp, op_record::kShiftOffset, 15, -32); },
                  Status::kBadOpParameter, kDepthwiseOp, op_record::kShiftOffset);
  expect_valid([](Bytes& b) { put_constant(b, kStemOp, op_record::kMultiplierOffset, 3, 0); });
}

// For every input the int32 accumulator |bias| + 255 * sum|w| and its requantization must fit.
TEST(ModelReaderOpTest, AccumulatorsCannotOverflow) {
  expect_op_error([](Bytes& b) { put_constant(b, kStemOp, op_record::kBiasOffset, 0, 0x7FFFFFFF); },
                  Status::kBadOpParameter, kStemOp, op_record::kWeights);
  expect_op_error([](Bytes& b) { put_constant(b, kClassifierOp, op_record::kShiftOffset, 2, 30); },
                  Status::kBadOpParameter, kClassifierOp, op_record::kShiftOffset);
  expect_valid([](Bytes& b) { put_constant(b, kClassifierOp, op_record::kShiftOffset, 2, 5); });
}

TEST(ModelReaderOpTest, AddParameters) {
  const auto set = [](uint32_t field, int32_t value) {
    return [=](Bytes& b) { put_u32(b, op_field(b, kAddOp, field), static_cast<uint32_t>(value)); };
  };
  expect_op_error(set(op_record::kLeftShift, -1), Status::kBadOpParameter, kAddOp,
                  op_record::kLeftShift);
  expect_op_error(set(op_record::kLeftShift, 31), Status::kBadOpParameter, kAddOp,
                  op_record::kLeftShift);
  // In range, but (x - zp) << 24 overflows int32.
  expect_op_error(set(op_record::kLeftShift, 24), Status::kBadOpParameter, kAddOp,
                  op_record::kLeftShift);
  expect_op_error(set(op_record::kInput0Shift, 1), Status::kBadOpParameter, kAddOp,
                  op_record::kInput0Shift);
  expect_op_error(set(op_record::kInput1Shift, -32), Status::kBadOpParameter, kAddOp,
                  op_record::kInput1Shift);
  expect_op_error(set(op_record::kInput0Multiplier, -1), Status::kBadOpParameter, kAddOp,
                  op_record::kInput0Multiplier);
  expect_op_error(set(op_record::kInput1Multiplier, -1), Status::kBadOpParameter, kAddOp,
                  op_record::kInput1Multiplier);
  expect_op_error(set(op_record::kOutputMultiplier, -1), Status::kBadOpParameter, kAddOp,
                  op_record::kOutputMultiplier);
  expect_op_error(set(op_record::kOutputShift, 31), Status::kBadOpParameter, kAddOp,
                  op_record::kOutputShift);
  expect_op_error(set(op_record::kOutputShift, 20), Status::kBadOpParameter, kAddOp,
                  op_record::kOutputShift);
}

TEST(ModelReaderOpTest, GlobalPoolParameters) {
  const auto set = [](uint32_t field, int32_t value) {
    return [=](Bytes& b) { put_u32(b, op_field(b, kGapOp, field), static_cast<uint32_t>(value)); };
  };
  expect_op_error(set(op_record::kOutputMultiplier, -1), Status::kBadOpParameter, kGapOp,
                  op_record::kOutputMultiplier);
  expect_op_error(set(op_record::kOutputShift, -32), Status::kBadOpParameter, kGapOp,
                  op_record::kOutputShift);
  expect_op_error(set(op_record::kOutputShift, 30), Status::kBadOpParameter, kGapOp,
                  op_record::kOutputShift);
}

TEST(ModelReaderOpTest, GlobalPoolSumsMustFitInt32) {
  compiler::Graph graph;
  graph.input = compiler::testing::add_activation(graph, "x", 2, 2, 1, 0.1f, 0);
  graph.output = compiler::testing::add_activation(graph, "mean", 1, 1, 1, 0.1f, 0);
  compiler::Op gap;
  gap.kind = OpKind::kGlobalAveragePool;
  gap.inputs.push_back(graph.input);
  gap.output = graph.output;
  graph.add_op(gap);
  Bytes b = compiler::write_model(graph, make_sequential_plan(graph, false));
  ASSERT_EQ(validate(b).status, Status::kOk);
  // 4096 x 4096 pixels: 256 * H * W no longer fits an int32 sum.
  constexpr uint32_t kSide = 4096;
  put_u16(b, tensor_field(0, tensor_record::kDims + 2), kSide);
  put_u16(b, tensor_field(0, tensor_record::kDims + 4), kSide);
  put_u32(b, tensor_field(0, tensor_record::kSizeBytes), kSide * kSide);
  put_u32(b, header::kArenaSize, kSide * kSide + 8);
  fix_crc(b);
  const ValidationError e = validate(b);
  EXPECT_EQ(e.status, Status::kShapeMismatch) << describe(e);
  EXPECT_EQ(e.section, ModelSection::kOpTable);
  EXPECT_EQ(e.index, 0);
  EXPECT_EQ(e.field, op_record::kInput0);
}

TEST(ModelReaderOpTest, InPlaceOnlyOnDepthwiseAtTheInputOffset) {
  // On a convolution.
  expect_op_error(
      [](Bytes& b) { put_u8(b, op_field(b, kStemOp, op_record::kFlags), kOpFlagInPlace); },
      Status::kBadOpParameter, kStemOp, op_record::kFlags, /*in_place=*/true);
  // The model does not declare in-place depthwise.
  expect_op_error([](Bytes& b) { put_u32(b, header::kFlags, 0); }, Status::kBadOpParameter,
                  kDepthwiseOp, op_record::kFlags, /*in_place=*/true);
  // Output not at the input's offset.
  expect_op_error(
      [](Bytes& b) {
        put_u32(b, tensor_field(kDepthwise, tensor_record::kOffset),
                load_u32(b.data() + tensor_field(kExpand, tensor_record::kOffset)) + 1);
      },
      Status::kBadOpParameter, kDepthwiseOp, op_record::kFlags, /*in_place=*/true);
  // A flag without the plan (separate buffers, no scratch for the ring).
  expect_op_error(
      [](Bytes& b) {
        put_u8(b, op_field(b, kDepthwiseOp, op_record::kFlags), kOpFlagInPlace);
        put_u32(b, header::kFlags, kModelFlagInPlaceDepthwise);
      },
      Status::kBadOpParameter, kDepthwiseOp, op_record::kFlags);
}

TEST(ModelReaderOpTest, ScratchWithinTheModelsAndAtLeastTheKernelsNeed) {
  expect_op_error(
      [](Bytes& b) {
        put_u32(b, op_field(b, kStemOp, op_record::kScratchBytes),
                load_u32(b.data() + header::kScratchSize) + 1);
      },
      Status::kBadOpParameter, kStemOp, op_record::kScratchBytes, /*in_place=*/true);
  expect_op_error(
      [](Bytes& b) {
        put_u32(b, op_field(b, kDepthwiseOp, op_record::kScratchBytes),
                load_u32(b.data() + op_field(b, kDepthwiseOp, op_record::kScratchBytes)) - 1);
      },
      Status::kBadOpParameter, kDepthwiseOp, op_record::kScratchBytes, /*in_place=*/true);
}

TEST(ModelReaderOpTest, OpsReadOnlyTensorsThatExistAndWriteEachOnce) {
  // Reads the project output before op 3 has produced it.
  expect_op_error(
      [](Bytes& b) { put_u16(b, op_field(b, kExpandOp, op_record::kInput0), kProject); },
      Status::kBadOperandIndex, kExpandOp, op_record::kInput0);
  // Writes the stem output a second time.
  expect_op_error([](Bytes& b) { put_u16(b, op_field(b, kProjectOp, op_record::kOutput), kStem); },
                  Status::kBadOperandIndex, kProjectOp, op_record::kOutput);
}

void move_tensor(Bytes& b, uint16_t tensor, uint16_t onto, int32_t delta = 0) {
  const uint32_t offset = load_u32(b.data() + tensor_field(onto, tensor_record::kOffset));
  put_u32(b, tensor_field(tensor, tensor_record::kOffset),
          static_cast<uint32_t>(static_cast<int64_t>(offset) + delta));
}

TEST(ModelReaderOpTest, LiveTensorsDoNotShareArenaBytes) {
  // The project output over the block input, which the add still needs.
  expect_op_error([](Bytes& b) { move_tensor(b, kProject, kStem); }, Status::kArenaOverlap,
                  kProjectOp, op_record::kOutput);
  // The stem output over the model input that the stem conv is reading.
  expect_op_error([](Bytes& b) { move_tensor(b, kStem, kInputTensor); }, Status::kArenaOverlap,
                  kStemOp, op_record::kOutput);
  // The add output overlapping an input it does not exactly cover.
  expect_op_error([](Bytes& b) { move_tensor(b, kResidual, kProject, 1); }, Status::kArenaOverlap,
                  kAddOp, op_record::kOutput);
  // In place, but the depthwise input is read again later.
  expect_op_error(
      [](Bytes& b) { put_u16(b, op_field(b, kProjectOp, op_record::kInput0), kExpand); },
      Status::kArenaOverlap, kDepthwiseOp, op_record::kOutput, /*in_place=*/true);
}

TEST(ModelReaderOpTest, DeadTensorsAndAddAliasesMayShareArenaBytes) {
  expect_valid([](Bytes& b) { move_tensor(b, kPool, kExpand); });       // expand died at op 2
  expect_valid([](Bytes& b) { move_tensor(b, kResidual, kProject); });  // add output = input
  expect_valid([](Bytes& b) { move_tensor(b, kResidual, kStem); });
  expect_valid([](Bytes&) {}, /*in_place=*/true);
}

// ---------------------------------------------------------------------------------------------
// Robustness.

TEST(ModelReaderRobustnessTest, EveryTruncationIsRejected) {
  for (bool in_place : {false, true}) {
    const Bytes b = model_bytes(in_place);
    for (uint32_t length = 0; length < b.size(); ++length) {
      // An exactly sized copy, so any read past `length` is an ASan error.
      std::unique_ptr<uint8_t[]> copy(new uint8_t[length == 0 ? 1 : length]);
      std::memcpy(copy.get(), b.data(), length);
      ValidationError e;
      ASSERT_EQ(validate_model(copy.get(), length, nullptr, &e), Status::kTruncated) << length;
    }
  }
}

// Runs a model that passed validation on an arena of exactly its declared size (flips of the
// header's arena or scratch size may declare up to 2 GiB: those are not run).
void run_if_valid(const Bytes& b) {
  constexpr uint32_t kMaxRunBytes = 1u << 22;
  ModelView view;
  if (validate_model(b.data(), static_cast<uint32_t>(b.size()), &view, nullptr) != Status::kOk ||
      view.arena_size() > kMaxRunBytes || view.scratch_size() > kMaxRunBytes) {
    return;
  }
  std::unique_ptr<uint8_t[]> arena(new uint8_t[view.arena_size() + 1]());
  std::unique_ptr<uint8_t[]> scratch(new uint8_t[view.scratch_size() + 1]());
  Interpreter interpreter;
  ASSERT_EQ(
      interpreter.init(view, arena.get(), view.arena_size(), scratch.get(), view.scratch_size()),
      Status::kOk);
  EXPECT_EQ(interpreter.invoke(), Status::kOk);
}

TEST(ModelReaderRobustnessTest, BodyByteFlipsFailTheChecksum) {
  compiler::testing::TestRandom random(7);
  const Bytes valid = model_bytes(true);
  for (int trial = 0; trial < 2000; ++trial) {
    Bytes b = valid;
    const int flips = random.uniform(1, 4);
    for (int f = 0; f < flips; ++f) {
      const uint32_t at = kHeaderSize + random.next() % (b.size() - kHeaderSize);
      b[at] ^= static_cast<uint8_t>(random.uniform(1, 255));
    }
    if (b == valid) continue;
    ASSERT_EQ(validate(b).status, Status::kChecksumMismatch) << trial;
  }
}

TEST(ModelReaderRobustnessTest, ByteFlipsWithAFixedChecksumNeverCrash) {
  compiler::testing::TestRandom random(11);
  int accepted = 0;
  for (bool in_place : {false, true}) {
    const Bytes valid = model_bytes(in_place);
    for (int trial = 0; trial < 3000; ++trial) {
      Bytes b = valid;
      const int flips = random.uniform(1, 3);
      for (int f = 0; f < flips; ++f) {
        b[random.next() % b.size()] ^= static_cast<uint8_t>(1u << random.uniform(0, 7));
      }
      fix_crc(b);
      const ValidationError e = validate(b);
      if (e.status == Status::kOk) ++accepted;
      run_if_valid(b);
    }
  }
  // Most flips hit a checked field; some (weights, bias, scales) leave a valid model.
  EXPECT_GT(accepted, 0);
  EXPECT_LT(accepted, 6000);
}

}  // namespace
}  // namespace tinynas::runtime
