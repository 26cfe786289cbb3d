// tinynas export RESULT_DIR|MODEL.tnm --board KIND --out DIR [--force] [--build] [--verify N]
//                [--port DEV] [--protocol tinynas|mlperf-tiny]
// tinynas export RESULT_DIR|MODEL.tnm|--tflite M.tflite --format tflite -o MODEL.tflite [--force]
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "apps/commands.h"
#include "apps/network_source.h"
#include "deploy/export_build.h"
#include "deploy/export_project.h"
#include "deploy/export_verify.h"
#include "profiler/board_spec.h"
#include "profiler/interrupt_cleanup.h"
#include "search_results/result_layout.h"
#include "tflite/model_writer.h"
#include "tflite_convert/tflite_export.h"

#ifdef TINYNAS_WITH_SEARCH
#include "nas/supernet_backend/result_accuracy.h"
#endif

namespace tinynas::apps {

namespace {

constexpr double kPercent = 100.0;
constexpr double kHzPerMhz = 1e6;
constexpr double kMillisecondsPerSecond = 1000.0;
constexpr double kBytesPerKib = 1024.0;
constexpr char kFormatFirmware[] = "firmware";
constexpr char kFormatTflite[] = "tflite";

struct ExportCommandOptions {
  std::string input;
  std::string tflite_path;  // --tflite: imported and planned instead of `input`
  std::string board;
  std::string out_dir;
  bool build = false;
  bool force = false;
  std::size_t verify = 0;
  std::string port;
  std::string dataset_dir;
  std::string protocol = deploy::kSerialProtocolTinynas;
  std::string format = kFormatFirmware;
  std::string output;  // --format tflite: the .tflite file
};

std::string kib(uint64_t bytes) {
  return fmt::format("{} B ({:.1f} KiB)", bytes, static_cast<double>(bytes) / kBytesPerKib);
}

void print_sizes(const deploy::ExportProject& project, const deploy::ImageSize& size) {
  const uint64_t planned_sram = uint64_t{project.arena_bytes} + project.scratch_bytes;
  fmt::print("image size (arm-none-eabi-size -A), board {}:\n", project.board_kind);
  fmt::print("  flash       {}\n", kib(size.flash_bytes));
  fmt::print("    model     {}   planned {} (.tnm file){}\n", kib(size.model_array_bytes),
             kib(project.model_bytes),
             size.model_array_bytes == project.model_bytes ? "  equal" : "  DIFFERENT");
  fmt::print("    code etc. {}   runtime, drivers, application\n",
             kib(size.flash_bytes - size.model_array_bytes));
  fmt::print("  static RAM  {}\n", kib(size.static_ram_bytes));
  fmt::print("    arena     {}   planned {}{}\n", kib(size.arena_bytes), kib(project.arena_bytes),
             size.arena_bytes == project.arena_bytes ? "  equal" : "  DIFFERENT");
  fmt::print("    scratch   {}   planned {}{}\n", kib(size.scratch_bytes),
             kib(project.scratch_bytes),
             size.scratch_bytes == project.scratch_bytes ? "  equal" : "  DIFFERENT");
  fmt::print("    stack     {}   the board's reservation\n", kib(size.stack_bytes));
  fmt::print("    data+bss  {}   runtime and application state\n",
             kib(size.data_bytes + size.bss_bytes));
  fmt::print("  planner's peak SRAM (arena + scratch): {}\n", kib(planned_sram));
}

// The float accuracy of the exported subnet on the very images the board classified, when the
// input is a search result dir and this build has the supernet (LibTorch).
std::optional<double> float_accuracy_on_verified_images(const std::string& input,
                                                        const std::string& dataset_dir,
                                                        std::size_t images) {
#ifdef TINYNAS_WITH_SEARCH
  return nas::result_float_accuracy(input, dataset_dir, images);
#else
  (void)input;
  (void)dataset_dir;
  (void)images;
  return std::nullopt;
#endif
}

void print_verify(const deploy::VerifyResult& r, const std::optional<double>& search_accuracy,
                  const std::optional<double>& float_accuracy) {
  const std::string tag = fmt::format("[{} | {}]", r.board, r.firmware_version);
  fmt::print("verify {}: {} samples, {}\n", tag, r.samples, r.sample_source);
  if (r.bit_exact()) {
    fmt::print("  outputs: bit-exact with the host engine on all {} samples\n", r.samples);
  } else {
    fmt::print("  outputs: {} of {} samples DIFFER from the host engine (first: sample {})\n",
               r.mismatches, r.samples, *r.first_mismatch);
  }
  if (r.labeled && r.samples > 0) {
    const double n = static_cast<double>(r.samples);
    fmt::print("  int8 top-1 accuracy on the board : {:.2f}% ({}/{})\n",
               kPercent * static_cast<double>(r.board_correct) / n, r.board_correct, r.samples);
    fmt::print("  int8 top-1 accuracy, host engine : {:.2f}% ({}/{})\n",
               kPercent * static_cast<double>(r.host_correct) / n, r.host_correct, r.samples);
    if (float_accuracy) {
      fmt::print("  float accuracy, trained weights  : {:.2f}% (same images, BN recalibrated)\n",
                 kPercent * *float_accuracy);
    }
    if (search_accuracy) {
      fmt::print(
          "  float accuracy during the search : {:.2f}% ({}: on the job's validation split, not "
          "these samples)\n",
          kPercent * *search_accuracy, search_results::ResultLayout().best_summary_file().string());
    } else if (!float_accuracy) {
      fmt::print(
          "  float accuracy                   : n/a (no float reference in the export input)\n");
    }
  }
  if (r.samples > 0 && r.clock_hz > 0) {
    const double mean_cycles = static_cast<double>(r.total_cycles) / static_cast<double>(r.samples);
    fmt::print(
        "  latency: {:.0f} cycles per inference = {:.2f} ms at {:.0f} MHz; stack used {} B\n",
        mean_cycles, kMillisecondsPerSecond * mean_cycles / r.clock_hz, r.clock_hz / kHzPerMhz,
        r.max_stack_bytes);
  }
}

// The model to export: the .tnm or result dir, or the --tflite file imported and planned.
deploy::ExportSource export_source(const ExportCommandOptions& options) {
  if (options.tflite_path.empty()) return deploy::resolve_export_source(options.input);
  return {load_model_source(ModelFileOptions{"", options.tflite_path}),
          options.tflite_path,
          "",
          "",
          std::nullopt,
          nullptr,
          {}};
}

// The model as a .tflite file (tflite_convert/tflite_export.h); an existing file is kept unless
// --force.
void run_tflite_export(const ExportCommandOptions& options) {
  if (options.output.empty()) throw std::runtime_error("export --format tflite needs -o FILE");
  if (!options.board.empty() || !options.out_dir.empty() || options.build || options.verify > 0) {
    throw std::runtime_error(
        "export --format tflite writes one file: --board, --out, --build and --verify are for "
        "--format firmware");
  }
  if (std::filesystem::exists(options.output) && !options.force) {
    throw std::runtime_error(options.output + " exists (use --force to overwrite it)");
  }
  const deploy::ExportSource source = export_source(options);
  tflite::write_model_file(options.output, tflite_convert::export_tflite(source.model.view()));
  fmt::print("exported {} as TFLite into {} ({} B)\n", source.origin, options.output,
             std::filesystem::file_size(options.output));
}

void run_export(const ExportCommandOptions& options) {
  if (options.format == kFormatTflite) return run_tflite_export(options);
  if (options.board.empty() || options.out_dir.empty()) {
    throw std::runtime_error("export --format firmware needs --board KIND and --out DIR");
  }
  if (!options.output.empty()) {
    throw std::runtime_error("-o is for --format tflite (a firmware project goes to --out DIR)");
  }
  const profiler::BoardSpec spec = profiler::find_board_spec(options.board);
  if (options.verify > 0 && options.port.empty() && !spec.emulated()) {
    throw std::runtime_error(spec.source_path + ": board '" + spec.kind +
                             "' is a real board: --verify needs its serial port (--port DEV)");
  }
  const deploy::ExportSource source = export_source(options);
  deploy::ExportWriteOptions write;
  write.force = options.force;
  write.serial_protocol = options.protocol;
  const deploy::ExportProject project =
      deploy::write_export_project(source, spec, options.out_dir, write);
  fmt::print("exported {} for {} into {} ({} files)\n", source.origin, spec.kind, project.dir,
             project.files.size());
  fmt::print("  model {} B in flash; arena {} B + scratch {} B static RAM (planned)\n",
             project.model_bytes, project.arena_bytes, project.scratch_bytes);
  if (!options.build && options.verify == 0) return;

  const deploy::ExportBuild build = deploy::build_export_project(project.dir);
  fmt::print("built {} and {}\n", build.elf, build.bin);
  print_sizes(project, deploy::read_image_size(build.elf));
  if (options.verify == 0) return;

  deploy::VerifyOptions verify;
  verify.samples = options.verify;
  verify.port = options.port;
  verify.dataset_dir = deploy::verify_dataset_dir(source, options.dataset_dir);
  verify.dataset = deploy::verify_dataset(source, options.dataset_dir);
  if (options.port.empty()) profiler::install_interrupt_cleanup();
  const deploy::VerifyResult result = deploy::verify_export(source.model, spec, build.elf, verify);
  const std::optional<double> float_accuracy =
      result.labeled
          ? float_accuracy_on_verified_images(options.input, verify.dataset_dir, result.samples)
          : std::nullopt;
  print_verify(result, source.search_accuracy, float_accuracy);
  if (!result.bit_exact()) {
    throw std::runtime_error("board " + result.board + " (firmware " + result.firmware_version +
                             "): " + std::to_string(result.mismatches) +
                             " outputs differ from the host engine");
  }
}

}  // namespace

void register_export_command(CLI::App& app) {
  auto options = std::make_shared<ExportCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "export",
      "Write a self-contained firmware project (model as C++ sources, serial application, "
      "runtime, linker script, CMakeLists.txt) for a board; optionally build and verify it. "
      "With --format tflite, write the model as a .tflite file instead");
  CLI::Option* input = command->add_option("input", options->input,
                                           "a .tnm model file or a search result directory");
  command
      ->add_option("--tflite", options->tflite_path,
                   "an int8 TFLite model instead (imported, planned plain)")
      ->check(CLI::ExistingFile)
      ->excludes(input);
  command->add_option("--format", options->format, "firmware (default) or tflite")
      ->check(CLI::IsMember({kFormatFirmware, kFormatTflite}));
  command->add_option("--board", options->board,
                      "board kind (see `tinynas boards`); required for --format firmware");
  command->add_option("--out", options->out_dir,
                      "project directory to write; required for --format firmware");
  command->add_option("-o,--output", options->output, "--format tflite: the .tflite file to write");
  command->add_flag("--force", options->force,
                    "firmware: write into a directory that holds files a previous export did not "
                    "write (or that were changed since), overwriting them; tflite: overwrite an "
                    "existing -o file");
  command->add_flag("--build", options->build,
                    "build the image with cmake + arm-none-eabi-gcc and report flash/RAM");
  command->add_option("--verify", options->verify,
                      "run N samples on the board (implies --build) and compare with the host "
                      "engine bit for bit");
  command->add_option("--port", options->port,
                      "serial device of a real board (or unix:/tcp: socket); default: QEMU");
  command->add_option("--dataset", options->dataset_dir,
                      "Fashion-MNIST directory for --verify (default: the result's job dataset, "
                      "else /usr/share/datasets/fashion-mnist)");
  command
      ->add_option("--protocol", options->protocol,
                   "serial protocol the firmware boots with: tinynas (default) or mlperf-tiny "
                   "(the MLPerf Tiny benchmark's DUT protocol; tinynas hosts still work)")
      ->check(CLI::IsMember({deploy::kSerialProtocolTinynas, deploy::kSerialProtocolMlperfTiny}));
  command->callback([options] {
    if (options->input.empty() && options->tflite_path.empty()) {
      throw std::invalid_argument("export: pass MODEL.tnm, a result directory or --tflite FILE");
    }
    run_export(*options);
  });
}

}  // namespace tinynas::apps
