// A farm board that is a QEMU instance this process launches (profiler/qemu_board.h).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "profiler/board_spec.h"
#include "profiler/farm/farm_board.h"
#include "profiler/qemu_board.h"

namespace tinynas::profiler::farm {

class EmulatedFarmBoard : public FarmBoard {
 public:
  EmulatedFarmBoard(BoardSpec spec, QemuBoardOptions options);
  ~EmulatedFarmBoard() override;

  void start() override;
  const BoardInfo& info() const override;
  ProfileResult measure(const std::vector<uint8_t>& model, const ProfileOptions& options) override;
  void recover() override;
  void interrupt() override;
  int pid() const override { return pid_.load(); }
  std::string location() const override;

 private:
  BoardSpec spec_;
  QemuBoardOptions options_;
  std::unique_ptr<QemuBoard> board_;
  std::atomic<int> pid_{-1};
};

}  // namespace tinynas::profiler::farm
