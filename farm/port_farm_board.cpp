#include "farm/port_farm_board.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace tinynas::farm {

PortFarmBoard::PortFarmBoard(profiler::BoardSpec spec, profiler::BoardConnectionOptions options,
                             std::optional<profiler::FlashOptions> flash)
    : spec_(std::move(spec)), options_(std::move(options)), flash_(std::move(flash)) {}

PortFarmBoard::~PortFarmBoard() = default;

void PortFarmBoard::connect() {
  connection_.reset();
  connection_ = std::make_unique<profiler::BoardConnection>(spec_.kind, options_);
  info_ = connection_->info();
}

void PortFarmBoard::start() {
  if (!flash_) {
    connect();
    return;
  }
  const std::string image = flash_->firmware_path.empty() ? profiler::default_firmware_path(spec_)
                                                          : flash_->firmware_path;
  const std::string wanted = profiler::runner_image_version(image);
  try {
    connect();
    if (info_.firmware_version == wanted) return;
    spdlog::info("board {} on {} runs '{}', the build's image is '{}': flashing it", spec_.kind,
                 location(), info_.firmware_version, wanted);
  } catch (const std::exception& e) {
    spdlog::warn("board {} on {} does not answer ({}): flashing it", spec_.kind, location(),
                 e.what());
  }
  connection_.reset();  // the port is free while the tool runs
  profiler::flash_runner(spec_, *flash_);
  connect();
  if (info_.firmware_version != wanted) {
    const std::string reported = info_.firmware_version;
    connection_.reset();
    throw profiler::FlashError("board " + spec_.kind + " on " + location() + ": flashed '" +
                               wanted + "' but it reports '" + reported + "'");
  }
}

const profiler::BoardInfo& PortFarmBoard::info() const {
  if (!connection_) throw std::logic_error("board " + location() + ": info() before start()");
  return info_;
}

profiler::ProfileResult PortFarmBoard::measure(const std::vector<uint8_t>& model,
                                               const profiler::ProfileOptions& options) {
  if (!connection_) throw profiler::BoardLinkError("board " + location() + ": not connected");
  return profiler::profile_model(connection_->client(), info_, model, options);
}

void PortFarmBoard::recover() {
  if (connection_) {
    try {
      connection_->client().reset();
      info_ = connection_->client().hello();
      return;
    } catch (const std::exception&) {
      // Fall through: reopen the port from scratch.
    }
  }
  start();
}

std::string PortFarmBoard::location() const { return options_.port.value_or("(no port)"); }

}  // namespace tinynas::farm
