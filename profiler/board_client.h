// Request/reply client of the runner protocol (firmware/protocol/): one request in flight, a
// sequence number per request, a timeout per request, error replies decoded into exceptions
// that say which board rejected what and why. After a timeout or a garbage reply the client
// resynchronises before its next request, so one bad exchange never poisons the next.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "firmware/protocol/frame_decoder.h"
#include "firmware/protocol/messages.h"
#include "firmware/protocol/protocol.h"
#include "profiler/transport.h"

namespace tinynas::profiler {

namespace protocol = firmware::protocol;

// Anything that went wrong talking to a board. The message starts with "board <name>: ".
class BoardError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// The board answered with an error status.
class BoardRejectedError : public BoardError {
 public:
  BoardRejectedError(const std::string& message, protocol::Command command,
                     protocol::ReplyStatus status, const protocol::ErrorReply& detail)
      : BoardError(message), command_(command), status_(status), detail_(detail) {}
  protocol::Command command() const { return command_; }
  protocol::ReplyStatus status() const { return status_; }
  const protocol::ErrorReply& detail() const { return detail_; }

 private:
  protocol::Command command_;
  protocol::ReplyStatus status_;
  protocol::ErrorReply detail_;
};
// No (valid) reply arrived within the request's timeout.
class BoardTimeoutError : public BoardError {
 public:
  using BoardError::BoardError;
};
// A reply arrived but does not follow the protocol (wrong command, malformed body).
class BoardProtocolError : public BoardError {
 public:
  using BoardError::BoardError;
};
// The byte stream itself failed (port gone, QEMU died).
class BoardLinkError : public BoardError {
 public:
  using BoardError::BoardError;
};

// HELLO reply with owned strings.
using BoardInfo = protocol::BasicHelloReply<std::string>;

// One decoded reply frame, for callers that drive the protocol by hand (fault tests).
struct RawReply {
  protocol::ReplyHeader header;
  std::vector<uint8_t> body;
};

struct BoardClientOptions {
  std::chrono::milliseconds request_timeout{3000};  // every request except RUN
  std::chrono::milliseconds run_timeout{120000};    // RUN (icount emulation is slow)
  // Resync: after a failed exchange, discard input until the line is quiet this long ...
  std::chrono::milliseconds resync_quiet{50};
  // ... but for no longer than this.
  std::chrono::milliseconds resync_limit{1000};
};

// The human-readable reason of an error reply, without the board prefix, e.g.
// "model validation failed: op 3 (field 12): invalid op parameter".
std::string describe_error_reply(protocol::ReplyStatus status, const protocol::ErrorReply& error);

class BoardClient {
 public:
  // `name` labels messages until HELLO reports the board's own name.
  BoardClient(std::unique_ptr<Transport> transport, std::string name,
              BoardClientOptions options = {});

  // Replaces the byte stream (after a board restart); the next request resyncs first.
  void replace_transport(std::unique_ptr<Transport> transport);
  Transport& transport() { return *transport_; }
  const std::string& name() const { return name_; }
  const BoardClientOptions& options() const { return options_; }

  BoardInfo hello();
  // Whole upload: LOAD_BEGIN, LOAD_CHUNKs of the board's max chunk, LOAD_END with the CRC-32.
  protocol::LoadEndReply load_model(const std::vector<uint8_t>& model);
  // The steps of load_model, one request each.
  protocol::LoadBeginReply load_begin(uint32_t total_size);
  protocol::LoadChunkReply load_chunk(uint32_t offset, const uint8_t* data, std::size_t size);
  protocol::LoadEndReply load_end(uint32_t crc32);
  // The model is already in the board's model region (written over a debug probe, see
  // gdb_model_upload.h): LOAD_PLACED with its size and CRC-32.
  protocol::LoadEndReply load_placed(uint32_t total_size, uint32_t crc32);
  // SET_BAUD, then the transport follows; a HELLO at the new rate checks the line. Throws
  // BoardRejectedError when the board's UART cannot run at `baud` (the line stays as it was).
  void set_baud(uint32_t baud);
  void upload_input(const std::vector<uint8_t>& input);
  protocol::RunReply run(uint32_t iterations, protocol::InputMode mode, uint32_t seed = 0);
  std::vector<uint32_t> per_op_cycles(uint16_t op_count);
  std::vector<uint8_t> output(uint32_t output_bytes);
  void reset();
  // Training on the board (a training model loaded): TRAIN_INIT with the arena's paint byte,
  // TRAIN_STEP on the uploaded input (upload_input first), TRAIN_LAYER (sizes and CRC-32s of a
  // trained layer's current parameters) and the `size` bytes of one part read in chunks.
  protocol::TrainInitReply train_init(uint8_t arena_paint = 0x55);
  protocol::TrainStepReply train_step(uint32_t label);
  protocol::TrainLayerReply train_layer(uint16_t layer);
  std::vector<uint8_t> train_params(uint16_t layer, protocol::TrainPart part, uint32_t size);

  // Writes `bytes` as they are (no framing) and returns the next reply frame that arrives,
  // whatever its sequence: for tests that send corrupted frames on purpose.
  RawReply exchange_raw(const std::vector<uint8_t>& bytes, std::chrono::milliseconds timeout);
  // Sends a flush delimiter and drops everything the board sends until the line is quiet.
  void resync();

 private:
  RawReply request(protocol::Command command, const uint8_t* payload, std::size_t size,
                   std::chrono::milliseconds timeout);
  template <typename Body>
  RawReply request_body(protocol::Command command, const Body& body,
                        std::chrono::milliseconds timeout);
  RawReply request_empty(protocol::Command command, std::chrono::milliseconds timeout);
  template <typename Reply>
  Reply decode_reply(protocol::Command command, const RawReply& raw);
  // Reads `total` bytes with one request of at most `max_chunk` bytes per chunk
  // (make_request(offset, length)); every reply must hold exactly the bytes asked for.
  template <typename Reply, typename MakeRequest>
  std::vector<uint8_t> read_in_chunks(protocol::Command command, uint32_t total, uint16_t max_chunk,
                                      MakeRequest make_request);
  // Reads until a complete frame arrives (true) or the deadline passes (false).
  bool next_frame(std::chrono::steady_clock::time_point deadline, RawReply& reply, int& bad_frames);
  void write_all(const uint8_t* data, std::size_t size);
  uint8_t next_sequence();
  [[noreturn]] void fail_link(const std::string& what);
  std::string prefix() const;

  std::unique_ptr<Transport> transport_;
  std::string name_;
  BoardClientOptions options_;
  uint8_t sequence_ = 0;
  bool needs_resync_ = true;
  uint16_t max_chunk_ = static_cast<uint16_t>(protocol::kMaxChunk);
  protocol::FrameDecoder decoder_;
  std::vector<uint8_t> pending_;  // received bytes not yet fed to the decoder
  std::size_t pending_position_ = 0;
};

}  // namespace tinynas::profiler
