// The two BoardMeasurer implementations: a QEMU board this process launches (the embedded
// default when the job names no farm) and a farm reached over HTTP.
#pragma once

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

class FarmBoardMeasurer : public BoardMeasurer {
 public:
  // Throws farm::FarmClientError when the farm does not answer or has no board of `kind`.
  FarmBoardMeasurer(std::string url, std::string kind, uint32_t runs = 1);
  profiler::ProfileResult measure(const std::vector<uint8_t>& model,
                                  const std::string& name) override;
  std::string description() const override;

 private:
  std::string url_;
  std::string kind_;
  uint32_t runs_;
};

// The job's farm when it names one, else a QEMU board of its kind launched here. Throws when the
// board's firmware image is missing (naming it and the ways to provide one).
std::unique_ptr<BoardMeasurer> make_board_measurer(const SearchJob& job);

}  // namespace tinynas::nas
