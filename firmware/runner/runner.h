// The runner: the protocol server (server/) serving models uploaded over the wire. It adds the
// requests only the runner answers (LOAD_BEGIN / LOAD_CHUNK / LOAD_END, LOAD_PLACED, PER_OP, and
// for a training model TRAIN_INIT / TRAIN_STEP / TRAIN_LAYER / TRAIN_PARAMS: runner_training.cpp)
// and owns the loaded model, its interpreter, its training executor and the per-op cycles of the
// last RUN. Board-agnostic (no
// register access): the board hands it memory and a few functions (ServerPlatform), so the same
// code runs in every firmware image and can be exercised on the host.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "engine/runtime/interpreter.h"
#include "engine/runtime/model_reader.h"
#include "engine/runtime/training_executor.h"
#include "engine/runtime/training_model.h"
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
  size_t load_placed(const Request& request, uint8_t* reply);
  // The refusal of a model of `total_size` bytes (empty, or larger than the model region); 0
  // when it may be loaded.
  size_t refuse_model_size(const Request& request, uint32_t total_size, uint8_t* reply);
  // The CRC check and validation LOAD_END and LOAD_PLACED share: the first `total` bytes of
  // the model region become the served model, or the reply says why not.
  size_t accept_model(const Request& request, uint32_t total, uint32_t claimed_crc, uint8_t* reply);
  size_t per_op(const Request& request, uint8_t* reply);
  void unload();

  // Training (runner_training.cpp). The refusal when the loaded model has no training section
  // (or none is loaded), or, with `initialized`, when TRAIN_INIT has not run since; 0 otherwise.
  size_t refuse_training(const Request& request, bool initialized, uint8_t* reply) const;
  size_t train_init(const Request& request, uint8_t* reply);
  size_t train_step(const Request& request, uint8_t* reply);
  size_t train_layer(const Request& request, uint8_t* reply);
  size_t train_params(const Request& request, uint8_t* reply);
  // The current bytes of `part` of trained layer `layer` (size 0 when that part does not train).
  const uint8_t* trained_part(uint16_t layer, protocol::TrainPart part, uint32_t* size) const;

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
  char model_name_[16] = {};        // mlperf_tiny::crc_model_name of the loaded model
  runtime::TrainingView training_;  // valid when the loaded model is a training model
  runtime::TrainingExecutor trainer_;
  bool trainer_ready_ = false;  // TRAIN_INIT ran and no RUN has repainted the arena since
  uint8_t arena_paint_ = 0;
  uint32_t train_steps_ = 0;
};

}  // namespace tinynas::firmware
