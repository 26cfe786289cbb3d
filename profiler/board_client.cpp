#include "profiler/board_client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstdio>

#include "engine/runtime/crc32.h"
#include "engine/runtime/status.h"
#include "firmware/protocol/frame_encoder.h"

namespace tinynas::profiler {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t kReadBlock = 4096;
constexpr uint8_t kFirstSequence = 1;
// Sequences cycle through [1, 0xFE]: 0xFF marks untrusted replies, 0 is never used so a zeroed
// buffer can never look like a reply to us.
constexpr uint8_t kLastSequence = protocol::kUntrustedSequence - 1;

std::string command_label(protocol::Command command) {
  return protocol::command_name(static_cast<uint8_t>(command));
}

std::string hex32(uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof(text), "0x%08x", value);
  return text;
}

std::string validation_location(const protocol::ErrorReply& error) {
  const auto section = static_cast<runtime::ModelSection>(error.detail);
  const std::string field = " (field " + std::to_string(error.field) + ")";
  if (section == runtime::ModelSection::kNone) return "file" + field;
  if (runtime::section_has_records(section)) {
    return std::string(runtime::section_name(section)) + " " + std::to_string(error.index) + field;
  }
  return std::string(runtime::section_name(section)) + field;
}

}  // namespace

std::string describe_error_reply(protocol::ReplyStatus status, const protocol::ErrorReply& error) {
  using protocol::ReplyStatus;
  const auto runtime_status = static_cast<runtime::Status>(error.runtime_status);
  const std::string expected = std::to_string(error.expected);
  const std::string found = std::to_string(error.found);
  switch (status) {
    case ReplyStatus::kOk:
      return "ok";
    case ReplyStatus::kBadFrame:
      return std::string("frame rejected: ") +
             protocol::frame_error_name(static_cast<protocol::FrameError>(error.detail));
    case ReplyStatus::kUnknownCommand: {
      char text[64];
      std::snprintf(text, sizeof(text), "unknown command 0x%02x", error.found & 0xFFu);
      return text;
    }
    case ReplyStatus::kBadLength:
      return "bad request length: expected " + expected + " bytes, found " + found;
    case ReplyStatus::kOutOfRange:
      return "out of range: limit " + expected + ", found " + found;
    case ReplyStatus::kNoModel:
      return "no model loaded";
    case ReplyStatus::kBusy:
      return "busy: a model upload is in progress";
    case ReplyStatus::kModelTooLarge:
      return "model too large: " + found + " bytes do not fit the model region of " + expected +
             " bytes";
    case ReplyStatus::kNoLoadInProgress:
      return "no model upload in progress";
    case ReplyStatus::kChunkOutOfOrder:
      return "chunk out of order: expected offset " + expected + ", found " + found;
    case ReplyStatus::kIncompleteModel:
      return "upload incomplete: expected " + expected + " bytes, received " + found;
    case ReplyStatus::kModelCrcMismatch:
      return "model CRC-32 mismatch: board computed " + hex32(error.expected) + ", host sent " +
             hex32(error.found);
    case ReplyStatus::kInvalidModel:
      return "model validation failed: " + validation_location(error) + ": " +
             runtime::status_message(runtime_status);
    case ReplyStatus::kRunFailed:
      return "run failed at op " + std::to_string(error.index) + ": " +
             runtime::status_message(runtime_status);
    case ReplyStatus::kBadArgument:
      return "bad argument: expected " + expected + ", found " + found;
    case ReplyStatus::kNoRunYet:
      return "no run yet (RUN must succeed first)";
    case ReplyStatus::kNotTrainingModel:
      return "the loaded model is not a training model (tinynas compile --train-scheme)";
    case ReplyStatus::kNoTrainInit:
      return "training not initialised (TRAIN_INIT first; a RUN or a new model undoes it)";
    case ReplyStatus::kNoInput:
      return "no input uploaded (INPUT of " + expected + " bytes first)";
  }
  return std::string("error status ") + std::to_string(static_cast<int>(status));
}

BoardClient::BoardClient(std::unique_ptr<Transport> transport, std::string name,
                         BoardClientOptions options)
    : transport_(std::move(transport)), name_(std::move(name)), options_(options) {}

void BoardClient::replace_transport(std::unique_ptr<Transport> transport) {
  transport_ = std::move(transport);
  needs_resync_ = true;
  pending_.clear();
  pending_position_ = 0;
  decoder_.reset();
}

std::string BoardClient::prefix() const { return "board " + name_ + ": "; }

void BoardClient::fail_link(const std::string& what) {
  needs_resync_ = true;
  throw BoardLinkError(prefix() + what);
}

uint8_t BoardClient::next_sequence() {
  sequence_ = (sequence_ >= kLastSequence || sequence_ < kFirstSequence)
                  ? kFirstSequence
                  : static_cast<uint8_t>(sequence_ + 1);
  return sequence_;
}

void BoardClient::write_all(const uint8_t* data, std::size_t size) {
  try {
    transport_->write(data, size, options_.request_timeout);
  } catch (const TransportError& e) {
    fail_link(e.what());
  }
}

void BoardClient::resync() {
  // A lone delimiter ends whatever half frame the board has buffered; it ignores empty frames.
  const uint8_t delimiter = protocol::kFrameDelimiter;
  write_all(&delimiter, 1);
  std::array<uint8_t, kReadBlock> sink{};
  const auto limit = Clock::now() + options_.resync_limit;
  std::size_t dropped = 0;
  while (Clock::now() < limit) {
    ReadResult result;
    try {
      result = transport_->read(sink.data(), sink.size(), options_.resync_quiet);
    } catch (const TransportError& e) {
      fail_link(e.what());
    }
    if (result.timed_out()) break;
    dropped += result.bytes;
  }
  if (dropped != 0) spdlog::debug("{}resync dropped {} stale bytes", prefix(), dropped);
  pending_.clear();
  pending_position_ = 0;
  decoder_.reset();
  needs_resync_ = false;
}

bool BoardClient::next_frame(Clock::time_point deadline, RawReply& reply, int& bad_frames) {
  for (;;) {
    while (pending_position_ < pending_.size()) {
      const auto event = decoder_.push(pending_[pending_position_++]);
      if (event == protocol::DecodeEvent::kError) {
        ++bad_frames;
        spdlog::debug("{}dropped a corrupted frame: {}", prefix(),
                      protocol::frame_error_name(decoder_.error()));
        continue;
      }
      if (event != protocol::DecodeEvent::kFrame) continue;
      protocol::ByteReader in(decoder_.payload(), decoder_.payload_size());
      if (!protocol::decode(in, reply.header)) {
        ++bad_frames;  // a valid frame too short to be a reply
        continue;
      }
      const uint8_t* body = in.bytes(in.remaining());
      reply.body.assign(body, body + decoder_.payload_size() - protocol::kReplyHeaderSize);
      return true;
    }
    pending_.clear();
    pending_position_ = 0;
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pending_.resize(kReadBlock);
    ReadResult result;
    try {
      result = transport_->read(pending_.data(), pending_.size(), left);
    } catch (const TransportError& e) {
      pending_.clear();
      fail_link(e.what());
    }
    pending_.resize(result.bytes);
    if (result.timed_out()) return false;
  }
}

RawReply BoardClient::request(protocol::Command command, const uint8_t* body, std::size_t size,
                              milliseconds timeout) {
  if (needs_resync_) resync();
  const uint8_t sequence = next_sequence();
  std::array<uint8_t, protocol::kMaxPayload> payload{};
  protocol::ByteWriter out(payload.data(), payload.size());
  protocol::encode(out, protocol::RequestHeader{static_cast<uint8_t>(command), sequence});
  out.bytes(body, size);
  if (!out.ok()) {
    throw BoardError(prefix() + command_label(command) + " request body of " +
                     std::to_string(size) + " bytes exceeds the frame limit");
  }
  std::array<uint8_t, protocol::kMaxEncodedFrame + 1> frame{};
  frame[0] = protocol::kFrameDelimiter;  // flushes any stray bytes the board holds
  const std::size_t frame_size =
      protocol::encode_frame(payload.data(), out.size(), frame.data() + 1, frame.size() - 1);
  if (frame_size == 0) throw BoardError(prefix() + "cannot frame " + command_label(command));
  write_all(frame.data(), frame_size + 1);

  const auto deadline = Clock::now() + timeout;
  const uint8_t expected_command = static_cast<uint8_t>(command) | protocol::kReplyFlag;
  int bad_frames = 0;
  RawReply reply;
  while (next_frame(deadline, reply, bad_frames)) {
    const auto& header = reply.header;
    if (header.sequence == protocol::kUntrustedSequence &&
        header.status == protocol::ReplyStatus::kBadFrame) {
      // The board could not read our frame (corrupted on the line).
      protocol::ErrorReply error;
      protocol::ByteReader in(reply.body.data(), reply.body.size());
      protocol::decode(in, error);
      needs_resync_ = true;
      throw BoardRejectedError(prefix() + command_label(command) +
                                   " rejected: " + describe_error_reply(header.status, error),
                               command, header.status, error);
    }
    if (header.sequence != sequence) {
      spdlog::debug("{}ignored a stale reply (sequence {}, waiting for {})", prefix(),
                    header.sequence, sequence);
      continue;
    }
    if (header.command != expected_command) {
      needs_resync_ = true;
      char text[96];
      std::snprintf(text, sizeof(text), "reply command 0x%02x does not match request 0x%02x",
                    header.command, static_cast<unsigned>(command));
      throw BoardProtocolError(prefix() + command_label(command) + ": " + text);
    }
    if (header.status != protocol::ReplyStatus::kOk) {
      protocol::ErrorReply error;
      protocol::ByteReader in(reply.body.data(), reply.body.size());
      if (!protocol::decode(in, error)) {
        needs_resync_ = true;
        throw BoardProtocolError(prefix() + command_label(command) + " rejected with status " +
                                 protocol::reply_status_name(header.status) +
                                 " and a malformed error body of " +
                                 std::to_string(reply.body.size()) + " bytes");
      }
      throw BoardRejectedError(prefix() + command_label(command) +
                                   " rejected: " + describe_error_reply(header.status, error),
                               command, header.status, error);
    }
    return reply;
  }
  needs_resync_ = true;
  std::string message = prefix() + "no reply to " + command_label(command) + " (sequence " +
                        std::to_string(sequence) + ") within " + std::to_string(timeout.count()) +
                        " ms on " + transport_->description();
  if (bad_frames != 0) message += "; " + std::to_string(bad_frames) + " corrupted frames received";
  throw BoardTimeoutError(message);
}

template <typename Body>
RawReply BoardClient::request_body(protocol::Command command, const Body& body,
                                   milliseconds timeout) {
  std::array<uint8_t, protocol::kMaxBody> buffer{};
  protocol::ByteWriter out(buffer.data(), buffer.size());
  protocol::encode(out, body);
  if (!out.ok()) {
    throw BoardError(prefix() + command_label(command) +
                     " request does not fit one frame or has a field out of its wire range");
  }
  return request(command, buffer.data(), out.size(), timeout);
}

RawReply BoardClient::request_empty(protocol::Command command, milliseconds timeout) {
  return request(command, nullptr, 0, timeout);
}

template <typename Reply>
Reply BoardClient::decode_reply(protocol::Command command, const RawReply& raw) {
  Reply reply;
  protocol::ByteReader in(raw.body.data(), raw.body.size());
  if (!protocol::decode(in, reply) || !in.finished()) {
    needs_resync_ = true;
    throw BoardProtocolError(prefix() + "malformed " + command_label(command) + " reply body (" +
                             std::to_string(raw.body.size()) + " bytes)");
  }
  return reply;
}

BoardInfo BoardClient::hello() {
  const RawReply raw = request_empty(protocol::Command::kHello, options_.request_timeout);
  const BoardInfo info = decode_reply<BoardInfo>(protocol::Command::kHello, raw);
  if (info.protocol_version != protocol::kProtocolVersion) {
    throw BoardProtocolError(prefix() + "speaks runner protocol version " +
                             std::to_string(info.protocol_version) + ", this host speaks " +
                             std::to_string(protocol::kProtocolVersion));
  }
  if (!info.board.empty()) name_ = info.board;
  max_chunk_ = static_cast<uint16_t>(std::min<std::size_t>(
      info.max_chunk == 0 ? protocol::kMaxChunk : info.max_chunk, protocol::kMaxChunk));
  return info;
}

protocol::LoadBeginReply BoardClient::load_begin(uint32_t total_size) {
  const auto raw = request_body(protocol::Command::kLoadBegin,
                                protocol::LoadBeginRequest{total_size}, options_.request_timeout);
  return decode_reply<protocol::LoadBeginReply>(protocol::Command::kLoadBegin, raw);
}

protocol::LoadChunkReply BoardClient::load_chunk(uint32_t offset, const uint8_t* data,
                                                 std::size_t size) {
  protocol::LoadChunkRequest chunk;
  chunk.offset = offset;
  chunk.data = data;
  chunk.size = size;
  const auto raw = request_body(protocol::Command::kLoadChunk, chunk, options_.request_timeout);
  return decode_reply<protocol::LoadChunkReply>(protocol::Command::kLoadChunk, raw);
}

protocol::LoadEndReply BoardClient::load_end(uint32_t crc32) {
  const auto raw = request_body(protocol::Command::kLoadEnd, protocol::LoadEndRequest{crc32},
                                options_.request_timeout);
  return decode_reply<protocol::LoadEndReply>(protocol::Command::kLoadEnd, raw);
}

protocol::LoadEndReply BoardClient::load_placed(uint32_t total_size, uint32_t crc32) {
  const auto raw =
      request_body(protocol::Command::kLoadPlaced, protocol::LoadPlacedRequest{total_size, crc32},
                   options_.request_timeout);
  return decode_reply<protocol::LoadEndReply>(protocol::Command::kLoadPlaced, raw);
}

void BoardClient::set_baud(uint32_t baud) {
  const auto raw = request_body(protocol::Command::kSetBaud, protocol::SetBaudRequest{baud},
                                options_.request_timeout);
  const auto reply = decode_reply<protocol::SetBaudReply>(protocol::Command::kSetBaud, raw);
  if (reply.baud != baud) {
    needs_resync_ = true;
    throw BoardProtocolError(prefix() + "SET_BAUD reply names " + std::to_string(reply.baud) +
                             " baud, requested " + std::to_string(baud));
  }
  transport_->set_baud(static_cast<int>(baud));
  hello();
}

protocol::LoadEndReply BoardClient::load_model(const std::vector<uint8_t>& model) {
  if (model.empty()) throw BoardError(prefix() + "cannot upload an empty model");
  if (model.size() > UINT32_MAX) throw BoardError(prefix() + "model larger than 4 GiB");
  try {
    load_begin(static_cast<uint32_t>(model.size()));
    for (std::size_t offset = 0; offset < model.size(); offset += max_chunk_) {
      const std::size_t size = std::min<std::size_t>(max_chunk_, model.size() - offset);
      const auto reply = load_chunk(static_cast<uint32_t>(offset), model.data() + offset, size);
      if (reply.received_bytes != offset + size) {
        throw BoardProtocolError(prefix() + "LOAD_CHUNK at offset " + std::to_string(offset) +
                                 ": board reports " + std::to_string(reply.received_bytes) +
                                 " bytes received, expected " + std::to_string(offset + size));
      }
    }
  } catch (const BoardLinkError&) {
    throw;
  } catch (const BoardError&) {
    // Leave the board idle rather than stuck in a half upload; the original error matters.
    try {
      reset();
    } catch (const BoardError& e) {
      spdlog::debug("{}reset after a failed upload failed too: {}", prefix(), e.what());
    }
    throw;
  }
  return load_end(runtime::crc32(model.data(), model.size()));
}

void BoardClient::upload_input(const std::vector<uint8_t>& input) {
  for (std::size_t offset = 0; offset < input.size(); offset += max_chunk_) {
    protocol::InputRequest chunk;
    chunk.offset = static_cast<uint32_t>(offset);
    chunk.data = input.data() + offset;
    chunk.size = std::min<std::size_t>(max_chunk_, input.size() - offset);
    const auto raw = request_body(protocol::Command::kInput, chunk, options_.request_timeout);
    decode_reply<protocol::InputReply>(protocol::Command::kInput, raw);
  }
}

protocol::RunReply BoardClient::run(uint32_t iterations, protocol::InputMode mode, uint32_t seed) {
  protocol::RunRequest run_request;
  run_request.iterations = iterations;
  run_request.input_mode = mode;
  run_request.seed = seed;
  const auto raw = request_body(protocol::Command::kRun, run_request, options_.run_timeout);
  return decode_reply<protocol::RunReply>(protocol::Command::kRun, raw);
}

std::vector<uint32_t> BoardClient::per_op_cycles(uint16_t op_count) {
  std::vector<uint32_t> cycles;
  cycles.reserve(op_count);
  for (uint32_t first = 0; first < op_count; first += protocol::kMaxPerOpCount) {
    protocol::PerOpRequest per_op;
    per_op.first_op = static_cast<uint16_t>(first);
    per_op.count =
        static_cast<uint16_t>(std::min<uint32_t>(protocol::kMaxPerOpCount, op_count - first));
    const auto raw = request_body(protocol::Command::kPerOp, per_op, options_.request_timeout);
    const auto reply = decode_reply<protocol::PerOpReply>(protocol::Command::kPerOp, raw);
    if (reply.first_op != per_op.first_op || reply.count != per_op.count) {
      needs_resync_ = true;
      throw BoardProtocolError(prefix() + "PER_OP reply covers ops " +
                               std::to_string(reply.first_op) + "+" + std::to_string(reply.count) +
                               ", requested " + std::to_string(per_op.first_op) + "+" +
                               std::to_string(per_op.count));
    }
    for (uint16_t i = 0; i < reply.count; ++i) cycles.push_back(reply.cycles_at(i));
  }
  return cycles;
}

template <typename Reply, typename MakeRequest>
std::vector<uint8_t> BoardClient::read_in_chunks(protocol::Command command, uint32_t total,
                                                 uint16_t max_chunk, MakeRequest make_request) {
  std::vector<uint8_t> bytes;
  bytes.reserve(total);
  for (uint32_t offset = 0; offset < total; offset += max_chunk) {
    const auto length = static_cast<uint16_t>(std::min<uint32_t>(max_chunk, total - offset));
    const auto raw = request_body(command, make_request(offset, length), options_.request_timeout);
    const auto reply = decode_reply<Reply>(command, raw);
    if (reply.offset != offset || reply.size != length) {
      needs_resync_ = true;
      throw BoardProtocolError(prefix() + protocol::command_name(static_cast<uint8_t>(command)) +
                               " reply has " + std::to_string(reply.size) + " bytes at offset " +
                               std::to_string(reply.offset) + ", requested " +
                               std::to_string(length) + " at " + std::to_string(offset));
    }
    bytes.insert(bytes.end(), reply.data, reply.data + reply.size);
  }
  return bytes;
}

std::vector<uint8_t> BoardClient::output(uint32_t output_bytes) {
  return read_in_chunks<protocol::OutputReply>(protocol::Command::kOutput, output_bytes,
                                               protocol::kMaxOutputChunk,
                                               [](uint32_t offset, uint16_t length) {
                                                 return protocol::OutputRequest{offset, length};
                                               });
}

protocol::TrainInitReply BoardClient::train_init(uint8_t arena_paint) {
  const auto raw = request_body(protocol::Command::kTrainInit,
                                protocol::TrainInitRequest{arena_paint}, options_.request_timeout);
  return decode_reply<protocol::TrainInitReply>(protocol::Command::kTrainInit, raw);
}

protocol::TrainStepReply BoardClient::train_step(uint32_t label) {
  const auto raw = request_body(protocol::Command::kTrainStep, protocol::TrainStepRequest{label},
                                options_.run_timeout);
  return decode_reply<protocol::TrainStepReply>(protocol::Command::kTrainStep, raw);
}

protocol::TrainLayerReply BoardClient::train_layer(uint16_t layer) {
  const auto raw = request_body(protocol::Command::kTrainLayer, protocol::TrainLayerRequest{layer},
                                options_.request_timeout);
  return decode_reply<protocol::TrainLayerReply>(protocol::Command::kTrainLayer, raw);
}

std::vector<uint8_t> BoardClient::train_params(uint16_t layer, protocol::TrainPart part,
                                               uint32_t size) {
  return read_in_chunks<protocol::TrainParamsReply>(
      protocol::Command::kTrainParams, size, protocol::kMaxTrainParamsChunk,
      [&](uint32_t offset, uint16_t length) {
        return protocol::TrainParamsRequest{layer, part, offset, length};
      });
}

void BoardClient::reset() { request_empty(protocol::Command::kReset, options_.request_timeout); }

RawReply BoardClient::exchange_raw(const std::vector<uint8_t>& bytes, milliseconds timeout) {
  if (needs_resync_) resync();
  write_all(bytes.data(), bytes.size());
  int bad_frames = 0;
  RawReply reply;
  if (!next_frame(Clock::now() + timeout, reply, bad_frames)) {
    needs_resync_ = true;
    throw BoardTimeoutError(prefix() + "no reply to raw bytes within " +
                            std::to_string(timeout.count()) + " ms on " +
                            transport_->description());
  }
  return reply;
}

}  // namespace tinynas::profiler
