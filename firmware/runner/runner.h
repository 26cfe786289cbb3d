// The runner: the protocol server (server/) serving models uploaded over the wire. It adds the
// requests only the runner answers (LOAD_BEGIN / LOAD_CHUNK / LOAD_END, PER_OP) and owns the
// loaded model, its interpreter and the per-op cycles of the last RUN. Board-agnostic (no
// register access): the board hands it memory and a few functions (ServerPlatform), so the same
// code runs in every firmware image and can be exercised on the host.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "engine/runtime/interpreter.h"
#include "engine/runtime/model_reader.h"
#include "firmware/mlperf_tiny/th_port.h"
#include "firmware/server/protocol_server.h"
#include "firmware/server/replies.h"

namespace tinynas::firmware {

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

// The runner's static buffers, sized per board at build time (runner_memory.cpp).
RunnerMemory runner_memory();

class Runner {
 public:
  Runner(const BoardFacts& facts, const RunnerMemory& memory, const ServerPlatform& platform,
         const char* firmware_version);
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // The server to feed received bytes to (ProtocolServer::on_byte).
  ProtocolServer& server() { return server_; }
  // The loaded model as the MLPerf Tiny device side takes it: `db` bytes go to the input
  // staging buffer, each inference copies them into the input tensor first (an in-place first
  // op may overwrite it), results are the output tensor dequantized.
  mlperf_tiny::ThModel th_model();

 private:
  enum class State : uint8_t { kEmpty, kLoading, kLoaded };

  static size_t extra_request(void* self, const Request& request, uint8_t* reply);
  static int invoke(void* self);
  static void reset(void* self);

  size_t load_begin(const Request& request, uint8_t* reply);
  size_t load_chunk(const Request& request, uint8_t* reply);
  size_t load_end(const Request& request, uint8_t* reply);
  size_t per_op(const Request& request, uint8_t* reply);
  void unload();

  static bool th_facts(void* self, mlperf_tiny::ThModelFacts* facts);
  static int th_infer(void* self);
  static float th_result(void* self, uint32_t index);

  static void op_begin(void* ctx, uint16_t op);
  static void op_end(void* ctx, uint16_t op);

  RunnerMemory memory_;
  ServerPlatform platform_;
  ProtocolServer server_;

  State state_ = State::kEmpty;
  uint32_t load_total_ = 0;
  uint32_t load_received_ = 0;
  runtime::ModelView model_;
  runtime::Interpreter interpreter_;
  uint32_t op_start_cycles_ = 0;
  ServedModel served_{};
  float output_scale_ = 0.0f;
  int32_t output_zero_point_ = 0;
  char model_name_[16] = {};  // mlperf_tiny::crc_model_name of the loaded model
};

}  // namespace tinynas::firmware
