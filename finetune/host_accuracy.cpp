#include "finetune/host_accuracy.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/runtime/interpreter.h"

namespace tinynas::finetune {

double host_accuracy(const compiler::LoadedModel& model, const datasets::ModelInputs& inputs) {
  if (inputs.size() == 0) return 0.0;
  const runtime::ModelView& view = model.view();
  const uint32_t input_bytes = view.tensor(view.input_tensor()).size_bytes;
  const uint32_t output_bytes = view.tensor(view.output_tensor()).size_bytes;
  if (inputs.bytes.size() != static_cast<std::size_t>(input_bytes) * inputs.size()) {
    throw std::invalid_argument(model.origin() + ": the images are not " +
                                std::to_string(input_bytes) + "-byte inputs of the model");
  }
  std::vector<uint8_t> arena(view.arena_size());
  std::vector<uint8_t> scratch(view.scratch_size() + 1);
  runtime::Interpreter interpreter;
  if (interpreter.init(view, arena.data(), static_cast<uint32_t>(arena.size()), scratch.data(),
                       static_cast<uint32_t>(scratch.size())) != runtime::Status::kOk) {
    throw std::runtime_error(model.origin() + ": the interpreter refused the model");
  }
  std::size_t correct = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    std::copy_n(inputs.bytes.data() + i * input_bytes, input_bytes, interpreter.input());
    const runtime::Status status = interpreter.invoke();
    if (status != runtime::Status::kOk) {
      throw std::runtime_error(model.origin() +
                               ": inference failed: " + runtime::status_message(status));
    }
    const int8_t* output = interpreter.output();
    const auto best = std::max_element(output, output + output_bytes) - output;
    if (best == inputs.labels[i]) ++correct;
  }
  return static_cast<double>(correct) / static_cast<double>(inputs.size());
}

}  // namespace tinynas::finetune
