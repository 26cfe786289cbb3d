// The exported application: the generated model (model.h / model.cpp) behind a serial line.
// The protocol server (tinynas/firmware/server/) answers the inference subset of the runner
// protocol: HELLO, INPUT (int8 sample bytes, chunked, straight into the input tensor), RUN (one
// inference, cycles measured), OUTPUT (the class scores) and RESET. The model is built in, so
// LOAD_* and PER_OP are answered with kUnknownCommand. Any runner-protocol host (tinynas export
// --verify, profiler::BoardClient) can drive it; a person can replace this file with their own
// application and keep model.*.
#include "firmware/board/board.h"
#include "firmware/server/protocol_server.h"
#include "model.h"

#ifndef TINYNAS_EXPORT_VERSION
#error "TINYNAS_EXPORT_VERSION must be defined by the project's CMakeLists.txt"
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
  serve_serial_port(s);
}
