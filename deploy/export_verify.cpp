#include "deploy/export_verify.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <vector>

#include "datasets/dataset_config.h"
#include "datasets/fashion_mnist.h"
#include "datasets/labeled_images.h"
#include "datasets/spread_sample.h"
#include "deploy/dataset_samples.h"
#include "engine/compiler/host_runner.h"
#include "profiler/open_port.h"
#include "profiler/qemu_board.h"

namespace tinynas::deploy {

namespace {

constexpr float kMaxPixel = 255.0f;
constexpr int kDefaultBaud = 115200;

std::size_t argmax(const int8_t* values, std::size_t size) {
  return static_cast<std::size_t>(std::max_element(values, values + size) - values);
}

// One board session: a QEMU instance owning its client, or a client on a port.
struct BoardSession {
  std::unique_ptr<profiler::QemuBoard> qemu;
  std::unique_ptr<profiler::BoardClient> port_client;
  profiler::BoardInfo info;
  profiler::BoardClient& client() { return qemu ? qemu->client() : *port_client; }
};

BoardSession open_session(const profiler::BoardSpec& spec, const std::string& elf,
                          const VerifyOptions& options) {
  BoardSession session;
  if (options.port.empty()) {
    profiler::QemuBoardOptions qemu_options;
    qemu_options.firmware_path = elf;
    session.qemu = std::make_unique<profiler::QemuBoard>(spec, qemu_options);
    session.info = session.qemu->info();
  } else {
    session.port_client = std::make_unique<profiler::BoardClient>(
        profiler::open_port(options.port, spec.baud.value_or(kDefaultBaud)), spec.kind);
    session.info = session.port_client->hello();
    if (session.info.board != spec.kind) {
      throw profiler::BoardError("board on " + options.port + " reports '" + session.info.board +
                                 "', expected '" + spec.kind + "'");
    }
  }
  return session;
}

}  // namespace

std::string default_fashion_mnist_dir() { return datasets::kFashionMnistDefaultDir; }

std::string verify_dataset_dir(const ExportSource& source, const std::string& requested) {
  if (!requested.empty()) return requested;
  return source.dataset_kind == datasets::kFashionMnistKind ? source.dataset_path : std::string();
}

nlohmann::json verify_dataset(const ExportSource& source, const std::string& requested) {
  if (!requested.empty() || !source.dataset.is_object()) return nullptr;
  const std::string kind = source.dataset.value("kind", "");
  if (kind == datasets::kFashionMnistKind || kind == datasets::kSyntheticKind) return nullptr;
  return source.dataset;
}

int8_t quantize_fashion_mnist_pixel(uint8_t pixel, float scale, int32_t zero_point) {
  const float real = (static_cast<float>(pixel) / kMaxPixel - datasets::kFashionMnistMean) /
                     datasets::kFashionMnistStd;
  const long q = std::lround(real / scale) + zero_point;
  return static_cast<int8_t>(std::clamp<long>(q, INT8_MIN, INT8_MAX));
}

VerifyResult verify_export(const compiler::LoadedModel& model, const profiler::BoardSpec& spec,
                           const std::string& elf, const VerifyOptions& options) {
  const runtime::ModelView& view = model.view();
  const runtime::TensorInfo input = view.tensor(view.input_tensor());
  const runtime::TensorInfo output = view.tensor(view.output_tensor());
  const bool fashion_shape = input.shape.h == datasets::kFashionMnistSide &&
                             input.shape.w == datasets::kFashionMnistSide && input.shape.c == 1;
  const std::string dataset_dir =
      options.dataset_dir.empty() ? default_fashion_mnist_dir() : options.dataset_dir;

  VerifyResult result;
  datasets::LabeledImages images;
  DatasetSamples job_samples;
  const bool from_job = !options.dataset.is_null();
  if (from_job) {
    job_samples = dataset_samples(options.dataset, input, options.samples);
    result.labeled = true;
    result.sample_source = job_samples.description;
  } else if (fashion_shape) {
    const datasets::LabeledImages split =
        datasets::read_fashion_mnist(dataset_dir, datasets::FashionMnistPart::kTest);
    images = datasets::select_images(
        split, datasets::spread_sample_indices(split.size(), options.samples));
    result.labeled = true;
    result.sample_source = "Fashion-MNIST test split (" + dataset_dir + ")";
    if (images.size() < split.size()) {
      result.sample_source +=
          ", spread evenly over its " + std::to_string(split.size()) + " images";
    }
  } else {
    result.sample_source = "pseudo-random inputs (seeds " + std::to_string(options.first_seed) +
                           ".." + std::to_string(options.first_seed + options.samples - 1) +
                           "): input " + std::to_string(input.shape.h) + "x" +
                           std::to_string(input.shape.w) + "x" + std::to_string(input.shape.c) +
                           " is not Fashion-MNIST's 28x28x1, so outputs only";
  }
  const std::size_t count = from_job        ? job_samples.inputs.size()
                            : fashion_shape ? images.size()
                                            : options.samples;

  BoardSession session = open_session(spec, elf, options);
  profiler::BoardClient& client = session.client();
  result.board = session.info.board;
  result.firmware_version = session.info.firmware_version;
  result.clock_hz = session.info.clock_hz;

  compiler::HostRunOptions host;
  host.pattern = compiler::InputPattern::kBytes;
  std::vector<int8_t> sample(input.size_bytes);
  for (std::size_t i = 0; i < count; ++i) {
    if (from_job) {
      sample = job_samples.inputs[i];
    } else if (fashion_shape) {
      const uint8_t* pixels = images.image(i);
      for (uint32_t p = 0; p < input.size_bytes; ++p) {
        sample[p] = quantize_fashion_mnist_pixel(pixels[p], input.scale, input.zero_point);
      }
    } else {
      compiler::fill_pseudo_random(sample.data(), input.size_bytes,
                                   options.first_seed + static_cast<uint32_t>(i));
    }
    host.input = sample;
    const compiler::HostRunResult expected = compiler::run_on_host(model, host);

    client.upload_input(std::vector<uint8_t>(sample.begin(), sample.end()));
    const profiler::protocol::RunReply run =
        client.run(1, profiler::protocol::InputMode::kUploaded);
    const std::vector<uint8_t> got = client.output(output.size_bytes);
    result.total_cycles += run.total_cycles;
    result.max_cycles = std::max(result.max_cycles, run.max_cycles);
    result.max_stack_bytes = std::max(result.max_stack_bytes, run.stack_bytes_used);

    const bool equal = got.size() == expected.output.size() &&
                       std::equal(got.begin(), got.end(), expected.output.begin(),
                                  [](uint8_t a, int8_t b) { return a == static_cast<uint8_t>(b); });
    if (!equal) {
      ++result.mismatches;
      if (!result.first_mismatch) result.first_mismatch = i;
    }
    if (result.labeled) {
      const std::size_t label =
          static_cast<std::size_t>(from_job ? job_samples.labels[i] : images.labels[i]);
      if (argmax(reinterpret_cast<const int8_t*>(got.data()), got.size()) == label) {
        ++result.board_correct;
      }
      if (argmax(expected.output.data(), expected.output.size()) == label) ++result.host_correct;
    }
    ++result.samples;
  }
  return result;
}

}  // namespace tinynas::deploy
