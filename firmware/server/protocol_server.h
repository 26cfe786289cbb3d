// The board side of the runner protocol (protocol/), shared by the runner image
// (firmware/runner/) and exported firmware (firmware/export/app/): decodes request frames,
// checks request bodies, answers HELLO, INPUT, RUN, OUTPUT and RESET for the model the build
// serves, and writes the replies. What differs between builds comes in as data and hooks:
//   ServerIdentity  what HELLO reports (board facts, version, capacities);
//   ServedModel     where the served model's input, output and arena are, set by the build
//                   when a model becomes ready (serve) or stops being ready (withdraw);
//   ModelHooks      how to run one inference, and the requests only some builds answer
//                   (the runner's LOAD_* and PER_OP); anything else gets kUnknownCommand.
// Board-agnostic (no register access) and freestanding (no heap, no virtual calls): the board
// lends it a few functions (ServerPlatform), so it also runs on the host.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "firmware/protocol/frame_decoder.h"
#include "firmware/protocol/messages.h"
#include "firmware/protocol/protocol.h"
#include "firmware/server/replies.h"

namespace tinynas::firmware {

// Facts HELLO reports (configs/boards/<kind>.json holds the same values).
struct BoardFacts {
  const char* kind;
  const char* core;
  uint32_t clock_hz;
  uint32_t sram_bytes;
  uint32_t flash_bytes;
  protocol::TimerKind timer;
  protocol::KernelPath kernel_path;
};

struct ServerPlatform {
  void (*write)(const uint8_t* data, size_t size);  // blocking serial write
  void (*cycle_counter_restart)();                  // counter := 0, phase fixed (determinism)
  uint64_t (*cycle_counter_read)();                 // CPU clock cycles since the restart
  void (*stack_paint)();                            // paint the free stack below the caller
  uint32_t (*stack_bytes_used)();                   // high-water mark since the last paint
  // SET_BAUD: whether the UART can run at `baud`, and the switch itself (waits until the last
  // byte written has left the UART). Both nullptr: the board cannot switch (kUnknownCommand).
  bool (*serial_baud_supported)(uint32_t baud);
  void (*serial_set_baud)(uint32_t baud);
  // LOAD_PLACED: forget cached copies of memory a debug probe wrote (boards with a data
  // cache); nullptr when the core has none.
  void (*data_cache_invalidate)(const void* address, size_t size);
};

struct ServerIdentity {
  BoardFacts board;
  const char* firmware_version;
  uint32_t model_region_bytes;  // 0 when models cannot be uploaded (the model is built in)
  uint32_t arena_capacity_bytes;
  uint32_t scratch_capacity_bytes;
  uint32_t model_region_address;  // where a debug probe writes a model (LOAD_PLACED); 0: none
};

struct ServedModel {
  uint8_t* input;  // the input tensor the model reads
  uint32_t input_bytes;
  // Where INPUT writes. nullptr: straight into `input`, which an in-place first op may
  // overwrite, so RUN on uploaded input runs one iteration. Otherwise a staging buffer that RUN
  // copies into `input` before every iteration; RUN on uploaded input then needs an INPUT first.
  uint8_t* input_staging;
  const uint8_t* output;
  uint32_t output_bytes;
  uint16_t op_count;
  // Painted during RUN to measure how much of it the model writes (RunReply.arena_bytes_used);
  // nullptr: not measured, reported as 0.
  uint8_t* arena;
  uint32_t arena_bytes;
};

struct ModelHooks {
  void* context;
  int (*invoke)(void* context);  // one inference: 0, or the runtime::Status that stopped it
  // Requests besides HELLO, INPUT, RUN, OUTPUT and RESET: the reply size, or 0 when the build
  // does not serve request.header.command (a reply is never empty: it has a header). Optional.
  size_t (*extra_request)(void* context, const Request& request, uint8_t* reply);
  void (*reset)(void* context);  // after RESET is answered. Optional.
};

// Arena use measured by painting: the end of the last byte of arena[0, size) that no longer holds
// `paint` (0 when every byte does). Scans down from the top a word at a time.
uint32_t painted_high_water(const uint8_t* arena, uint32_t size, uint8_t paint);

class ProtocolServer {
 public:
  // Starts without a model: requests that need one are refused with kNoModel until serve().
  ProtocolServer(const ServerIdentity& identity, const ServerPlatform& platform,
                 const ModelHooks& hooks);
  ProtocolServer(const ProtocolServer&) = delete;
  ProtocolServer& operator=(const ProtocolServer&) = delete;

  // Feeds one received byte; a completed (or rejected) frame is answered through platform.write.
  void on_byte(uint8_t byte);

  // Answers one decoded request payload into `reply` (capacity >= kMaxPayload); returns the
  // reply payload size. Public so tests can drive the server without framing.
  size_t handle_request(const uint8_t* payload, size_t size, uint8_t* reply);
  size_t bad_frame_reply(protocol::FrameError error, uint8_t* reply);

  // From now on INPUT, RUN and OUTPUT act on `model` (no input uploaded, no run yet).
  void serve(const ServedModel& model);
  // From now on requests that need a model are refused with `status` and `detail`.
  void withdraw(protocol::ReplyStatus status, const protocol::ErrorReply& detail = {});

  // For the requests a build adds: the refusal when no model is served (0 when one is), and
  // whether a RUN succeeded since the model was served.
  size_t require_model(const Request& request, uint8_t* reply) const;
  bool has_run() const { return has_run_; }
  // Whether an INPUT arrived since the model was served.
  bool input_uploaded() const { return input_uploaded_; }

 private:
  size_t hello(const Request& request, uint8_t* reply) const;
  size_t input(const Request& request, uint8_t* reply);
  size_t run(const Request& request, uint8_t* reply);
  size_t output(const Request& request, uint8_t* reply) const;
  size_t reset(const Request& request, uint8_t* reply);
  size_t set_baud(const Request& request, uint8_t* reply);

  void fill_input(protocol::InputMode mode, uint32_t seed);

  ServerIdentity identity_;
  ServerPlatform platform_;
  ModelHooks hooks_;

  protocol::FrameDecoder decoder_;
  uint8_t reply_payload_[protocol::kMaxPayload];
  uint8_t reply_frame_[protocol::kMaxEncodedFrame];

  ServedModel model_{};
  protocol::ReplyStatus refusal_ = protocol::ReplyStatus::kNoModel;  // kOk while serving
  protocol::ErrorReply refusal_detail_{};
  bool input_uploaded_ = false;
  bool has_run_ = false;
  uint32_t pending_baud_ = 0;  // SET_BAUD accepted: switch once its reply is written
};

}  // namespace tinynas::firmware
