// The BoardMeasurer of a search job: a QEMU board this process launches (the embedded default
// when the job names no farm), or its farms (nas/search/farm_pool_measurer.h).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "nas/search/search_interfaces.h"
#include "nas/search/search_job.h"
#include "profiler/board_spec.h"
#include "profiler/qemu_board.h"

namespace tinynas::nas {

// Boots the board lazily on the first measurement; a board failure restarts QEMU and retries
// once before the error propagates.
class QemuBoardMeasurer : public BoardMeasurer {
 public:
  explicit QemuBoardMeasurer(profiler::BoardSpec spec, uint32_t runs = 1);
  ~QemuBoardMeasurer() override;
  profiler::ProfileResult measure(const std::vector<uint8_t>& model,
                                  const std::string& name) override;
  std::string description() const override;
  void idle() override;  // stops QEMU; the next measurement boots it again

 private:
  profiler::BoardSpec spec_;
  uint32_t runs_;
  std::unique_ptr<profiler::QemuBoard> board_;
};

// The job's farms when it names any (`warn` says which farm was left out or dropped), else a
// QEMU board of its kind launched here. Throws when the board's firmware image is missing
// (naming it and the ways to provide one), or when no farm of the job serves its board kind.
std::unique_ptr<BoardMeasurer> make_board_measurer(
    const SearchJob& job, const std::function<void(const std::string&)>& warn = {});

}  // namespace tinynas::nas
