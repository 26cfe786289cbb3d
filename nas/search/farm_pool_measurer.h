// The BoardMeasurer of a search job that names farms ("farm" or "farms"): models are spread over
// every farm that serves the job's board kind, each farm's queue running its share beside the
// others'; a farm that stops answering is dropped with a warning and the models it had not
// finished go to the farms that remain.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "farm/farm_client.h"
#include "nas/search/search_interfaces.h"
#include "nas/search/search_job.h"

namespace tinynas::nas {

struct FarmPoolOptions {
  uint32_t runs = 1;  // measurement runs per model
  std::chrono::milliseconds poll_interval = farm::kDefaultPollInterval;
  std::chrono::milliseconds request_timeout = farm::kDefaultHttpTimeout;
  // Consecutive requests that get no answer before a farm is given up.
  int unanswered_limit = 3;
  // A model not done after this long (queueing included) is an error.
  std::chrono::milliseconds model_timeout = std::chrono::minutes(30);
};

class FarmPoolMeasurer : public BoardMeasurer {
 public:
  using Warn = std::function<void(const std::string&)>;

  // Checks every farm now, not after stage 1 and the supernet training: a farm that does not
  // answer or has no board of `kind` is left out with a warning. Throws farm::FarmClientError
  // with every farm's problem when none serves `kind` (with one farm: that farm's problem).
  FarmPoolMeasurer(const std::vector<FarmRef>& farms, std::string kind, Warn warn,
                   FarmPoolOptions options = {});
  ~FarmPoolMeasurer() override;

  profiler::ProfileResult measure(const std::vector<uint8_t>& model,
                                  const std::string& name) override;
  std::vector<profiler::ProfileResult> measure_all(
      const std::vector<ModelToMeasure>& models,
      const std::function<void(size_t done)>& on_done = {}) override;
  std::string description() const override;  // "farm http://a:8470 (kind)", "2 farms (...)"

  std::vector<std::string> farm_urls() const;  // the farms still in use, in the job's order

 private:
  struct Farm;
  struct Pending;
  // Submits model `index` to the farm with the fewest models in flight; false when none is left.
  bool submit(const std::vector<ModelToMeasure>& models, size_t index,
              std::vector<Pending>& pending);
  void drop(Farm& farm, const std::string& reason);

  std::string kind_;
  Warn warn_;
  FarmPoolOptions options_;
  std::vector<std::unique_ptr<Farm>> farms_;
};

}  // namespace tinynas::nas
