// The on-disk layout of a .tnm model file, shared by the reader (runtime) and the writer
// (compiler). Everything is little-endian. See ../../docs/model-format.md for the prose.
// Version 2 adds op kinds (max pool, softmax, reshape view, pad, concatenation, int8
// requantization, TFLite MEAN), depthwise depth multipliers > 1 and real-valued model edges;
// a version-1 file means what it always meant. Version 3 adds the training section
// (kModelFlagTraining, training_format.h); without that flag it means what version 2 means.
//
//   [header 64 B][tensor table: tensor_count x 32 B][op table: op_count x 64 B][constant pool]
//
// The CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) covers bytes [header_size,
// file_size). Constant-pool offsets are relative to constants_offset; the pool starts on a
// 16-byte boundary of the file and every int32 array in it is 4-byte aligned.
#pragma once

#include <stdint.h>

namespace tinynas::runtime {

inline constexpr uint32_t kModelMagic = 0x314D4E54u;  // "TNM1" read as little-endian u32
inline constexpr uint16_t kFormatVersion = 3;         // the newest version this runtime reads
inline constexpr uint16_t kOldestFormatVersion = 1;   // the oldest
inline constexpr uint32_t kHeaderSize = 64;
inline constexpr uint32_t kTensorRecordSize = 32;
inline constexpr uint32_t kOpRecordSize = 64;
inline constexpr uint32_t kConstantPoolAlignment = 16;
inline constexpr uint16_t kNoTensor = 0xFFFF;
inline constexpr uint32_t kNoOffset = 0xFFFFFFFFu;
inline constexpr uint16_t kMaxTensors = 4096;
inline constexpr uint16_t kMaxOps = 2048;
inline constexpr int kMaxTensorDim = 65535;  // tensor dims are u16 in the tensor record
inline constexpr int kMaxKernelSize = 11;    // largest kernel side any op may use
inline constexpr int kMaxStride = 4;

// Byte offsets of the header fields.
namespace header {
inline constexpr uint32_t kMagic = 0;               // u32
inline constexpr uint32_t kVersion = 4;             // u16
inline constexpr uint32_t kHeaderSizeField = 6;     // u16, == kHeaderSize
inline constexpr uint32_t kFileSize = 8;            // u32, total bytes of the file
inline constexpr uint32_t kCrc32 = 12;              // u32, over [header_size, file_size)
inline constexpr uint32_t kTensorCount = 16;        // u16
inline constexpr uint32_t kOpCount = 18;            // u16
inline constexpr uint32_t kTensorTableOffset = 20;  // u32
inline constexpr uint32_t kOpTableOffset = 24;      // u32
inline constexpr uint32_t kConstantsOffset = 28;    // u32, multiple of kConstantPoolAlignment
inline constexpr uint32_t kConstantsSize = 32;      // u32
inline constexpr uint32_t kArenaSize = 36;          // u32, bytes of the planned arena
inline constexpr uint32_t kScratchSize = 40;        // u32, bytes of the shared scratch buffer
inline constexpr uint32_t kInputTensor = 44;        // u16
inline constexpr uint32_t kOutputTensor = 46;       // u16
inline constexpr uint32_t kFlags = 48;              // u32, ModelFlags
inline constexpr uint32_t kReserved = 52;           // 12 bytes, zero but for the fields below
// With kModelFlagScratchInArena (else zero): the scratch buffer is part of the arena (and
// scratch_size is 0: the caller supplies none).
inline constexpr uint32_t kArenaScratchOffset = 52;  // u32, arena offset, multiple of 4
inline constexpr uint32_t kArenaScratchBytes = 56;   // u32, > 0, max over the ops' scratch_bytes
// With kModelFlagPatchStage (else zero): ops [0, patch_split) run once per patch of a
// patch_grid x patch_grid split of op patch_split - 1's output (see PatchStage below).
inline constexpr uint32_t kPatchGrid = 60;   // u16, [2, kMaxPatchGrid]
inline constexpr uint32_t kPatchSplit = 62;  // u16, [1, min(op_count - 1, kMaxPatchStageOps)]
}  // namespace header

// Patch-based inference (MCUNetV2, Lin et al., NeurIPS 2021, section 3.1): limits that keep the
// runtime's per-patch bookkeeping on the stack.
inline constexpr int32_t kMaxPatchGrid = 16;
inline constexpr int32_t kMaxPatchStageOps = 32;

enum ModelFlags : uint32_t {
  kModelFlagInPlaceDepthwise = 1u << 0,  // the plan uses in-place depthwise convolutions
  kModelFlagFusedRows = 1u << 1,         // the plan runs inverted-residual groups row-streamed
  kModelFlagPatchStage = 1u << 2,        // ops [0, patch_split) run patch by patch
  kModelFlagScratchInArena = 1u << 3,    // the scratch buffer lives in the arena (time-shared)
  // Version 2: the network's interface is real-valued at the input (output): the caller quantizes
  // real inputs with the input tensor's scale and zero point (TFLite QUANTIZE float -> int8) and
  // dequantizes the output (TFLite DEQUANTIZE). The int8 graph in between is unchanged.
  kModelFlagRealInput = 1u << 4,
  kModelFlagRealOutput = 1u << 5,
  // Some ops form streamed stages (kOpFlagStreamed): rows flow from op to op through rings.
  kModelFlagStreamedStages = 1u << 6,
  // Version 3: a training section (training_format.h) follows the constant pool, from the first
  // kConstantPoolAlignment boundary after it to the end of the file.
  kModelFlagTraining = 1u << 7,
};

enum class DType : uint8_t { kInt8 = 1, kInt32 = 2 };
// kStreamed: an activation inside a fused group (kOpFlagFusedRows) that is never stored whole;
// it has no arena bytes (offset 0) and lives only row by row in the group kernel's scratch.
// kPatched: an activation inside the patch stage (kModelFlagPatchStage) other than the split
// layer's output; the arena holds only one patch's region of it, patch_region_bytes at offset.
// kRing: the output of a streamed-stage op other than the stage's last (kOpFlagStreamed); the
// arena holds a ring of ring_rows of its rows at offset (row r in ring row r mod ring_rows).
enum class Storage : uint8_t { kArena = 0, kConstant = 1, kStreamed = 2, kPatched = 3, kRing = 4 };

// Byte offsets within a 32-byte tensor record.
namespace tensor_record {
inline constexpr uint32_t kDType = 0;       // u8, DType
inline constexpr uint32_t kStorage = 1;     // u8, Storage
inline constexpr uint32_t kReserved0 = 2;   // u16, zero unless Storage::kRing:
inline constexpr uint32_t kRingRows = 2;    // u16, kRing: rows the ring holds, [1, H]
inline constexpr uint32_t kDims = 4;        // 4 x u16: N, H, W, C (activations NHWC;
                                            // conv weights O,KH,KW,I; depthwise 1,KH,KW,C;
                                            // fully-connected O,1,1,I)
inline constexpr uint32_t kOffset = 12;     // u32, arena offset or constant-pool offset
inline constexpr uint32_t kSizeBytes = 16;  // u32, == product(dims) * sizeof(dtype)
inline constexpr uint32_t kZeroPoint = 20;  // i32, [-128, 127] for int8
inline constexpr uint32_t kScale = 24;      // f32, informational (the runtime uses integers only)
inline constexpr uint32_t kReserved1 = 28;  // u32, zero unless Storage::kPatched:
inline constexpr uint32_t kPatchRegionBytes = 28;  // u32, kPatched: arena bytes of the largest
                                                   // region any patch holds (the geometry's)
}  // namespace tensor_record

enum class OpKind : uint8_t {
  kConv2d = 1,             // kh x kw convolution, zero padding; 1x1 stride 1 is the pointwise case
  kDepthwiseConv2d = 2,    // depth multiplier C_out / C_in (1 in version 1); kOpFlagInPlace:
                           // output overwrites input (multiplier 1)
  kAdd = 3,                // elementwise add of two differently quantized int8 tensors
  kAveragePool2d = 4,      // k x k window, same quantization in and out (TFLite AVERAGE_POOL_2D)
  kGlobalAveragePool = 5,  // mean over H x W, 1 / (H * W) folded into the output multiplier
  kFullyConnected = 6,     // per-channel weights, input flattened
  // Version 2.
  kMaxPool2d = 7,       // k x k window, same quantization in and out (TFLite MAX_POOL_2D)
  kSoftmax = 8,         // over C per pixel (TFLite SOFTMAX int8, output scale 1/256, zp -128)
  kReshape = 9,         // a view: the output is the input's bytes under another shape (TFLite
                        // RESHAPE, SQUEEZE); nothing runs
  kPad = 10,            // constant padding of H and W with the zero point (TFLite PAD)
  kConcatenation = 11,  // along C of 2..kMaxConcatInputs inputs (TFLite CONCATENATION)
  kQuantize = 12,       // int8 -> int8 requantization (TFLite QUANTIZE between int8 tensors)
  kMean = 13,           // mean over H x W with TFLite Micro's arithmetic (TFLite MEAN)
};
inline constexpr uint8_t kOpKindCount = 14;         // one past the largest kind
inline constexpr uint8_t kVersion1OpKindCount = 7;  // one past the largest kind of version 1

enum OpFlags : uint8_t {
  kOpFlagInPlace = 1u << 0,  // depthwise only: output tensor starts at the input's arena offset
  // On all three ops of a fused inverted-residual group: expand 1x1 conv -> depthwise ->
  // project 1x1 conv, consecutive, run together by inverted_residual_rows_s8 when the expand op
  // comes up (the other two then do nothing). The two inner tensors are Storage::kStreamed.
  kOpFlagFusedRows = 1u << 1,
  // Row streaming across ops (streamed_geometry.h): a streamed stage is an op with
  // kOpFlagStreamed | kOpFlagStreamStart followed by the ops with kOpFlagStreamed alone, at least
  // kMinStreamedStageOps in all. Each output row of each op is computed once, when a later op of
  // the stage needs it; every output but the last op's is a ring (Storage::kRing).
  kOpFlagStreamed = 1u << 2,
  kOpFlagStreamStart = 1u << 3,
};
inline constexpr int kFusedGroupOpCount = 3;  // expand, depthwise, project
// Limits of a streamed stage: the executor keeps each op's row state on the stack.
inline constexpr int32_t kMinStreamedStageOps = 2;
inline constexpr int32_t kMaxStreamedStageOps = 64;

// Byte offsets within a 64-byte op record. Unused fields are zero (or kNoTensor/kNoOffset).
namespace op_record {
inline constexpr uint32_t kKind = 0;               // u8, OpKind
inline constexpr uint32_t kFlags = 1;              // u8, OpFlags
inline constexpr uint32_t kActivationMin = 2;      // i8, fused clamp (ReLU/ReLU6 quantized)
inline constexpr uint32_t kActivationMax = 3;      // i8, >= activation_min
inline constexpr uint32_t kInput0 = 4;             // u16, tensor index
inline constexpr uint32_t kInput1 = 6;             // u16, second input of kAdd, else kNoTensor
inline constexpr uint32_t kWeights = 8;            // u16, constant tensor or kNoTensor
inline constexpr uint32_t kOutput = 10;            // u16
inline constexpr uint32_t kKernelH = 12;           // u8
inline constexpr uint32_t kKernelW = 13;           // u8
inline constexpr uint32_t kStrideH = 14;           // u8
inline constexpr uint32_t kStrideW = 15;           // u8
inline constexpr uint32_t kPadTop = 16;            // u8
inline constexpr uint32_t kPadLeft = 17;           // u8
inline constexpr uint32_t kPadBottom = 18;         // u8
inline constexpr uint32_t kPadRight = 19;          // u8
inline constexpr uint32_t kBiasOffset = 20;        // u32, int32[out_channels] or kNoOffset
inline constexpr uint32_t kMultiplierOffset = 24;  // u32, int32[out_channels] (per-channel ops)
inline constexpr uint32_t kShiftOffset = 28;       // u32, int32[out_channels] (per-channel ops)
inline constexpr uint32_t kInput0Multiplier = 32;  // i32, kAdd
inline constexpr uint32_t kInput0Shift = 36;       // i32, kAdd, <= 0
inline constexpr uint32_t kInput1Multiplier = 40;  // i32, kAdd
inline constexpr uint32_t kInput1Shift = 44;       // i32, kAdd, <= 0
inline constexpr uint32_t kOutputMultiplier = 48;  // i32, kAdd and kGlobalAveragePool
inline constexpr uint32_t kOutputShift = 52;       // i32, kAdd and kGlobalAveragePool
inline constexpr uint32_t kLeftShift = 56;         // i32, kAdd (TFLite uses 20), [0, 30]
inline constexpr uint32_t kScratchBytes = 60;      // u32, this op's scratch need (<= scratch_size)
// Fields of the version-2 kinds, named for the kind that gives the bytes that meaning.
// kSoftmax (TFLite's precomputed softmax parameters):
inline constexpr uint32_t kSoftmaxInputMultiplier = 32;  // i32, Q31 multiplier of beta * scale
inline constexpr uint32_t kSoftmaxInputLeftShift = 36;   // i32, [0, 31]
inline constexpr uint32_t kSoftmaxDiffMin = 40;          // i32, <= 0
// kConcatenation: the input table in the constant pool (concat_input_table below).
inline constexpr uint32_t kConcatInputTable = 20;  // u32, pool offset of the table
inline constexpr uint32_t kConcatInputCount = 32;  // i32, [2, kMaxConcatInputs]
// kMean: which of TFLite Micro's three int8 MEAN computations (MeanMode) and its parameters.
inline constexpr uint32_t kMeanScale = 32;  // f32, kMeanFloat: input_scale / output_scale
inline constexpr uint32_t kMeanMode = 56;   // u32, MeanMode
}  // namespace op_record

// kConcatenation: one 12-byte entry per input, in concatenation order, 4-aligned in the pool.
// The op record's input0 is entry 0's tensor (input1 is kNoTensor).
inline constexpr int32_t kMaxConcatInputs = 16;
inline constexpr uint32_t kConcatInputEntrySize = 12;
namespace concat_input_entry {
inline constexpr uint32_t kTensor = 0;      // u16, an arena tensor
inline constexpr uint32_t kRequantize = 2;  // u8, 0: copy (same zero point), 1: requantize
inline constexpr uint32_t kReserved = 3;    // u8, zero
inline constexpr uint32_t kMultiplier = 4;  // i32, requantize: Q31 input_scale / output_scale
inline constexpr uint32_t kShift = 8;       // i32, requantize: [-31, 30]; copy: 0 and 0
}  // namespace concat_input_entry
inline uint32_t concat_input_table_bytes(int32_t inputs) {
  return static_cast<uint32_t>(inputs) * kConcatInputEntrySize;
}

// kMean: TFLite Micro computes an int8 MEAN over H and W in one of three ways (reduce_common.cc,
// EvalMeanHelper), chosen by keep_dims and by whether input and output share the quantization.
enum class MeanMode : uint8_t {
  // keep_dims: requantize sum(q - zp_in) with the Q31 multiplier of input_scale / output_scale,
  // divide by H * W rounding half away from zero, add zp_out (reference_integer_ops::Mean).
  kRescaleThenDivide = 0,
  // !keep_dims, same scale and zero point: sum(q) / (H * W), truncated (reference_ops::Mean).
  kTruncatedMean = 1,
  // !keep_dims, other quantization: round(sum(q) / (H * W) * scale - zp_in * scale) + zp_out in
  // single precision with scale = input_scale / output_scale (QuantizedMeanOrSum).
  kFloat = 2,
};
inline constexpr uint32_t kMeanModeCount = 3;

// Little-endian field access that works on any host and any alignment.
inline uint16_t load_u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
inline uint32_t load_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
inline int32_t load_i32(const uint8_t* p) { return static_cast<int32_t>(load_u32(p)); }

}  // namespace tinynas::runtime
