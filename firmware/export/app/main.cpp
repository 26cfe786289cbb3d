// The exported application: the generated model (model.h / model.cpp) behind a serial line.
// The protocol server (tinynas/firmware/server/) answers the inference subset of the runner
// protocol: HELLO, INPUT (int8 sample bytes, chunked, straight into the input tensor), RUN (one
// inference, cycles measured), OUTPUT (the class scores) and RESET. The model is built in, so
// LOAD_* and PER_OP are answered with kUnknownCommand. Any runner-protocol host (tinynas export
// --verify, profiler::BoardClient) can drive it; a person can replace this file with their own
// application and keep model.*.
//
// Exported with --protocol mlperf-tiny (TINYNAS_SERIAL_PROTOCOL_MLPERF_TINY=1), the firmware
// boots speaking the MLPerf Tiny benchmark protocol (tinynas/firmware/mlperf_tiny/dut.h: the
// benchmark's runner drives it at 115200 baud) and still answers the runner protocol, which a
// tinynas host switches to by itself (mlperf_tiny/protocol_switch.h).
#include <string.h>

#include "firmware/board/board.h"
#include "firmware/server/protocol_server.h"
#include "model.h"

#ifndef TINYNAS_EXPORT_VERSION
#error "TINYNAS_EXPORT_VERSION must be defined by the project's CMakeLists.txt"
#endif

#if TINYNAS_SERIAL_PROTOCOL_MLPERF_TINY
#include "firmware/mlperf_tiny/dut.h"
#include "firmware/mlperf_tiny/model_name.h"
#include "firmware/mlperf_tiny/protocol_switch.h"
#endif

namespace tinynas::firmware {
namespace {

// Uploaded input goes straight into the input tensor in the arena (no staging copy), so static
// RAM stays exactly the planned arena + scratch. The arena is not painted: that would erase
// the uploaded input (the runner measures arena use; see README).
ServedModel built_in_model() {
  ServedModel model{};
  model.input = reinterpret_cast<uint8_t*>(model_input());
  model.input_bytes = MODEL_INPUT_BYTES;
  model.input_staging = nullptr;
  model.output = reinterpret_cast<const uint8_t*>(model_output());
  model.output_bytes = MODEL_OUTPUT_BYTES;
  model.op_count = MODEL_OP_COUNT;
  return model;
}

ProtocolServer& server() {
  static ProtocolServer instance(
      ServerIdentity{board_facts(), TINYNAS_EXPORT_VERSION, 0, MODEL_ARENA_BYTES,
                     MODEL_SCRATCH_BYTES},
      server_platform(),
      ModelHooks{nullptr, [](void*) { return model_invoke(); }, nullptr, nullptr});
  return instance;
}

#if TINYNAS_SERIAL_PROTOCOL_MLPERF_TINY
// The MLPerf Tiny model side: `db` bytes are staged here (the input tensor lives in the arena,
// which an in-place first op may overwrite), copied into the input before every inference.
uint8_t g_db[MODEL_INPUT_BYTES];
char g_model_name[mlperf_tiny::kModelNameSize];
bool g_model_ready = false;

mlperf_tiny::ThModel th_model() {
  mlperf_tiny::ThModel model{};
  model.facts = [](void*, mlperf_tiny::ThModelFacts* facts) {
    facts->name = g_model_name;
    facts->db = g_db;
    facts->input_bytes = MODEL_INPUT_BYTES;
    facts->result_count = MODEL_OUTPUT_BYTES;
    return g_model_ready;
  };
  model.load_tensor = [](void*) {};
  model.infer = [](void*) {
    memcpy(model_input(), g_db, MODEL_INPUT_BYTES);
    return model_invoke();
  };
  model.result = [](void*, uint32_t index) {
    return MODEL_OUTPUT_SCALE * static_cast<float>(static_cast<int32_t>(model_output()[index]) -
                                                   MODEL_OUTPUT_ZERO_POINT);
  };
  return model;
}
#endif

}  // namespace
}  // namespace tinynas::firmware

extern "C" void tinynas_firmware_main() {
  using namespace tinynas::firmware;
  board_init();
  ProtocolServer& s = server();
  // A model that fails to initialise (cannot happen for an exported, validated model unless the
  // image is corrupt) makes every model request fail with the runtime's status.
  const int init_status = model_init();
  if (init_status == 0) {
    s.serve(built_in_model());
  } else {
    protocol::ErrorReply detail;
    detail.runtime_status = static_cast<uint8_t>(init_status);
    s.withdraw(protocol::ReplyStatus::kInvalidModel, detail);
  }
#if TINYNAS_SERIAL_PROTOCOL_MLPERF_TINY
  mlperf_tiny::crc_model_name(MODEL_FILE_CRC32, g_model_name);
  g_model_ready = init_status == 0;
  static mlperf_tiny::MlperfDut dut("tinynas " TINYNAS_BOARD_KIND, TINYNAS_EXPORT_VERSION,
                                    th_port(), th_model());
  static mlperf_tiny::ProtocolSwitch line(s, dut, mlperf_tiny::SerialProtocol::kMlperfTiny);
  dut.boot();
  serve_serial_port(line);
#else
  serve_serial_port(s);
#endif
}
