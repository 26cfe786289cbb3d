// libFuzzer target: arbitrary bytes into one serial line that speaks both protocols (the
// runner's ProtocolSwitch in front of the tinynas frame decoder and the MLPerf Tiny command
// interpreter, with a fake model). Must never crash, write out of bounds or print anything but
// whole "m-..." / "e-..." lines of printable text from the MLPerf side.
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "firmware/mlperf_tiny/dut.h"
#include "firmware/mlperf_tiny/protocol_switch.h"
#include "firmware/server/protocol_server.h"

namespace fw = tinynas::firmware;
namespace mt = tinynas::firmware::mlperf_tiny;

namespace {

constexpr uint32_t kInputBytes = 40;
uint8_t g_db[kInputBytes];
uint8_t g_input[kInputBytes];
uint8_t g_output[4];

// The MLPerf side's output, checked line by line as it is written.
size_t g_column = 0;
bool g_line_started_ok = true;

void check_text(const uint8_t* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    const uint8_t c = data[i];
    if (g_column == 0) g_line_started_ok = c == 'm' || c == 'e';
    if (g_column == 1 && c != '-') abort();
    if (!g_line_started_ok) abort();
    if (c == '\n') {
      g_column = 0;
      continue;
    }
    if (c != '\r' && (c < 0x20 || c > 0x7E)) abort();
    ++g_column;
  }
}

uint64_t g_clock = 0;

mt::ThModel fake_model() {
  mt::ThModel model{};
  model.facts = [](void*, mt::ThModelFacts* facts) {
    facts->name = "fuzz01";
    facts->db = g_db;
    facts->input_bytes = kInputBytes;
    facts->result_count = sizeof(g_output);
    return true;
  };
  model.load_tensor = [](void*) {};
  model.infer = [](void*) {
    for (uint32_t i = 0; i < kInputBytes; ++i) g_input[i] = g_db[i];
    g_output[0] = static_cast<uint8_t>(g_output[0] + g_input[0]);
    return g_input[1] == 0xEE ? 3 : 0;  // an inference can fail
  };
  model.result = [](void*, uint32_t index) { return static_cast<float>(g_output[index]) / 7.0f; };
  return model;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fw::ProtocolServer server(
      fw::ServerIdentity{
          fw::BoardFacts{"fuzz-board", "cortex-m4", 25000000, 4096, 8192,
                         fw::protocol::TimerKind::kSysTick, fw::protocol::KernelPath::kPlain},
          "fuzz 1.0", 0, 2048, 512},
      fw::ServerPlatform{[](const uint8_t*, size_t) {}, [] {}, [] { return uint64_t{0}; }, [] {},
                         [] { return 0u; }},
      fw::ModelHooks{nullptr, [](void*) { return 0; }, nullptr, nullptr});
  static mt::MlperfDut dut("fuzz-dut", "fuzz 1.0",
                           mt::ThPort{check_text, [] { return g_clock += 3; }}, fake_model());
  if (size == 0) return 0;
  // Both decoders at a boundary, and a fresh line starting in the protocol the first byte picks.
  server.on_byte(0x00);
  dut.discard_partial_command();
  g_column = 0;
  mt::ProtocolSwitch line(
      server, dut,
      (data[0] & 1) != 0 ? mt::SerialProtocol::kTinynas : mt::SerialProtocol::kMlperfTiny);
  for (size_t i = 1; i < size; ++i) line.on_byte(data[i]);
  // The MLPerf side always finishes its lines.
  if (g_column != 0) abort();
  return 0;
}
