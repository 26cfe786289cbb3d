// A farm board reached on a port: a real board's serial device, or unix:/tcp: for a runner
// started elsewhere (profiler/board_connection.h).
#pragma once

#include <memory>
#include <string>

#include "profiler/board_connection.h"
#include "profiler/farm/farm_board.h"

namespace tinynas::profiler::farm {

class PortFarmBoard : public FarmBoard {
 public:
  PortFarmBoard(std::string kind, BoardConnectionOptions options);
  ~PortFarmBoard() override;

  void start() override;
  const BoardInfo& info() const override;
  ProfileResult measure(const std::vector<uint8_t>& model, const ProfileOptions& options) override;
  // RESET and HELLO; when the board does not answer, the port is closed and opened again.
  void recover() override;
  std::string location() const override;

 private:
  std::string kind_;
  BoardConnectionOptions options_;
  std::unique_ptr<BoardConnection> connection_;
  BoardInfo info_;
};

}  // namespace tinynas::profiler::farm
