#include "tests/fuzz/tflite_fuzz_target.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <vector>

#include "tflite/model.h"
#include "tflite/model_reader.h"
#include "tflite/model_writer.h"
#include "tflite/tflite_error.h"

namespace tinynas::fuzz {
namespace {

bool has_undecoded_options(const tflite::Model& model) {
  for (const tflite::SubGraph& subgraph : model.subgraphs) {
    for (const tflite::Operator& op : subgraph.operators) {
      if (std::holds_alternative<tflite::UndecodedOptions>(op.options)) return true;
    }
  }
  return false;
}

}  // namespace

TfliteFuzzOutcome check_tflite_input(const uint8_t* data, size_t size) {
  TfliteFuzzOutcome outcome;
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
  // The writer refuses option tables it never saw the contents of.
  if (has_undecoded_options(model)) return outcome;
  try {
    const std::vector<uint8_t> written = tflite::write_model(model);
    const tflite::Model back = tflite::read_model(written);
    if (!(back == model)) std::abort();                      // the writer lost or changed something
    if (tflite::write_model(back) != written) std::abort();  // not deterministic
  } catch (const tflite::TfliteError&) {
    std::abort();  // the reader accepted a model that the writer or the reader then refuses
  }
  outcome.round_tripped = true;
  return outcome;
}

}  // namespace tinynas::fuzz
