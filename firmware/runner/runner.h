// The runner's protocol engine: turns request frames into replies (protocol/messages.h) and
// owns the loaded model, its interpreter and the measurements of the last RUN. Board-agnostic
// (no register access): the board hands it memory and a few functions (RunnerPlatform), so the
// same code runs in every firmware image and can be exercised on the host.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "engine/runtime/interpreter.h"
#include "engine/runtime/model_reader.h"
#include "firmware/protocol/frame_decoder.h"
#include "firmware/protocol/messages.h"
#include "firmware/protocol/protocol.h"

namespace tinynas::firmware {

// Facts the runner reports in HELLO (configs/boards/<kind>.json holds the same values).
struct BoardFacts {
  const char* kind;
  const char* core;
  uint32_t clock_hz;
  uint32_t sram_bytes;
  uint32_t flash_bytes;
  protocol::TimerKind timer;
  protocol::KernelPath kernel_path;
};

// Static buffers of the board (no heap). Model region, arena and scratch must not overlap;
// model_region must be 4-byte aligned (the validator reads int32 arrays in place).
struct RunnerMemory {
  uint8_t* model_region;
  uint32_t model_region_bytes;
  uint8_t* arena;
  uint32_t arena_bytes;
  uint8_t* scratch;
  uint32_t scratch_bytes;
  uint32_t* per_op_cycles;  // one slot per op of the last iteration
  uint16_t per_op_capacity;
};

struct RunnerPlatform {
  void (*write)(const uint8_t* data, size_t size);  // blocking serial write
  void (*cycle_counter_restart)();                  // counter := 0, phase fixed (determinism)
  uint64_t (*cycle_counter_read)();                 // CPU clock cycles since the restart
  void (*stack_paint)();                            // paint the free stack below the caller
  uint32_t (*stack_bytes_used)();                   // high-water mark since the last paint
};

class Runner {
 public:
  Runner(const BoardFacts& facts, const RunnerMemory& memory, const RunnerPlatform& platform,
         const char* firmware_version);

  // Feeds one received byte; a completed (or rejected) frame is answered through platform.write.
  void on_byte(uint8_t byte);

  // Answers one decoded request payload into `reply` (capacity >= kMaxPayload); returns the
  // reply payload size. Public so tests can drive the runner without framing.
  size_t handle_request(const uint8_t* payload, size_t size, uint8_t* reply);
  size_t bad_frame_reply(protocol::FrameError error, uint8_t* reply);

 private:
  enum class State : uint8_t { kEmpty, kLoading, kLoaded };

  size_t hello(const protocol::RequestHeader& h, protocol::ByteReader& in, uint8_t* reply);
  size_t load_begin(const protocol::RequestHeader& h, protocol::ByteReader& in, uint8_t* reply);
  size_t load_chunk(const protocol::RequestHeader& h, protocol::ByteReader& in, uint8_t* reply);
  size_t load_end(const protocol::RequestHeader& h, protocol::ByteReader& in, uint8_t* reply);
  size_t input(const protocol::RequestHeader& h, protocol::ByteReader& in, uint8_t* reply);
  size_t run(const protocol::RequestHeader& h, protocol::ByteReader& in, uint8_t* reply);
  size_t per_op(const protocol::RequestHeader& h, protocol::ByteReader& in, uint8_t* reply);
  size_t output(const protocol::RequestHeader& h, protocol::ByteReader& in, uint8_t* reply);
  size_t reset(const protocol::RequestHeader& h, protocol::ByteReader& in, uint8_t* reply);

  // Non-ok reply with the common error body.
  size_t error(const protocol::RequestHeader& h, protocol::ReplyStatus status,
               const protocol::ErrorReply& body, uint8_t* reply);
  size_t bad_length(const protocol::RequestHeader& h, uint8_t* reply);
  // kBusy while loading, kNoModel when nothing is loaded, 0 when a model is ready.
  size_t require_model(const protocol::RequestHeader& h, uint8_t* reply);
  void unload();

  void fill_input(protocol::InputMode mode, uint32_t seed);
  uint32_t arena_high_water(uint8_t paint) const;
  static void op_begin(void* ctx, uint16_t op);
  static void op_end(void* ctx, uint16_t op);

  BoardFacts facts_;
  RunnerMemory memory_;
  RunnerPlatform platform_;
  const char* firmware_version_;

  protocol::FrameDecoder decoder_;
  uint8_t reply_payload_[protocol::kMaxPayload];
  uint8_t reply_frame_[protocol::kMaxEncodedFrame];

  State state_ = State::kEmpty;
  uint32_t load_total_ = 0;
  uint32_t load_received_ = 0;
  runtime::ModelView model_;
  runtime::Interpreter interpreter_;
  uint8_t* input_staging_ = nullptr;  // in the model region, after the model
  uint32_t input_bytes_ = 0;
  uint32_t output_bytes_ = 0;
  bool input_uploaded_ = false;
  bool has_run_ = false;
  uint32_t op_start_cycles_ = 0;
  size_t request_body_size_ = 0;  // for kBadLength replies
};

}  // namespace tinynas::firmware
