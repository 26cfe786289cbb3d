// The on-disk layout of a .tnm model file, shared by the reader (runtime) and the writer
// (compiler). Everything is little-endian. See ../../docs/model-format.md for the prose.
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
inline constexpr uint16_t kFormatVersion = 1;
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
};

enum class DType : uint8_t { kInt8 = 1, kInt32 = 2 };
// kStreamed: an activation inside a fused group (kOpFlagFusedRows) that is never stored whole;
// it has no arena bytes (offset 0) and lives only row by row in the group kernel's scratch.
// kPatched: an activation inside the patch stage (kModelFlagPatchStage) other than the split
// layer's output; the arena holds only one patch's region of it, patch_region_bytes at offset.
enum class Storage : uint8_t { kArena = 0, kConstant = 1, kStreamed = 2, kPatched = 3 };

// Byte offsets within a 32-byte tensor record.
namespace tensor_record {
inline constexpr uint32_t kDType = 0;       // u8, DType
inline constexpr uint32_t kStorage = 1;     // u8, Storage
inline constexpr uint32_t kReserved0 = 2;   // u16, zero
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
  kConv2d = 1,             // k x k convolution, zero padding; 1x1 stride 1 is the pointwise case
  kDepthwiseConv2d = 2,    // depth multiplier 1; kOpFlagInPlace: output overwrites input
  kAdd = 3,                // elementwise add of two differently quantized int8 tensors
  kAveragePool2d = 4,      // k x k window, same quantization in and out (TFLite AVERAGE_POOL_2D)
  kGlobalAveragePool = 5,  // mean over H x W with requantization (TFLite MEAN over axes 1,2)
  kFullyConnected = 6,     // per-channel weights, input flattened
};
inline constexpr uint8_t kOpKindCount = 7;  // one past the largest kind

enum OpFlags : uint8_t {
  kOpFlagInPlace = 1u << 0,  // depthwise only: output tensor starts at the input's arena offset
  // On all three ops of a fused inverted-residual group: expand 1x1 conv -> depthwise ->
  // project 1x1 conv, consecutive, run together by inverted_residual_rows_s8 when the expand op
  // comes up (the other two then do nothing). The two inner tensors are Storage::kStreamed.
  kOpFlagFusedRows = 1u << 1,
};
inline constexpr int kFusedGroupOpCount = 3;  // expand, depthwise, project

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
}  // namespace op_record

// Little-endian field access that works on any host and any alignment.
inline uint16_t load_u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
inline uint32_t load_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
inline int32_t load_i32(const uint8_t* p) { return static_cast<int32_t>(load_u32(p)); }

}  // namespace tinynas::runtime
