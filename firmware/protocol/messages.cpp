#include "firmware/protocol/messages.h"

namespace tinynas::firmware::protocol {

namespace {
// Data-carrying requests (LOAD_CHUNK, INPUT): offset, then 1..kMaxChunk bytes to the end.
bool encode_chunk(ByteWriter& out, uint32_t offset, const uint8_t* data, size_t size) {
  if (size == 0 || size > kMaxChunk || data == nullptr) {
    out.fail();
    return false;
  }
  out.u32(offset);
  out.bytes(data, size);
  return out.ok();
}
bool decode_chunk(ByteReader& in, uint32_t& offset, const uint8_t*& data, size_t& size) {
  offset = in.u32();
  size = in.remaining();
  if (!in.ok() || size == 0 || size > kMaxChunk) return false;
  data = in.bytes(size);
  return in.finished();
}
// Data-carrying replies (OUTPUT, TRAIN_PARAMS): offset, then 0..max_size bytes to the end.
void encode_data_reply(ByteWriter& out, uint32_t offset, const uint8_t* data, size_t size,
                       size_t max_size) {
  if (size > max_size || (size != 0 && data == nullptr)) {
    out.fail();
    return;
  }
  out.u32(offset);
  out.bytes(data, size);
}
bool decode_data_reply(ByteReader& in, uint32_t& offset, const uint8_t*& data, size_t& size,
                       size_t max_size) {
  offset = in.u32();
  size = in.remaining();
  if (!in.ok() || size > max_size) return false;
  data = in.bytes(size);
  return in.finished();
}
}  // namespace

void encode(ByteWriter& out, const RequestHeader& header) {
  out.u8(header.command);
  out.u8(header.sequence);
}
bool decode(ByteReader& in, RequestHeader& header) {
  header.command = in.u8();
  header.sequence = in.u8();
  return in.ok();
}
void encode(ByteWriter& out, const ReplyHeader& header) {
  out.u8(header.command);
  out.u8(header.sequence);
  out.u8(static_cast<uint8_t>(header.status));
}
bool decode(ByteReader& in, ReplyHeader& header) {
  header.command = in.u8();
  header.sequence = in.u8();
  header.status = static_cast<ReplyStatus>(in.u8());
  return in.ok();
}

void encode(ByteWriter& out, const HelloReply& m) {
  out.u16(m.protocol_version);
  out.u16(m.format_version);
  out.text(m.firmware_version);
  out.text(m.board);
  out.text(m.core);
  out.u32(m.clock_hz);
  out.u32(m.sram_bytes);
  out.u32(m.flash_bytes);
  out.u32(m.model_region_bytes);
  out.u32(m.arena_capacity_bytes);
  out.u32(m.scratch_capacity_bytes);
  out.u16(m.max_chunk);
  out.u8(static_cast<uint8_t>(m.timer));
  out.u8(static_cast<uint8_t>(m.kernel_path));
  out.u32(m.model_region_address);
}

void encode(ByteWriter& out, const LoadBeginRequest& m) { out.u32(m.total_size); }
bool decode(ByteReader& in, LoadBeginRequest& m) {
  m.total_size = in.u32();
  return in.finished();
}
void encode(ByteWriter& out, const LoadBeginReply& m) { out.u32(m.model_region_bytes); }
bool decode(ByteReader& in, LoadBeginReply& m) {
  m.model_region_bytes = in.u32();
  return in.finished();
}

void encode(ByteWriter& out, const LoadPlacedRequest& m) {
  out.u32(m.total_size);
  out.u32(m.crc32);
}
bool decode(ByteReader& in, LoadPlacedRequest& m) {
  m.total_size = in.u32();
  m.crc32 = in.u32();
  return in.finished();
}
void encode(ByteWriter& out, const SetBaudRequest& m) { out.u32(m.baud); }
bool decode(ByteReader& in, SetBaudRequest& m) {
  m.baud = in.u32();
  return in.finished();
}
void encode(ByteWriter& out, const SetBaudReply& m) { out.u32(m.baud); }
bool decode(ByteReader& in, SetBaudReply& m) {
  m.baud = in.u32();
  return in.finished();
}

void encode(ByteWriter& out, const LoadChunkRequest& m) {
  encode_chunk(out, m.offset, m.data, m.size);
}
bool decode(ByteReader& in, LoadChunkRequest& m) {
  return decode_chunk(in, m.offset, m.data, m.size);
}
void encode(ByteWriter& out, const LoadChunkReply& m) { out.u32(m.received_bytes); }
bool decode(ByteReader& in, LoadChunkReply& m) {
  m.received_bytes = in.u32();
  return in.finished();
}

void encode(ByteWriter& out, const LoadEndRequest& m) { out.u32(m.crc32); }
bool decode(ByteReader& in, LoadEndRequest& m) {
  m.crc32 = in.u32();
  return in.finished();
}
void encode(ByteWriter& out, const LoadEndReply& m) {
  out.u32(m.arena_bytes);
  out.u32(m.scratch_bytes);
  out.u32(m.input_bytes);
  out.u32(m.output_bytes);
  out.u16(m.op_count);
  out.u16(m.tensor_count);
}
bool decode(ByteReader& in, LoadEndReply& m) {
  m.arena_bytes = in.u32();
  m.scratch_bytes = in.u32();
  m.input_bytes = in.u32();
  m.output_bytes = in.u32();
  m.op_count = in.u16();
  m.tensor_count = in.u16();
  return in.finished();
}

void encode(ByteWriter& out, const InputRequest& m) { encode_chunk(out, m.offset, m.data, m.size); }
bool decode(ByteReader& in, InputRequest& m) { return decode_chunk(in, m.offset, m.data, m.size); }
void encode(ByteWriter& out, const InputReply& m) { out.u32(m.input_bytes); }
bool decode(ByteReader& in, InputReply& m) {
  m.input_bytes = in.u32();
  return in.finished();
}

void encode(ByteWriter& out, const RunRequest& m) {
  out.u32(m.iterations);
  out.u8(static_cast<uint8_t>(m.input_mode));
  out.u32(m.seed);
}
bool decode(ByteReader& in, RunRequest& m) {
  m.iterations = in.u32();
  m.input_mode = static_cast<InputMode>(in.u8());
  m.seed = in.u32();
  return in.finished();
}
void encode(ByteWriter& out, const RunReply& m) {
  out.u64(m.total_cycles);
  out.u32(m.last_cycles);
  out.u32(m.min_cycles);
  out.u32(m.max_cycles);
  out.u32(m.iterations);
  out.u16(m.op_count);
  out.u32(m.arena_bytes_used);
  out.u32(m.stack_bytes_used);
  out.u32(m.output_crc32);
  out.u32(m.output_bytes);
}
bool decode(ByteReader& in, RunReply& m) {
  m.total_cycles = in.u64();
  m.last_cycles = in.u32();
  m.min_cycles = in.u32();
  m.max_cycles = in.u32();
  m.iterations = in.u32();
  m.op_count = in.u16();
  m.arena_bytes_used = in.u32();
  m.stack_bytes_used = in.u32();
  m.output_crc32 = in.u32();
  m.output_bytes = in.u32();
  return in.finished();
}

void encode(ByteWriter& out, const PerOpRequest& m) {
  out.u16(m.first_op);
  out.u16(m.count);
}
bool decode(ByteReader& in, PerOpRequest& m) {
  m.first_op = in.u16();
  m.count = in.u16();
  return in.finished();
}
void encode(ByteWriter& out, const PerOpReply& m) {
  if (m.count > kMaxPerOpCount || (m.count != 0 && m.cycles == nullptr)) {
    out.fail();
    return;
  }
  out.u16(m.first_op);
  out.u16(m.count);
  for (uint16_t i = 0; i < m.count; ++i) out.u32(m.cycles[i]);
}
bool decode(ByteReader& in, PerOpReply& m) {
  m.first_op = in.u16();
  m.count = in.u16();
  if (!in.ok() || m.count > kMaxPerOpCount) return false;
  m.cycles = nullptr;
  m.raw = in.bytes(static_cast<size_t>(m.count) * sizeof(uint32_t));
  return in.finished();
}
uint32_t PerOpReply::cycles_at(uint16_t i) const {
  if (cycles != nullptr) return cycles[i];
  const uint8_t* p = raw + static_cast<size_t>(i) * sizeof(uint32_t);
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

void encode(ByteWriter& out, const OutputRequest& m) {
  out.u32(m.offset);
  out.u16(m.length);
}
bool decode(ByteReader& in, OutputRequest& m) {
  m.offset = in.u32();
  m.length = in.u16();
  return in.finished();
}
void encode(ByteWriter& out, const OutputReply& m) {
  encode_data_reply(out, m.offset, m.data, m.size, kMaxOutputChunk);
}
bool decode(ByteReader& in, OutputReply& m) {
  return decode_data_reply(in, m.offset, m.data, m.size, kMaxOutputChunk);
}

void encode(ByteWriter& out, const TrainInitRequest& m) { out.u8(m.arena_paint); }
bool decode(ByteReader& in, TrainInitRequest& m) {
  m.arena_paint = in.u8();
  return in.finished();
}
void encode(ByteWriter& out, const TrainInitReply& m) {
  out.u16(m.layer_count);
  out.u16(m.classes);
  out.u32(m.input_bytes);
  out.u32(m.arena_bytes);
  out.u32(m.scratch_bytes);
  out.u32(m.learning_rate_bits);
}
bool decode(ByteReader& in, TrainInitReply& m) {
  m.layer_count = in.u16();
  m.classes = in.u16();
  m.input_bytes = in.u32();
  m.arena_bytes = in.u32();
  m.scratch_bytes = in.u32();
  m.learning_rate_bits = in.u32();
  return in.finished();
}

void encode(ByteWriter& out, const TrainStepRequest& m) { out.u32(m.label); }
bool decode(ByteReader& in, TrainStepRequest& m) {
  m.label = in.u32();
  return in.finished();
}
void encode(ByteWriter& out, const TrainStepReply& m) {
  out.u32(m.loss_bits);
  out.u32(m.cycles);
  out.u32(m.arena_bytes_used);
  out.u32(m.stack_bytes_used);
  out.u32(m.steps);
}
bool decode(ByteReader& in, TrainStepReply& m) {
  m.loss_bits = in.u32();
  m.cycles = in.u32();
  m.arena_bytes_used = in.u32();
  m.stack_bytes_used = in.u32();
  m.steps = in.u32();
  return in.finished();
}

void encode(ByteWriter& out, const TrainLayerRequest& m) { out.u16(m.layer); }
bool decode(ByteReader& in, TrainLayerRequest& m) {
  m.layer = in.u16();
  return in.finished();
}
void encode(ByteWriter& out, const TrainLayerReply& m) {
  out.u16(m.layer);
  out.u16(m.model_op);
  out.u8(m.flags);
  out.u32(m.weight_bytes);
  out.u32(m.bias_bytes);
  out.u32(m.weights_crc32);
  out.u32(m.bias_crc32);
}
bool decode(ByteReader& in, TrainLayerReply& m) {
  m.layer = in.u16();
  m.model_op = in.u16();
  m.flags = in.u8();
  m.weight_bytes = in.u32();
  m.bias_bytes = in.u32();
  m.weights_crc32 = in.u32();
  m.bias_crc32 = in.u32();
  return in.finished();
}

void encode(ByteWriter& out, const TrainParamsRequest& m) {
  out.u16(m.layer);
  out.u8(static_cast<uint8_t>(m.part));
  out.u32(m.offset);
  out.u16(m.length);
}
bool decode(ByteReader& in, TrainParamsRequest& m) {
  m.layer = in.u16();
  m.part = static_cast<TrainPart>(in.u8());
  m.offset = in.u32();
  m.length = in.u16();
  return in.finished();
}
void encode(ByteWriter& out, const TrainParamsReply& m) {
  encode_data_reply(out, m.offset, m.data, m.size, kMaxTrainParamsChunk);
}
bool decode(ByteReader& in, TrainParamsReply& m) {
  return decode_data_reply(in, m.offset, m.data, m.size, kMaxTrainParamsChunk);
}

void encode(ByteWriter& out, const ErrorReply& m) {
  out.u8(m.runtime_status);
  out.u8(m.detail);
  out.u16(m.index);
  out.u32(m.field);
  out.u32(m.expected);
  out.u32(m.found);
}
bool decode(ByteReader& in, ErrorReply& m) {
  m.runtime_status = in.u8();
  m.detail = in.u8();
  m.index = in.u16();
  m.field = in.u32();
  m.expected = in.u32();
  m.found = in.u32();
  return in.finished();
}

size_t build_empty_request(Command command, uint8_t sequence, uint8_t* payload, size_t capacity) {
  ByteWriter out(payload, capacity);
  encode(out, RequestHeader{static_cast<uint8_t>(command), sequence});
  return out.ok() ? out.size() : 0;
}

size_t build_empty_reply(uint8_t request_command, uint8_t sequence, uint8_t* payload,
                         size_t capacity) {
  ByteWriter out(payload, capacity);
  encode(out, ReplyHeader{static_cast<uint8_t>(request_command | kReplyFlag), sequence,
                          ReplyStatus::kOk});
  return out.ok() ? out.size() : 0;
}

}  // namespace tinynas::firmware::protocol
