// Writes the seed corpus of the TFLite reader fuzzer: small valid models from our writer
// (seed-*.tflite) covering every operator whose options are decoded, per-channel and per-tensor
// weights and undecoded operators; plus truncated copies (variant-truncated-*, which the reader
// must refuse) and copies with single bytes changed (variant-mutated-*).
// Usage: write_tflite_seeds DIR   (the committed corpus lives in tests/fuzz/corpus/tflite_reader)
#include <cstdio>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

#include "tests/tflite/tflite_test_models.h"
#include "tflite/model_writer.h"

namespace {

namespace tfl = tinynas::tflite;

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  if (!file) throw std::runtime_error(path + ": cannot write");
}

void write_seed(const std::string& dir, const std::string& name, const tfl::Model& model) {
  const std::vector<uint8_t> bytes = tfl::write_model(model);
  write_bytes(dir + "/seed-" + name + ".tflite", bytes);
  for (int quarter = 1; quarter <= 3; ++quarter) {
    const size_t size = bytes.size() * static_cast<size_t>(quarter) / 4;
    write_bytes(dir + "/variant-truncated-" + name + "-" + std::to_string(size) + ".tflite",
                std::vector<uint8_t>(bytes.begin(), bytes.begin() + static_cast<long>(size)));
  }
  // Byte changes spread over the file: offsets, vtable entries, counts and values alike.
  for (int k = 1; k <= 4; ++k) {
    std::vector<uint8_t> mutated = bytes;
    const size_t at = bytes.size() * static_cast<size_t>(k) / 5;
    mutated[at] = static_cast<uint8_t>(mutated[at] ^ 0xA5);
    write_bytes(dir + "/variant-mutated-" + name + "-" + std::to_string(at) + ".tflite", mutated);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  namespace testing = tfl::testing;
  try {
    write_seed(dir, "fully-connected", testing::make_fully_connected_model(8, 4, 1));
    write_seed(dir, "fully-connected-per-tensor",
               testing::make_fully_connected_model(6, 3, 2, tfl::Activation::kRelu6, false));
    write_seed(dir, "conv-stride2", testing::make_conv_model(5, 2, 3, 2, 3));
    write_seed(dir, "cnn", testing::make_cnn_model(4));
    write_seed(dir, "unsupported-ops", testing::make_unsupported_ops_model());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "write_tflite_seeds: %s\n", e.what());
    return 1;
  }
  return 0;
}
