// A farm board reached on a port: a real board's serial device, or unix:/tcp: for a runner
// started elsewhere (profiler/board_connection.h).
#pragma once

#include <memory>
#include <string>

#include "farm/farm_board.h"
#include "profiler/board_connection.h"

namespace tinynas::farm {

class PortFarmBoard : public FarmBoard {
 public:
  PortFarmBoard(std::string kind, profiler::BoardConnectionOptions options);
  ~PortFarmBoard() override;

  void start() override;
  const profiler::BoardInfo& info() const override;
  profiler::ProfileResult measure(const std::vector<uint8_t>& model,
                                  const profiler::ProfileOptions& options) override;
  // RESET and HELLO; when the board does not answer, the port is closed and opened again.
  void recover() override;
  std::string location() const override;

 private:
  std::string kind_;
  profiler::BoardConnectionOptions options_;
  std::unique_ptr<profiler::BoardConnection> connection_;
  profiler::BoardInfo info_;
};

}  // namespace tinynas::farm
