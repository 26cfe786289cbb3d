#include "nas/search/board_measurers.h"

#include <filesystem>
#include <stdexcept>

#include "nas/search/farm_pool_measurer.h"
#include "profiler/profile.h"

namespace tinynas::nas {

QemuBoardMeasurer::QemuBoardMeasurer(profiler::BoardSpec spec, uint32_t runs)
    : spec_(std::move(spec)), runs_(runs) {
  if (!spec_.emulated()) {
    throw std::invalid_argument("board " + spec_.kind +
                                " is not emulated: give the job a \"farm\" URL that owns it");
  }
}

QemuBoardMeasurer::~QemuBoardMeasurer() = default;

profiler::ProfileResult QemuBoardMeasurer::measure(const std::vector<uint8_t>& model,
                                                   const std::string& name) {
  profiler::ProfileOptions options;
  options.runs = runs_;
  try {
    if (!board_) board_ = std::make_unique<profiler::QemuBoard>(spec_);
    return profiler::profile_model(board_->client(), board_->info(), model, options);
  } catch (const profiler::BoardRejectedError&) {
    throw;  // the board refused the model: retrying cannot help
  } catch (const profiler::BoardError& first) {
    // A hung or dead emulator: one hard reset, then the error stands.
    if (!board_) throw;
    try {
      board_->restart();
      return profiler::profile_model(board_->client(), board_->info(), model, options);
    } catch (const std::exception& second) {
      throw std::runtime_error("measuring " + name + " on " + spec_.kind + ": " + first.what() +
                               "; after a restart: " + second.what());
    }
  }
}

std::string QemuBoardMeasurer::description() const { return "QEMU board " + spec_.kind; }

void QemuBoardMeasurer::idle() { board_.reset(); }

std::unique_ptr<BoardMeasurer> make_board_measurer(
    const SearchJob& job, const std::function<void(const std::string&)>& warn) {
  if (!job.farms.empty()) {
    FarmPoolOptions options;
    options.runs = job.evolution.measure_runs;
    return std::make_unique<FarmPoolMeasurer>(job.farms, job.board.kind, warn, options);
  }
  const std::string firmware = profiler::default_firmware_path(job.board);
  if (!std::filesystem::exists(firmware)) {
    throw std::runtime_error("board " + job.board.kind + ": firmware image " + firmware +
                             " not found (build the firmware, set TINYNAS_FIRMWARE_DIR, or give "
                             "the job a \"farm\" URL)");
  }
  return std::make_unique<QemuBoardMeasurer>(job.board, job.evolution.measure_runs);
}

}  // namespace tinynas::nas
