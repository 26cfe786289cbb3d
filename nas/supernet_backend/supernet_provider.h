// The supernet-backed SupernetProvider of `tinynas search`: trains the once-for-all supernet of
// the chosen space (or loads the job's checkpoint), then answers the search's questions with it:
// accuracy = BN recalibration on training batches + accuracy on the validation split (held out
// of training), the int8 model = the subnet's trained weights, post-training quantized and
// lowered to the engine. LibTorch stays in the .cpp (pimpl).
#pragma once

#include <memory>
#include <string>

#include "nas/search/search_pipeline.h"

namespace tinynas::nas {

class SupernetBackedProvider : public SupernetProvider {
 public:
  SupernetBackedProvider();
  ~SupernetBackedProvider() override;

  // Checks the "supernet.train" settings with the trainer's own parser (before any work
  // starts); throws config::ConfigError naming "supernet.train" with the trainer's errors.
  static void validate(const SearchJob& job);

  void prepare(const SearchJob& job, const space::SearchSpace& space, const std::string& dir,
               bool resume, const SearchObserver& observer) override;
  AccuracyEvaluator& accuracy() override;
  SubnetCompiler& compiler() override;
  void export_subnet(const space::SubnetConfig& subnet, const std::string& dir) override;
  void train_final(const SearchJob& job, const space::SubnetConfig& subnet, const std::string& dir,
                   bool resume, const SearchObserver& observer) override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tinynas::nas
