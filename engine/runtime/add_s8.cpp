// Elementwise int8 addition with TFLite ADD int8 arithmetic (add_element.h).
#include "engine/runtime/add_element.h"
#include "engine/runtime/kernels.h"

namespace tinynas::runtime {

void add_s8(const AddParams& params, const int8_t* input0, const int8_t* input1, int8_t* output,
            int32_t size) {
  // A local copy: the int8 stores could alias the caller's parameters, which would make the
  // compiler reload them for every element.
  const AddParams local = params;
  // Element i is read before it is written and nothing else is read afterwards, so the output may
  // alias either input.
  for (int32_t i = 0; i < size; ++i) output[i] = add_s8_element(local, input0[i], input1[i]);
}

}  // namespace tinynas::runtime
