// Human-readable names of protocol enums, for error messages on the host and in tests.
#include "firmware/protocol/protocol.h"

namespace tinynas::firmware::protocol {

const char* command_name(uint8_t command) {
  switch (static_cast<Command>(command & static_cast<uint8_t>(~kReplyFlag))) {
    case Command::kHello:
      return "HELLO";
    case Command::kLoadBegin:
      return "LOAD_BEGIN";
    case Command::kLoadChunk:
      return "LOAD_CHUNK";
    case Command::kLoadEnd:
      return "LOAD_END";
    case Command::kInput:
      return "INPUT";
    case Command::kRun:
      return "RUN";
    case Command::kPerOp:
      return "PER_OP";
    case Command::kOutput:
      return "OUTPUT";
    case Command::kReset:
      return "RESET";
    case Command::kLoadPlaced:
      return "LOAD_PLACED";
    case Command::kSetBaud:
      return "SET_BAUD";
    case Command::kTrainInit:
      return "TRAIN_INIT";
    case Command::kTrainStep:
      return "TRAIN_STEP";
    case Command::kTrainLayer:
      return "TRAIN_LAYER";
    case Command::kTrainParams:
      return "TRAIN_PARAMS";
  }
  return "unknown command";
}

const char* reply_status_name(ReplyStatus status) {
  switch (status) {
    case ReplyStatus::kOk:
      return "ok";
    case ReplyStatus::kBadFrame:
      return "bad frame";
    case ReplyStatus::kUnknownCommand:
      return "unknown command";
    case ReplyStatus::kBadLength:
      return "bad length";
    case ReplyStatus::kOutOfRange:
      return "out of range";
    case ReplyStatus::kNoModel:
      return "no model loaded";
    case ReplyStatus::kBusy:
      return "busy (load in progress)";
    case ReplyStatus::kModelTooLarge:
      return "model too large";
    case ReplyStatus::kNoLoadInProgress:
      return "no load in progress";
    case ReplyStatus::kChunkOutOfOrder:
      return "chunk out of order";
    case ReplyStatus::kIncompleteModel:
      return "incomplete model";
    case ReplyStatus::kModelCrcMismatch:
      return "model CRC mismatch";
    case ReplyStatus::kInvalidModel:
      return "model failed validation";
    case ReplyStatus::kRunFailed:
      return "run failed";
    case ReplyStatus::kBadArgument:
      return "bad argument";
    case ReplyStatus::kNoRunYet:
      return "no run yet";
    case ReplyStatus::kNotTrainingModel:
      return "the loaded model is not a training model";
    case ReplyStatus::kNoTrainInit:
      return "no TRAIN_INIT yet";
    case ReplyStatus::kNoInput:
      return "no input uploaded";
  }
  return "unknown status";
}

const char* frame_error_name(FrameError error) {
  switch (error) {
    case FrameError::kNone:
      return "none";
    case FrameError::kBadCobs:
      return "bad COBS encoding";
    case FrameError::kCrcMismatch:
      return "CRC mismatch";
    case FrameError::kOversize:
      return "oversize frame";
    case FrameError::kTooShort:
      return "frame too short";
  }
  return "unknown frame error";
}

}  // namespace tinynas::firmware::protocol
