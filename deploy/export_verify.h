// `tinynas export --verify N`: runs the exported image on its board (QEMU, or a real board on a
// serial port), sends N samples, and compares every output byte with the host engine running
// the same .tnm. Samples: the test split of the search job's dataset when given, else the
// Fashion-MNIST test split when the model takes 28x28x1 input (quantized with the model's input
// scale and zero point), otherwise seeded pseudo-random inputs (outputs compared, no accuracy).
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "deploy/export_project.h"
#include "engine/compiler/model_file.h"
#include "profiler/board_spec.h"

namespace tinynas::deploy {

struct VerifyOptions {
  std::size_t samples = 0;
  std::string dataset_dir;  // Fashion-MNIST directory (t10k-*.gz); empty: the default
  // A search job's "dataset" object: its test images are the samples (deploy/dataset_samples.h),
  // whatever the input's shape; null: Fashion-MNIST or pseudo-random as above.
  nlohmann::json dataset;
  std::string port;         // real board: serial device or unix:/tcp: socket; empty: QEMU
  uint32_t first_seed = 1;  // pseudo-random sample i uses seed first_seed + i
};

struct VerifyResult {
  std::string board;
  std::string firmware_version;
  std::string sample_source;  // "Fashion-MNIST test split (dir)" or "pseudo-random (seeds a..b)"
  std::size_t samples = 0;
  std::size_t mismatches = 0;  // samples whose board output differs from the host engine
  std::optional<std::size_t> first_mismatch;
  bool labeled = false;
  std::size_t board_correct = 0;  // top-1 hits (labeled samples only)
  std::size_t host_correct = 0;
  uint64_t total_cycles = 0;  // over all samples, one inference each
  uint32_t max_cycles = 0;
  uint32_t clock_hz = 0;
  uint32_t max_stack_bytes = 0;
  bool bit_exact() const { return mismatches == 0; }
};

// The directory the Fashion-MNIST files are read from by default.
std::string default_fashion_mnist_dir();

// The Fashion-MNIST directory to verify with: `requested` when given, else the dataset of the
// source's search job when that is Fashion-MNIST, else empty (the default directory).
std::string verify_dataset_dir(const ExportSource& source, const std::string& requested);

// The dataset object to take samples from: the source's search job's, unless a Fashion-MNIST
// directory is `requested` or the job's dataset is Fashion-MNIST (read as above) or synthetic
// (no files: pseudo-random inputs); null then.
nlohmann::json verify_dataset(const ExportSource& source, const std::string& requested);

// Quantizes a grey pixel the way the supernet normalizes Fashion-MNIST ((p/255 - mean) / std)
// with the model's input scale and zero point, clamped to the int8 range.
int8_t quantize_fashion_mnist_pixel(uint8_t pixel, float scale, int32_t zero_point);

// Throws BoardError / ProcessError / std::runtime_error naming the board, the image or the sample.
VerifyResult verify_export(const compiler::LoadedModel& model, const profiler::BoardSpec& spec,
                           const std::string& elf, const VerifyOptions& options);

}  // namespace tinynas::deploy
