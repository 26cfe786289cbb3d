// The runner wire protocol: constants shared verbatim by the firmware and the host (profiler/).
// Freestanding C++17. Message bodies: messages.h; framing: frame_encoder.h / frame_decoder.h.
//
// Transport framing (frame_encoder.h / frame_decoder.h):
//   frame = COBS(payload || CRC-32(payload) as 4 LE bytes) || 0x00
// Payload of a request: [u8 command][u8 sequence][body]
// Payload of a reply:   [u8 command | kReplyFlag][u8 sequence (echoed)][u8 ReplyStatus][body]
// Every request gets exactly one reply. A frame that cannot be trusted (bad COBS, CRC mismatch,
// oversize) gets a kBadFrame reply with command kUnknownCommandByte and sequence
// kUntrustedSequence.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace tinynas::firmware::protocol {

// 2: HELLO reports the model region's address; LOAD_PLACED and SET_BAUD.
// 3: training on the board: TRAIN_INIT, TRAIN_STEP, TRAIN_LAYER, TRAIN_PARAMS.
inline constexpr uint16_t kProtocolVersion = 3;

inline constexpr size_t kRequestHeaderSize = 2;  // command, sequence
inline constexpr size_t kReplyHeaderSize = 3;    // command | 0x80, sequence, status
inline constexpr size_t kMaxBody = 1024;         // largest request or reply body
inline constexpr size_t kMaxPayload = kMaxBody + kReplyHeaderSize;
inline constexpr size_t kCrcSize = 4;
inline constexpr size_t kMaxChunk = 512;  // LOAD_CHUNK / INPUT data bytes per frame
inline constexpr uint8_t kFrameDelimiter = 0x00;
// COBS adds one code byte per started run of 254 non-zero bytes (Cheshire & Baker, "Consistent
// Overhead Byte Stuffing", IEEE/ACM ToN 1999): ceil(n / 254) <= n / 254 + 1.
inline constexpr size_t kCobsMaxRun = 254;
inline constexpr size_t cobs_max_encoded_size(size_t n) { return n + n / kCobsMaxRun + 1; }
inline constexpr size_t kMaxEncodedFrame = cobs_max_encoded_size(kMaxPayload + kCrcSize) + 1;

inline constexpr uint8_t kReplyFlag = 0x80;
inline constexpr uint8_t kUntrustedSequence = 0xFF;   // sequence echoed when the frame was bad
inline constexpr uint8_t kUnknownCommandByte = 0x00;  // command echoed when the frame was bad

enum class Command : uint8_t {
  kHello = 0x01,
  kLoadBegin = 0x02,
  kLoadChunk = 0x03,
  kLoadEnd = 0x04,
  kInput = 0x05,
  kRun = 0x06,
  kPerOp = 0x07,
  kOutput = 0x08,
  kReset = 0x09,
  kLoadPlaced = 0x0A,   // the model is already in the model region (written over a debug probe)
  kSetBaud = 0x0B,      // switch the serial line's baud rate after the reply
  kTrainInit = 0x0C,    // training model: trained parameters from its constants, arena painted
  kTrainStep = 0x0D,    // one SGD step on the uploaded INPUT with a label
  kTrainLayer = 0x0E,   // a trained layer's parameter sizes and CRC-32s
  kTrainParams = 0x0F,  // a chunk of a trained layer's current weights or biases
};
inline constexpr uint8_t kFirstCommand = 0x01;
inline constexpr uint8_t kLastCommand = 0x0F;

enum class ReplyStatus : uint8_t {
  kOk = 0,
  kBadFrame = 1,           // COBS/CRC/oversize/too short; ErrorReply.detail = FrameError
  kUnknownCommand = 2,     // ErrorReply.found = command byte
  kBadLength = 3,          // body length wrong; expected / found = byte counts
  kOutOfRange = 4,         // an offset/length/count outside its object; expected = limit
  kNoModel = 5,            // INPUT/RUN/PER_OP/OUTPUT before a model was accepted
  kBusy = 6,               // a LOAD is in progress and the request needs an idle runner
  kModelTooLarge = 7,      // LOAD_BEGIN size (+ input staging) exceeds the model region
  kNoLoadInProgress = 8,   // LOAD_CHUNK / LOAD_END without LOAD_BEGIN
  kChunkOutOfOrder = 9,    // chunk offset != bytes received so far (expected / found)
  kIncompleteModel = 10,   // LOAD_END before all bytes arrived (expected / found)
  kModelCrcMismatch = 11,  // LOAD_END CRC differs (expected = computed, found = claimed)
  kInvalidModel = 12,      // runtime validator rejected it: runtime_status, detail = section,
                           // index, field
  kRunFailed = 13,         // the interpreter returned an error: runtime_status, index = op
  kBadArgument = 14,       // a field value is invalid (input mode, zero iterations ...)
  kNoRunYet = 15,          // PER_OP / OUTPUT before a successful RUN
  kNotTrainingModel = 16,  // TRAIN_* while the loaded model has no training section
  kNoTrainInit = 17,       // TRAIN_STEP / TRAIN_LAYER / TRAIN_PARAMS before TRAIN_INIT (a RUN
                           // or a new model undoes it)
  kNoInput = 18,           // TRAIN_STEP before an INPUT; expected = input bytes
};

// Why a frame was rejected (ErrorReply.detail of a kBadFrame reply).
enum class FrameError : uint8_t {
  kNone = 0,
  kBadCobs = 1,      // a code byte points past the end of the frame
  kCrcMismatch = 2,  // CRC-32 over the payload differs from the trailer
  kOversize = 3,     // more than kMaxEncodedFrame bytes before the delimiter
  kTooShort = 4,     // fewer than CRC + request-header bytes
};

// RUN input modes.
enum class InputMode : uint8_t { kZeros = 0, kPseudoRandom = 1, kUploaded = 2 };
inline constexpr uint8_t kInputModeCount = 3;

// How the board measures cycles (HelloReply.timer).
enum class TimerKind : uint8_t {
  kSysTick = 0,  // 24-bit SysTick on the CPU clock, wraps counted (QEMU: no DWT)
  kDwtCycleCounter = 1,
  kMcycle = 2,  // RISC-V mcycle CSR (QEMU -icount: virtual time in ns, 2^shift per instruction)
};

// Which kernels the firmware was built with (HelloReply.kernel_path).
// kMve: Helium (M-profile Vector Extension) kernels where there are some, DSP ones elsewhere.
enum class KernelPath : uint8_t { kPlain = 0, kDsp = 1, kMve = 2 };

const char* command_name(uint8_t command);
const char* reply_status_name(ReplyStatus status);
const char* frame_error_name(FrameError error);

}  // namespace tinynas::firmware::protocol
