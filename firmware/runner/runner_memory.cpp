// The runner's static buffers (no heap), sized per board by the firmware build from
// configs/boards/<kind>.json and placed by the board's linker script: the model region in its
// own output section (RAM that the host uploads models into), arena and scratch in SRAM. All
// NOLOAD, so the startup code does not spend time zeroing megabytes.
#include "engine/runtime/model_format.h"
#include "firmware/runner/runner.h"

#ifndef TINYNAS_MODEL_REGION_BYTES
#error "TINYNAS_MODEL_REGION_BYTES must be defined by the firmware build"
#endif

namespace tinynas::firmware {

namespace {
constexpr uint32_t kBufferAlignment = 16;
alignas(kBufferAlignment)
    __attribute__((section(".model_region"))) uint8_t g_model_region[TINYNAS_MODEL_REGION_BYTES];
alignas(kBufferAlignment) __attribute__((section(".arena"))) uint8_t g_arena[TINYNAS_ARENA_BYTES];
alignas(kBufferAlignment)
    __attribute__((section(".scratch"))) uint8_t g_scratch[TINYNAS_SCRATCH_BYTES];
uint32_t g_per_op_cycles[runtime::kMaxOps];
}  // namespace

RunnerMemory runner_memory() {
  return RunnerMemory{g_model_region, sizeof(g_model_region), g_arena,         sizeof(g_arena),
                      g_scratch,      sizeof(g_scratch),      g_per_op_cycles, runtime::kMaxOps};
}

}  // namespace tinynas::firmware
