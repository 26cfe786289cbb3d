// A farm board that is a QEMU instance this process launches (profiler/qemu_board.h).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "farm/farm_board.h"
#include "profiler/board_spec.h"
#include "profiler/qemu_board.h"

namespace tinynas::farm {

class EmulatedFarmBoard : public FarmBoard {
 public:
  EmulatedFarmBoard(profiler::BoardSpec spec, profiler::QemuBoardOptions options);
  ~EmulatedFarmBoard() override;

  void start() override;
  const profiler::BoardInfo& info() const override;
  profiler::ProfileResult measure(const std::vector<uint8_t>& model,
                                  const profiler::ProfileOptions& options) override;
  void recover() override;
  void interrupt() override;
  int pid() const override { return pid_.load(); }
  std::string location() const override;

 private:
  profiler::BoardSpec spec_;
  profiler::QemuBoardOptions options_;
  std::unique_ptr<profiler::QemuBoard> board_;
  std::atomic<int> pid_{-1};
};

}  // namespace tinynas::farm
