// The porting layer of the MLPerf Tiny device side, in the spirit of the benchmark's `th_`
// functions: what a board and a model lend the command interpreter (dut.h). The board side
// (ThPort) prints (th_printf) and reads the clock (th_timestamp); th_getchar is the board's
// serial read, which feeds MlperfDut::on_byte. The model side (ThModel) loads the tensor
// (th_load_tensor), runs one inference (th_infer) and gives the class scores (th_results).
// Freestanding: plain function pointers, no heap.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace tinynas::firmware::mlperf_tiny {

struct ThPort {
  void (*write)(const uint8_t* data, size_t size);  // blocking serial write (th_printf's sink)
  uint64_t (*timestamp_us)();                       // microseconds, monotonic (th_timestamp)
};

// What the model side reports while a model is ready.
struct ThModelFacts {
  const char* name;       // printed as m-model-[name]: no ']' and no line break
  uint8_t* db;            // where `db` hex bytes are stored (the staged input tensor)
  uint32_t input_bytes;   // `db load N` must announce at most this; `infer` needs exactly it
  uint32_t result_count;  // class scores printed by `results`
};

struct ThModel {
  void* context;
  // false while no model is ready (`db load`, `infer` and `results` are then refused).
  bool (*facts)(void* context, ThModelFacts* facts);
  // th_load_tensor: the `db` bytes (input_bytes of them) become the model's input.
  void (*load_tensor)(void* context);
  // th_infer: one inference on the loaded tensor; 0, or the runtime status that stopped it.
  int (*infer)(void* context);
  // th_results: class score `index` (< result_count) of the last inference, dequantized.
  float (*result)(void* context, uint32_t index);
};

}  // namespace tinynas::firmware::mlperf_tiny
