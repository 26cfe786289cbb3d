#include "engine/runtime/status.h"

namespace tinynas::runtime {

const char* status_message(Status status) {
  switch (status) {
    case Status::kOk:
      return "ok";
    case Status::kNullArgument:
      return "null argument";
    case Status::kTruncated:
      return "file truncated";
    case Status::kBadMagic:
      return "not a .tnm model file (bad magic)";
    case Status::kUnsupportedVersion:
      return "unsupported .tnm format version";
    case Status::kBadHeader:
      return "inconsistent header";
    case Status::kChecksumMismatch:
      return "CRC-32 checksum mismatch";
    case Status::kMisaligned:
      return "misaligned buffer or offset";
    case Status::kBadTensor:
      return "invalid tensor record";
    case Status::kTensorOutOfBounds:
      return "tensor outside the arena or constant pool";
    case Status::kBadOperandIndex:
      return "invalid operand tensor index";
    case Status::kBadOpKind:
      return "unknown op kind";
    case Status::kBadOpParameter:
      return "invalid op parameter";
    case Status::kShapeMismatch:
      return "operand shapes do not match the op";
    case Status::kConstantOutOfBounds:
      return "constant array outside the constant pool";
    case Status::kArenaTooSmall:
      return "arena smaller than the model's plan";
    case Status::kScratchTooSmall:
      return "scratch smaller than the model's plan";
    case Status::kNotInitialized:
      return "interpreter not initialized";
    case Status::kArenaOverlap:
      return "tensors live at the same time overlap in the arena";
    case Status::kBadFusedGroup:
      return "malformed fused inverted-residual group";
    case Status::kBadStreamedStage:
      return "bad streamed stage";
    case Status::kBadPatchStage:
      return "malformed patch stage";
    case Status::kBadTrainingSection:
      return "inconsistent training section";
    case Status::kUnsupportedTrainOp:
      return "train op this runtime cannot run";
  }
  return "unknown status";
}

const char* section_name(ModelSection section) {
  switch (section) {
    case ModelSection::kNone:
      return "file";
    case ModelSection::kHeader:
      return "header";
    case ModelSection::kTensorTable:
      return "tensor";
    case ModelSection::kOpTable:
      return "op";
    case ModelSection::kConstants:
      return "constant pool";
    case ModelSection::kTrainingHeader:
      return "training header";
    case ModelSection::kTrainTensorTable:
      return "train tensor";
    case ModelSection::kTrainOpTable:
      return "train op";
    case ModelSection::kTrainLayerTable:
      return "trained layer";
  }
  return "file";
}

bool section_has_records(ModelSection section) {
  return section == ModelSection::kTensorTable || section == ModelSection::kOpTable ||
         section == ModelSection::kTrainTensorTable || section == ModelSection::kTrainOpTable ||
         section == ModelSection::kTrainLayerTable;
}

}  // namespace tinynas::runtime
