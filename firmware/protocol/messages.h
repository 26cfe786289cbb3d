// Message bodies of the runner protocol (see protocol.h for the framing and the header bytes).
// Each struct encodes into / decodes from a ByteWriter / ByteReader; decode() returns false
// when the body is too short or has bytes left over. Pointers in decoded structs (Text, chunk
// data) point into the payload buffer they were decoded from.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "firmware/protocol/byte_io.h"
#include "firmware/protocol/protocol.h"

namespace tinynas::firmware::protocol {

// ---- headers ------------------------------------------------------------------------------
struct RequestHeader {
  uint8_t command = 0;  // raw byte: unknown commands must be representable to be rejected
  uint8_t sequence = 0;
};
struct ReplyHeader {
  uint8_t command = 0;  // request command | kReplyFlag
  uint8_t sequence = 0;
  ReplyStatus status = ReplyStatus::kOk;
};
void encode(ByteWriter& out, const RequestHeader& header);
bool decode(ByteReader& in, RequestHeader& header);
void encode(ByteWriter& out, const ReplyHeader& header);
bool decode(ByteReader& in, ReplyHeader& header);

// ---- HELLO (0x01): empty request --------------------------------------------------------------
// String is Text on the wire; a host that keeps the reply past the payload buffer holds its
// texts as std::string (profiler::BoardInfo).
template <typename String>
struct BasicHelloReply {
  uint16_t protocol_version = 0;
  uint16_t format_version = 0;  // .tnm format version the bundled engine reads
  String firmware_version;
  String board;  // board kind, e.g. "qemu-mps2-an386"
  String core;   // e.g. "cortex-m4"
  uint32_t clock_hz = 0;
  uint32_t sram_bytes = 0;
  uint32_t flash_bytes = 0;
  uint32_t model_region_bytes = 0;
  uint32_t arena_capacity_bytes = 0;
  uint32_t scratch_capacity_bytes = 0;
  uint16_t max_chunk = 0;
  TimerKind timer = TimerKind::kSysTick;
  KernelPath kernel_path = KernelPath::kPlain;
  // Where the model region starts in the board's address space, for a host that writes the
  // model there over a debug probe (LOAD_PLACED); 0 when models cannot be uploaded.
  uint32_t model_region_address = 0;
};
using HelloReply = BasicHelloReply<Text>;

// ---- LOAD_BEGIN (0x02) / LOAD_CHUNK (0x03) / LOAD_END (0x04) ------------------------------
struct LoadBeginRequest {
  uint32_t total_size = 0;
};
struct LoadBeginReply {
  uint32_t model_region_bytes = 0;
};
struct LoadChunkRequest {  // chunks must arrive in order: offset == bytes received so far
  uint32_t offset = 0;
  const uint8_t* data = nullptr;
  size_t size = 0;  // [1, kMaxChunk]; the rest of the body
};
struct LoadChunkReply {
  uint32_t received_bytes = 0;
};
struct LoadEndRequest {
  uint32_t crc32 = 0;  // CRC-32 (IEEE) of the whole model file
};
struct LoadEndReply {  // the model passed the runtime validator and is now loaded
  uint32_t arena_bytes = 0;
  uint32_t scratch_bytes = 0;
  uint32_t input_bytes = 0;
  uint32_t output_bytes = 0;
  uint16_t op_count = 0;
  uint16_t tensor_count = 0;
};

// ---- LOAD_PLACED (0x0A): the first total_size bytes of the model region hold a model --------
// The host wrote them straight into the board's memory (GDB remote protocol through QEMU's
// gdbstub, OpenOCD or st-util) while the core was halted; the runner checks the CRC and
// validates the model as LOAD_END does, and answers with a LoadEndReply.
struct LoadPlacedRequest {
  uint32_t total_size = 0;
  uint32_t crc32 = 0;  // CRC-32 (IEEE) of the whole model file
};

// ---- SET_BAUD (0x0B): the serial line's new baud rate ---------------------------------------
// The reply goes out at the old rate; the runner switches once it has left the UART, and the
// host switches after reading it. kBadArgument (expected = the current rate) when the UART
// cannot run at that rate (found = the rate); kUnknownCommand from a board that cannot switch.
struct SetBaudRequest {
  uint32_t baud = 0;
};
struct SetBaudReply {
  uint32_t baud = 0;
};

// ---- INPUT (0x05): bytes of the input tensor (used by RUN with InputMode::kUploaded) ------
struct InputRequest {
  uint32_t offset = 0;
  const uint8_t* data = nullptr;
  size_t size = 0;  // [1, kMaxChunk]
};
struct InputReply {
  uint32_t input_bytes = 0;  // size of the input tensor
};

// ---- RUN (0x06) -------------------------------------------------------------------------------
struct RunRequest {
  uint32_t iterations = 1;  // >= 1
  InputMode input_mode = InputMode::kZeros;
  uint32_t seed = 0;  // kPseudoRandom: see input_pattern.h
};
struct RunReply {
  uint64_t total_cycles = 0;  // sum over all iterations, CPU clock cycles
  uint32_t last_cycles = 0;   // cycles of the last iteration (what PER_OP breaks down)
  uint32_t min_cycles = 0;
  uint32_t max_cycles = 0;
  uint32_t iterations = 0;
  uint16_t op_count = 0;
  uint32_t arena_bytes_used = 0;  // highest arena byte changed + 1 (painting)
  uint32_t stack_bytes_used = 0;  // stack high-water mark of the whole runner (painting)
  uint32_t output_crc32 = 0;
  uint32_t output_bytes = 0;
};

// ---- PER_OP (0x07) ----------------------------------------------------------------------------
inline constexpr uint16_t kMaxPerOpCount = (kMaxBody - 2 * sizeof(uint16_t)) / sizeof(uint32_t);
struct PerOpRequest {
  uint16_t first_op = 0;
  uint16_t count = 0;  // [1, kMaxPerOpCount], first_op + count <= op_count
};
struct PerOpReply {
  uint16_t first_op = 0;
  uint16_t count = 0;
  const uint32_t* cycles = nullptr;  // encode: count values
  const uint8_t* raw = nullptr;      // decode: count u32 LE values, read with cycles_at()
  uint32_t cycles_at(uint16_t i) const;
};

// ---- OUTPUT (0x08) ----------------------------------------------------------------------------
inline constexpr uint16_t kMaxOutputChunk = kMaxBody - sizeof(uint32_t);
struct OutputRequest {
  uint32_t offset = 0;
  uint16_t length = 0;  // [1, kMaxOutputChunk], offset + length <= output bytes
};
struct OutputReply {
  uint32_t offset = 0;
  const uint8_t* data = nullptr;
  size_t size = 0;
};

// ---- TRAIN_INIT (0x0C): the loaded training model's trained layers start from its constants -----
// The arena is painted with `arena_paint` first; every TRAIN_STEP reports the highest arena byte
// that no longer holds it (a byte written with exactly the paint value is missed, so a host that
// needs certainty trains twice with two paints). Undone by RUN (which repaints the arena) and by
// loading another model. kNotTrainingModel when the model has no training section.
struct TrainInitRequest {
  uint8_t arena_paint = 0x55;
};
struct TrainInitReply {
  uint16_t layer_count = 0;  // trained layers (TRAIN_LAYER / TRAIN_PARAMS index them)
  uint16_t classes = 0;      // labels are in [0, classes)
  uint32_t input_bytes = 0;  // what INPUT uploads before every TRAIN_STEP
  uint32_t arena_bytes = 0;  // the planned training arena (the model header's)
  uint32_t scratch_bytes = 0;
  uint32_t learning_rate_bits = 0;  // IEEE-754 single, the training section's
};

// ---- TRAIN_STEP (0x0D): one SGD step on the uploaded input --------------------------------
// The input uploaded by INPUT is copied into the model's input tensor first (it stays staged, so
// a host may step the same sample again). kNoInput without an INPUT since the model was loaded,
// kOutOfRange (expected = classes) for a label outside the classes, kRunFailed
// (runtime_status) when the executor stops.
struct TrainStepRequest {
  uint32_t label = 0;
};
struct TrainStepReply {
  uint32_t loss_bits = 0;  // IEEE-754 single: -ln(probability of the label), before the update
  uint32_t cycles = 0;     // CPU clock cycles of the step (saturated at 2^32 - 1)
  uint32_t arena_bytes_used = 0;  // highest arena byte written since TRAIN_INIT + 1 (painting)
  uint32_t stack_bytes_used = 0;  // stack high-water of the whole runner during the step
  uint32_t steps = 0;             // steps since TRAIN_INIT, this one included
};

// ---- TRAIN_LAYER (0x0E): a trained layer's parameters at a glance --------------------------
struct TrainLayerRequest {
  uint16_t layer = 0;  // [0, layer_count)
};
struct TrainLayerReply {
  uint16_t layer = 0;
  uint16_t model_op = 0;
  uint8_t flags = 0;           // runtime kTrainLayerFlag* (bias, weights)
  uint32_t weight_bytes = 0;   // 0 when the weights do not train
  uint32_t bias_bytes = 0;     // 0 when the bias does not train
  uint32_t weights_crc32 = 0;  // CRC-32 (IEEE) of the current int8 weights
  uint32_t bias_crc32 = 0;     // of the current int32 biases (little-endian bytes)
};

// ---- TRAIN_PARAMS (0x0F): a chunk of a trained layer's current parameters -------------------
enum class TrainPart : uint8_t { kWeights = 0, kBias = 1 };
inline constexpr uint8_t kTrainPartCount = 2;
inline constexpr uint16_t kMaxTrainParamsChunk = kMaxBody - sizeof(uint32_t);
struct TrainParamsRequest {
  uint16_t layer = 0;
  TrainPart part = TrainPart::kWeights;
  uint32_t offset = 0;  // bytes
  uint16_t length = 0;  // [1, kMaxTrainParamsChunk], offset + length <= the part's bytes
};
struct TrainParamsReply {
  uint32_t offset = 0;
  const uint8_t* data = nullptr;
  size_t size = 0;
};

// ---- RESET (0x09): empty request, empty reply ---------------------------------------------

// ---- every non-ok reply carries this body ---------------------------------------------------
struct ErrorReply {
  uint8_t runtime_status = 0;  // runtime::Status for kInvalidModel / kRunFailed, else 0
  uint8_t detail = 0;          // runtime::ModelSection (kInvalidModel) or FrameError (kBadFrame)
  uint16_t index = 0;          // tensor/op index (kInvalidModel), op index (kRunFailed)
  uint32_t field = 0;          // byte offset of the offending field (kInvalidModel)
  uint32_t expected = 0;       // what the runner expected (size, offset, limit ...)
  uint32_t found = 0;          // what it got
};

void encode(ByteWriter& out, const HelloReply& message);
template <typename String>
bool decode(ByteReader& in, BasicHelloReply<String>& message);
void encode(ByteWriter& out, const LoadBeginRequest& message);
bool decode(ByteReader& in, LoadBeginRequest& message);
void encode(ByteWriter& out, const LoadBeginReply& message);
bool decode(ByteReader& in, LoadBeginReply& message);
void encode(ByteWriter& out, const LoadChunkRequest& message);
bool decode(ByteReader& in, LoadChunkRequest& message);
void encode(ByteWriter& out, const LoadChunkReply& message);
bool decode(ByteReader& in, LoadChunkReply& message);
void encode(ByteWriter& out, const LoadEndRequest& message);
bool decode(ByteReader& in, LoadEndRequest& message);
void encode(ByteWriter& out, const LoadEndReply& message);
bool decode(ByteReader& in, LoadEndReply& message);
void encode(ByteWriter& out, const LoadPlacedRequest& message);
bool decode(ByteReader& in, LoadPlacedRequest& message);
void encode(ByteWriter& out, const SetBaudRequest& message);
bool decode(ByteReader& in, SetBaudRequest& message);
void encode(ByteWriter& out, const SetBaudReply& message);
bool decode(ByteReader& in, SetBaudReply& message);
void encode(ByteWriter& out, const InputRequest& message);
bool decode(ByteReader& in, InputRequest& message);
void encode(ByteWriter& out, const InputReply& message);
bool decode(ByteReader& in, InputReply& message);
void encode(ByteWriter& out, const RunRequest& message);
bool decode(ByteReader& in, RunRequest& message);
void encode(ByteWriter& out, const RunReply& message);
bool decode(ByteReader& in, RunReply& message);
void encode(ByteWriter& out, const PerOpRequest& message);
bool decode(ByteReader& in, PerOpRequest& message);
void encode(ByteWriter& out, const PerOpReply& message);
bool decode(ByteReader& in, PerOpReply& message);
void encode(ByteWriter& out, const OutputRequest& message);
bool decode(ByteReader& in, OutputRequest& message);
void encode(ByteWriter& out, const OutputReply& message);
bool decode(ByteReader& in, OutputReply& message);
void encode(ByteWriter& out, const TrainInitRequest& message);
bool decode(ByteReader& in, TrainInitRequest& message);
void encode(ByteWriter& out, const TrainInitReply& message);
bool decode(ByteReader& in, TrainInitReply& message);
void encode(ByteWriter& out, const TrainStepRequest& message);
bool decode(ByteReader& in, TrainStepRequest& message);
void encode(ByteWriter& out, const TrainStepReply& message);
bool decode(ByteReader& in, TrainStepReply& message);
void encode(ByteWriter& out, const TrainLayerRequest& message);
bool decode(ByteReader& in, TrainLayerRequest& message);
void encode(ByteWriter& out, const TrainLayerReply& message);
bool decode(ByteReader& in, TrainLayerReply& message);
void encode(ByteWriter& out, const TrainParamsRequest& message);
bool decode(ByteReader& in, TrainParamsRequest& message);
void encode(ByteWriter& out, const TrainParamsReply& message);
bool decode(ByteReader& in, TrainParamsReply& message);
void encode(ByteWriter& out, const ErrorReply& message);
bool decode(ByteReader& in, ErrorReply& message);

template <typename String>
bool decode(ByteReader& in, BasicHelloReply<String>& m) {
  auto text = [&in] {
    const Text value = in.text();
    return String(value.data, value.size);
  };
  m.protocol_version = in.u16();
  m.format_version = in.u16();
  m.firmware_version = text();
  m.board = text();
  m.core = text();
  m.clock_hz = in.u32();
  m.sram_bytes = in.u32();
  m.flash_bytes = in.u32();
  m.model_region_bytes = in.u32();
  m.arena_capacity_bytes = in.u32();
  m.scratch_capacity_bytes = in.u32();
  m.max_chunk = in.u16();
  m.timer = static_cast<TimerKind>(in.u8());
  m.kernel_path = static_cast<KernelPath>(in.u8());
  m.model_region_address = in.u32();
  return in.finished();
}

// Convenience for both sides: header + body into `payload` (capacity kMaxPayload). Returns the
// payload size, 0 when the body does not fit or a field is out of its wire range.
template <typename Body>
size_t build_request(Command command, uint8_t sequence, const Body& body, uint8_t* payload,
                     size_t capacity) {
  ByteWriter out(payload, capacity);
  encode(out, RequestHeader{static_cast<uint8_t>(command), sequence});
  encode(out, body);
  return out.ok() ? out.size() : 0;
}
size_t build_empty_request(Command command, uint8_t sequence, uint8_t* payload, size_t capacity);
template <typename Body>
size_t build_reply(uint8_t request_command, uint8_t sequence, ReplyStatus status, const Body& body,
                   uint8_t* payload, size_t capacity) {
  ByteWriter out(payload, capacity);
  encode(out, ReplyHeader{static_cast<uint8_t>(request_command | kReplyFlag), sequence, status});
  encode(out, body);
  return out.ok() ? out.size() : 0;
}
size_t build_empty_reply(uint8_t request_command, uint8_t sequence, uint8_t* payload,
                         size_t capacity);

}  // namespace tinynas::firmware::protocol
