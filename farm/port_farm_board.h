// A farm board reached on a port: a real board's serial device, or unix:/tcp: for a runner
// started elsewhere (profiler/board_connection.h). When the farm file says how to flash it, a
// board that does not answer or runs another runner version than the build's image is flashed
// (profiler/board_flash.h) before it takes jobs.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "farm/farm_board.h"
#include "profiler/board_connection.h"
#include "profiler/board_flash.h"

namespace tinynas::farm {

class PortFarmBoard : public FarmBoard {
 public:
  // `flash`: how to (re)flash the board; nullopt: never flash it.
  PortFarmBoard(profiler::BoardSpec spec, profiler::BoardConnectionOptions options,
                std::optional<profiler::FlashOptions> flash = std::nullopt);
  ~PortFarmBoard() override;

  // Connects and HELLOs. With `flash`: flashes first when the board does not answer or reports
  // another version than the image's, and throws profiler::FlashError when flashing fails or
  // the board still reports another version afterwards.
  void start() override;
  const profiler::BoardInfo& info() const override;
  profiler::ProfileResult measure(const std::vector<uint8_t>& model,
                                  const profiler::ProfileOptions& options) override;
  // RESET and HELLO; when the board does not answer, the port is closed and opened again.
  void recover() override;
  std::string location() const override;

 private:
  void connect();

  profiler::BoardSpec spec_;
  profiler::BoardConnectionOptions options_;
  std::optional<profiler::FlashOptions> flash_;
  std::unique_ptr<profiler::BoardConnection> connection_;
  profiler::BoardInfo info_;
};

}  // namespace tinynas::farm
