// Error values of the runtime. The runtime is freestanding (no exceptions), so every fallible
// call returns a Status; a ValidationError adds where in the model file the problem is.
#pragma once

#include <stdint.h>

namespace tinynas::runtime {

enum class Status : uint8_t {
  kOk = 0,
  kNullArgument,
  kTruncated,            // the buffer is shorter than a table or record claims
  kBadMagic,             // not a .tnm file
  kUnsupportedVersion,   // a .tnm version this runtime does not read
  kBadHeader,            // a header field is inconsistent (sizes, counts, reserved bytes)
  kChecksumMismatch,     // CRC-32 over the body does not match the header
  kMisaligned,           // buffer or an offset is not aligned as the format requires
  kBadTensor,            // dtype, storage, shape or size of a tensor record is invalid
  kTensorOutOfBounds,    // a tensor's bytes lie outside the arena or the constant pool
  kBadOperandIndex,      // an op names a tensor index that does not exist or has the wrong role
  kBadOpKind,            // unknown op kind
  kBadOpParameter,       // kernel size, stride, padding, activation range, shift ... invalid
  kShapeMismatch,        // operand shapes do not agree with the op's parameters
  kConstantOutOfBounds,  // bias / multiplier / shift arrays lie outside the constant pool
  kArenaTooSmall,        // the caller's arena is smaller than the model's planned arena
  kScratchTooSmall,      // the caller's scratch is smaller than the model's planned scratch
  kNotInitialized,
  kArenaOverlap,        // two arena tensors live at the same time share bytes
  kBadFusedGroup,       // ops flagged fused are not expand 1x1 -> depthwise -> project 1x1 over
                        // streamed tensors, or a streamed tensor is used outside its group
  kBadPatchStage,       // patch grid / split out of range, an op the patch stage cannot run, a
                        // patched tensor used outside the stage, or region bytes / scratch that do
                        // not match the stage's geometry
  kBadStreamedStage,    // a streamed stage with a bad op range, an op that cannot stream, a ring
                        // tensor used outside its stage or a ring too small for its readers'
                        // windows, or scratch too small for a gathered window
  kBadTrainingSection,  // the training section's header, a train tensor, op or layer record is
                        // inconsistent with itself or with the model
  kUnsupportedTrainOp,  // a train op this runtime cannot run (a backward op kind without a
                        // kernel, an add's two input gradients written in different modes)
};

// A short, stable, human-readable name of a status ("checksum mismatch").
const char* status_message(Status status);

// Which table of the model file a validation error refers to.
enum class ModelSection : uint8_t {
  kNone = 0,
  kHeader,
  kTensorTable,
  kOpTable,
  kConstants,
  // The training section (training_format.h): its header, and records of its three tables.
  kTrainingHeader,
  kTrainTensorTable,
  kTrainOpTable,
  kTrainLayerTable,
};

struct ValidationError {
  Status status = Status::kOk;
  ModelSection section = ModelSection::kNone;
  uint16_t index = 0;  // record index within its table
  uint32_t field = 0;  // byte offset of the offending field within its record (or file)
};

const char* section_name(ModelSection section);
// Whether errors in `section` name a record index (tables), not only a field (headers, pool).
bool section_has_records(ModelSection section);

}  // namespace tinynas::runtime
