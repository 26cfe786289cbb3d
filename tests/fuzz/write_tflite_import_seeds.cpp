// Writes the seed corpus of the TFLite importer fuzzer: the generated models of
// tests/tflite/generated_models.h (every operator and option the importer maps) as
// seed-<name>.tflite.
// Usage: write_tflite_import_seeds DIR   (the committed corpus: tests/fuzz/corpus/tflite_import)
#include <cstdio>
#include <exception>
#include <string>

#include "tests/tflite/generated_models.h"
#include "tflite/model_writer.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: write_tflite_import_seeds DIR\n");
    return 2;
  }
  try {
    for (const auto& generated : tinynas::tflite::testing::generated_models()) {
      tinynas::tflite::write_model_file(
          std::string(argv[1]) + "/seed-" + generated.name + ".tflite", generated.model);
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "write_tflite_import_seeds: %s\n", error.what());
    return 1;
  }
  return 0;
}
