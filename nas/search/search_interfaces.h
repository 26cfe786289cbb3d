// What the evolutionary search needs from the outside world, as interfaces so that the search
// core is tested without LibTorch and without boards:
//   AccuracyEvaluator  the accuracy of a subnet (supernet-backed: BN recalibration + validation
//                      subset, nas/supernet_backend; tests: a deterministic fake)
//   SubnetCompiler     the int8 .tnm bytes of a subnet (the trained weights, or random ones)
//   BoardMeasurer      models run on a board (a launched QEMU board, or one or several farms)
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/compiler/memory_plan.h"
#include "profiler/profile.h"
#include "space/search_space.h"
#include "space/subnet_config.h"

namespace tinynas::nas {

class AccuracyEvaluator {
 public:
  virtual ~AccuracyEvaluator() = default;
  // Fraction correct in [0, 1]. Deterministic for a given subnet (the search caches it).
  virtual double accuracy(const space::SubnetConfig& subnet) = 0;
  virtual std::string description() const = 0;  // "supernet <ckpt>, fashion-mnist/validation"
};

class SubnetCompiler {
 public:
  virtual ~SubnetCompiler() = default;
  // `planner` as planner_options(SubnetCost): the plan the search checked against the limits.
  virtual std::vector<uint8_t> compile(const space::SubnetConfig& subnet,
                                       const compiler::PlannerOptions& planner) = 0;
  virtual std::string description() const = 0;
};

// Random weights: the structure (memory plan, op features, latency) of the real model.
class RandomWeightsCompiler : public SubnetCompiler {
 public:
  RandomWeightsCompiler(space::SearchSpace space, uint32_t seed)
      : space_(std::move(space)), seed_(seed) {}
  std::vector<uint8_t> compile(const space::SubnetConfig& subnet,
                               const compiler::PlannerOptions& planner) override;
  std::string description() const override { return "random int8 weights"; }

 private:
  space::SearchSpace space_;
  uint32_t seed_;
};

struct ModelToMeasure {
  std::vector<uint8_t> bytes;
  std::string name;  // for messages: "calibration ...", the subnet's description
};

class BoardMeasurer {
 public:
  virtual ~BoardMeasurer() = default;
  // Runs the model on a board of the job's kind; throws on failure (board or farm message).
  virtual profiler::ProfileResult measure(const std::vector<uint8_t>& model,
                                          const std::string& name) = 0;
  // Runs every model, in parallel where the measurer has several boards (several farms); the
  // results in the order of `models`. `on_done(n)` after each of the n measurements ended.
  virtual std::vector<profiler::ProfileResult> measure_all(
      const std::vector<ModelToMeasure>& models,
      const std::function<void(size_t done)>& on_done = {}) {
    std::vector<profiler::ProfileResult> results;
    for (const ModelToMeasure& model : models) {
      results.push_back(measure(model.bytes, model.name));
      if (on_done) on_done(results.size());
    }
    return results;
  }
  virtual std::string description() const = 0;  // "QEMU qemu-mps2-an386", "farm http://..."
  // No measurement for a while (the search trains or evaluates): a board this process runs may
  // stop, and the next measure() starts it again. An emulator waiting for the host spins a whole
  // core, which training on a 2-core machine would otherwise lose.
  virtual void idle() {}
};

}  // namespace tinynas::nas
