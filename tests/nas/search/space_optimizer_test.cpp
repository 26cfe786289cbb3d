#include "nas/search/space_optimizer.h"

#include <gtest/gtest.h>

#include <random>

#include "nas/search/subnet_cost.h"
#include "search_fakes.h"

namespace tinynas::nas {
namespace {

Stage1Settings grid() {
  Stage1Settings s;
  s.enabled = true;
  s.width_multipliers = {0.5, 1.0, 2.0};
  s.resolutions = {12, 16, 24};
  s.samples = 40;
  return s;
}

// The chosen pair has the largest mean MACs of the fitting subnets, and the limit bites.
void check_choice(const Stage1Result& r) {
  ASSERT_GE(r.chosen, 0);
  for (const GridPointResult& p : r.points) {
    if (p.satisfying > 0) {
      EXPECT_LE(p.mean_macs, r.points[r.chosen].mean_macs);
    }
  }
  EXPECT_EQ(r.chosen_space.resolution, r.points[r.chosen].resolution);
  EXPECT_DOUBLE_EQ(r.chosen_space.width_multiplier, r.points[r.chosen].width_multiplier);
  // Not simply the biggest grid point: the limit must bite somewhere.
  EXPECT_LT(r.points.back().satisfying, r.points.back().samples);
}

// Under either schedule choice (op by op only, or joint: the smallest-peak schedule where op by op
// does not fit), the satisfying set is exactly what the planner accepts.
TEST(SpaceOptimizer, KeepsExactlyThePlannerFeasibleSubnetsAndPicksLargestMeanMacs) {
  const space::SearchSpace family = testing::tiny_space();
  int64_t satisfying[2] = {0, 0};
  for (const ScheduleChoice choice : {ScheduleChoice::kPlain, ScheduleChoice::kJoint}) {
    SCOPED_TRACE(schedule_choice_name(choice));
    Constraints limits;
    limits.peak_sram_bytes = 6000;
    limits.schedule = choice;
    const Stage1Result r = optimize_space(family, grid(), limits, 5);
    ASSERT_EQ(r.points.size(), 9u);
    // Replay the sampling.
    for (size_t i = 0; i < r.points.size(); ++i) {
      const GridPointResult& p = r.points[i];
      const space::SearchSpace space = space_at(family, p.width_multiplier, p.resolution);
      std::mt19937_64 rng(5 + 0x9E3779B97F4A7C15ull * (i + 1));
      std::vector<int64_t> expected;
      for (int k = 0; k < p.samples; ++k) {
        const SubnetCost cost = subnet_cost(space, space::sample_subnet(space, rng), limits);
        if (cost.peak_sram_bytes <= 6000) expected.push_back(cost.macs);
      }
      std::sort(expected.begin(), expected.end());
      EXPECT_EQ(p.satisfying_macs, expected) << p.space_name;
    }
    check_choice(r);
    for (const GridPointResult& p : r.points) satisfying[static_cast<int>(choice)] += p.satisfying;
  }
  // Same samples: every subnet that fits op by op also fits under the joint choice.
  EXPECT_GE(satisfying[static_cast<int>(ScheduleChoice::kJoint)],
            satisfying[static_cast<int>(ScheduleChoice::kPlain)]);
}

TEST(SpaceOptimizer, DeterministicAndRoundTripsThroughJson) {
  const space::SearchSpace family = testing::tiny_space();
  Constraints limits;
  limits.peak_sram_bytes = 6000;
  limits.flash_bytes = 20000;
  const Stage1Result a = optimize_space(family, grid(), limits, 9);
  const Stage1Result b = optimize_space(family, grid(), limits, 9);
  EXPECT_EQ(to_json(a, limits), to_json(b, limits));
  const Stage1Result c = stage1_result_from_json(to_json(a, limits), family);
  EXPECT_EQ(to_json(c, limits), to_json(a, limits));
}

TEST(SpaceOptimizer, NothingFitsIsAnError) {
  Constraints limits;
  limits.peak_sram_bytes = 10;
  EXPECT_THROW(optimize_space(testing::tiny_space(), grid(), limits, 1), std::runtime_error);
}

}  // namespace
}  // namespace tinynas::nas
