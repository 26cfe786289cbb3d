#include "tests/fuzz/tflite_import_fuzz_target.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <vector>

#include "engine/compiler/memory_plan.h"
#include "engine/compiler/model_file.h"
#include "engine/compiler/model_writer.h"
#include "tflite/model_reader.h"
#include "tflite/tflite_error.h"
#include "tflite_convert/tflite_import.h"

namespace tinynas::fuzz {

TfliteImportOutcome check_tflite_import_input(const uint8_t* data, size_t size) {
  TfliteImportOutcome outcome;
  // An exactly sized copy, so that ASan sees any read past the end.
  const std::unique_ptr<uint8_t[]> copy(new uint8_t[std::max<size_t>(size, 1)]);
  std::copy(data, data + size, copy.get());
  tflite::Model model;
  try {
    model = tflite::read_model(copy.get(), size);
  } catch (const tflite::TfliteError& e) {
    outcome.error = e.what();
    return outcome;
  }
  outcome.read = true;
  compiler::Graph graph;
  try {
    graph = tflite_convert::import_tflite(model);
  } catch (const tflite_convert::ImportError& e) {
    outcome.error = e.what();
    return outcome;
  } catch (const tflite::TfliteError& e) {  // options of another kind than the operator's
    outcome.error = e.what();
    return outcome;
  }
  try {
    const std::vector<uint8_t> bytes = compiler::write_model(graph, compiler::plan_memory(graph));
    const compiler::LoadedModel loaded(bytes, "fuzz input");
  } catch (const std::exception&) {
    std::abort();  // an imported graph that the planner, the writer or the runtime refuses
  }
  outcome.imported = true;
  return outcome;
}

}  // namespace tinynas::fuzz
