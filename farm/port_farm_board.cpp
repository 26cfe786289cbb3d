#include "farm/port_farm_board.h"

#include <stdexcept>

namespace tinynas::farm {

PortFarmBoard::PortFarmBoard(std::string kind, profiler::BoardConnectionOptions options)
    : kind_(std::move(kind)), options_(std::move(options)) {}

PortFarmBoard::~PortFarmBoard() = default;

void PortFarmBoard::start() {
  connection_.reset();
  connection_ = std::make_unique<profiler::BoardConnection>(kind_, options_);
  info_ = connection_->info();
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
