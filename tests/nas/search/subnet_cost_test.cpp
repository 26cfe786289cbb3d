// The search's cost of a subnet under a job's schedule choice: op by op whenever that meets the
// SRAM limit, the planner's smallest-peak schedule (fused blocks) only when it does not, and the
// model the search compiles is planned exactly as its cost says.
#include "nas/search/subnet_cost.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "config/json_file.h"
#include "engine/compiler/model_file.h"
#include "search_fakes.h"

namespace tinynas::nas {
namespace {

Constraints sram_limit(int64_t bytes, ScheduleChoice choice = ScheduleChoice::kJoint) {
  Constraints c;
  c.peak_sram_bytes = bytes;
  c.schedule = choice;
  return c;
}

Constraints job_limits(const std::string& job) {
  const nlohmann::json limits =
      config::read_json_file(std::string(TINYNAS_SOURCE_DIR) + "/configs/jobs/" + job)
          .at("constraints");
  Constraints c;
  c.peak_sram_bytes = limits.at("peak_sram_bytes").get<int64_t>();
  c.flash_bytes = limits.at("flash_bytes").get<int64_t>();
  c.schedule = ScheduleChoice::kPlain;
  return c;
}

// The quickstart's uniform member (configs/spaces/fmnist-uniform-w0.55.json: 3x3, expand 6, 3
// blocks per stage) must be the widest, in width steps of 0.05, that fits the quickstart's
// limits: otherwise the README compares the search with a needlessly small network.
TEST(SubnetCost, TheQuickstartsUniformMemberIsTheWidestThatFits) {
  const std::string source = TINYNAS_SOURCE_DIR;
  const Constraints quickstart = job_limits("quickstart.json");
  const space::SearchSpace uniform =
      space::load_search_space(source + "/configs/spaces/fmnist-uniform-w0.55.json");
  const space::SubnetConfig network = space::largest_subnet(uniform);
  const SubnetCost cost = subnet_cost(uniform, network, quickstart);
  EXPECT_TRUE(fits_memory(cost, quickstart))
      << "peak " << cost.peak_sram_bytes << " B, flash " << cost.flash_bytes << " B";
  constexpr int kWidthStepsPer1 = 20;
  const int first_step = static_cast<int>(std::lround(uniform.width_multiplier * kWidthStepsPer1));
  for (int step = first_step + 1; step <= kWidthStepsPer1 * 2; ++step) {
    const double width = static_cast<double>(step) / kWidthStepsPer1;
    const space::SearchSpace wider = space_at(uniform, width, uniform.resolution);
    const SubnetCost wider_cost = subnet_cost(wider, space::largest_subnet(wider), quickstart);
    if (wider_cost.flash_bytes == cost.flash_bytes) continue;  // the same channels after rounding
    EXPECT_FALSE(fits_memory(wider_cost, quickstart))
        << "width " << width << ": flash " << wider_cost.flash_bytes << " B";
  }
}

// The 256 KiB quickstart's hand-scaled MobileNetV2 baselines
// (configs/nets/mobilenetv2-w0.2-r*.arch.json) must fit its limits op by op, and the r68 one must
// be the largest input (in steps of 4) that does: otherwise the comparison in the README is
// against the wrong network.
TEST(SubnetCost, HandScaledMobileNetV2BaselinesFitThe256KiBQuickstartLimits) {
  const std::string source = TINYNAS_SOURCE_DIR;
  const Constraints quickstart = job_limits("quickstart-256k.json");
  for (int resolution : {28, 68}) {
    const std::string name = "mobilenetv2-w0.2-r" + std::to_string(resolution);
    const space::SearchSpace space =
        space::load_search_space(source + "/configs/spaces/" + name + ".json");
    const space::SubnetConfig network =
        space::load_subnet_arch(space, source + "/configs/nets/" + name + ".arch.json");
    const SubnetCost cost = subnet_cost(space, network, quickstart);
    EXPECT_TRUE(fits_memory(cost, quickstart))
        << name << ": peak " << cost.peak_sram_bytes << " B, flash " << cost.flash_bytes << " B";
    if (resolution == 68) {
      const space::SearchSpace larger = space_at(space, space.width_multiplier, resolution + 4);
      EXPECT_GT(subnet_cost(larger, network, quickstart).peak_sram_bytes,
                quickstart.peak_sram_bytes);
    }
  }
}

TEST(SubnetCost, JointKeepsOpByOpWhereItFits) {
  const space::SearchSpace space = testing::tiny_space();
  const space::SubnetConfig subnet = space::largest_subnet(space);
  const SubnetCost plain = subnet_cost(space, subnet);
  const SubnetCost joint = subnet_cost(space, subnet, sram_limit(plain.peak_sram_bytes));
  EXPECT_EQ(joint.schedule, compiler::Schedule::kPlain);
  EXPECT_EQ(joint.plan, compiler::Schedule::kPlain);
  EXPECT_EQ(joint.peak_sram_bytes, plain.peak_sram_bytes);
  EXPECT_EQ(subnet_cost(space, subnet, Constraints{}).schedule, compiler::Schedule::kPlain);
}

// The smallest subnet's peak is its first block's expansion, which fusing removes.
TEST(SubnetCost, JointFusesWhenOpByOpDoesNotFitAndTheModelIsPlannedTheSameWay) {
  const space::SearchSpace space = testing::tiny_space();
  const space::SubnetConfig subnet = space::smallest_subnet(space);
  const SubnetCost plain = subnet_cost(space, subnet);
  const Constraints tight = sram_limit(plain.peak_sram_bytes - 1);
  const SubnetCost joint = subnet_cost(space, subnet, tight);
  EXPECT_EQ(joint.schedule, compiler::Schedule::kAuto);
  ASSERT_NE(joint.plan, compiler::Schedule::kPlain);
  EXPECT_LT(joint.peak_sram_bytes, plain.peak_sram_bytes);
  EXPECT_TRUE(fits_memory(joint, tight));
  if (joint.plan == compiler::Schedule::kFused) {
    EXPECT_EQ(joint.mac_overhead, 0);
  }
  EXPECT_EQ(joint.macs, plain.macs);
  EXPECT_EQ(joint.flash_bytes, plain.flash_bytes);

  const compiler::LoadedModel model(
      compile_random_weights(space, subnet, 5, planner_options(joint)), "joint");
  EXPECT_EQ(static_cast<int64_t>(model.view().arena_size()), joint.arena_bytes);
  EXPECT_EQ(static_cast<int64_t>(model.view().scratch_size()), joint.scratch_bytes);
  EXPECT_TRUE(testing::runs_other_than_op_by_op(model.view()));

  const SubnetCost plain_only =
      subnet_cost(space, subnet, sram_limit(plain.peak_sram_bytes - 1, ScheduleChoice::kPlain));
  EXPECT_EQ(plain_only.schedule, compiler::Schedule::kPlain);
  EXPECT_FALSE(fits_memory(plain_only, tight));
}

// The job's MAC-overhead limit reaches the joint schedule, and the model is planned under it.
TEST(SubnetCost, JointScheduleStaysWithinTheJobsMacOverheadLimit) {
  const space::SearchSpace space = testing::tiny_space();
  const space::SubnetConfig subnet = space::largest_subnet(space);
  const SubnetCost plain = subnet_cost(space, subnet);
  for (double limit : {0.0, 0.1, 3.0}) {
    Constraints tight = sram_limit(plain.peak_sram_bytes - 1);
    tight.max_mac_overhead = limit;
    const SubnetCost joint = subnet_cost(space, subnet, tight);
    EXPECT_DOUBLE_EQ(joint.max_mac_overhead, limit);
    EXPECT_LE(joint.mac_overhead, static_cast<int64_t>(limit * static_cast<double>(joint.macs)));
    const compiler::LoadedModel model(
        compile_random_weights(space, subnet, 5, planner_options(joint)), "joint");
    EXPECT_EQ(static_cast<int64_t>(model.view().arena_size()), joint.arena_bytes) << limit;
    EXPECT_DOUBLE_EQ(subnet_cost_from_json(to_json(joint)).max_mac_overhead, limit);
  }
}

TEST(SubnetCost, JsonRoundTripKeepsTheScheduleAndOldFilesMeanOpByOp) {
  const space::SearchSpace space = testing::tiny_space();
  const space::SubnetConfig subnet = space::largest_subnet(space);
  const SubnetCost joint =
      subnet_cost(space, subnet, sram_limit(subnet_cost(space, subnet).peak_sram_bytes - 1));
  const SubnetCost back = subnet_cost_from_json(to_json(joint));
  EXPECT_EQ(back.schedule, joint.schedule);
  EXPECT_EQ(back.plan, joint.plan);
  EXPECT_EQ(back.peak_sram_bytes, joint.peak_sram_bytes);
  nlohmann::json old = to_json(subnet_cost(space, subnet));
  old.erase("schedule");
  old.erase("plan");
  old.erase("mac_overhead");
  EXPECT_EQ(subnet_cost_from_json(old).schedule, compiler::Schedule::kPlain);
}

}  // namespace
}  // namespace tinynas::nas
