#include "supernet/progressive_shrinking.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "config/json_file.h"
#include "supernet/checkpoint.h"
#include "tests/supernet/tiny_training_job.h"

namespace tinynas::supernet {
namespace {

namespace fs = std::filesystem;

TEST(ProgressiveShrinking, LearnsTheSyntheticTaskAndCheckpointsEveryEpoch) {
  const TrainingJob job = testing::tiny_training_job("tinynas_ps_learn");
  int epochs_seen = 0, steps_seen = 0;
  TrainingCallbacks callbacks;
  callbacks.on_epoch = [&](const EpochSummary&) { ++epochs_seen; };
  callbacks.on_step = [&](const StepProgress& p) {
    ++steps_seen;
    EXPECT_GT(p.images_per_second, 0.0);
  };
  const TrainingResult result = train_supernet(job, {}, callbacks);
  EXPECT_EQ(epochs_seen, 5);
  EXPECT_EQ(steps_seen, 5 * (256 / 32));
  ASSERT_EQ(result.history.size(), 5u);
  // Four classes: chance is 25%.
  EXPECT_GT(result.history.back().largest_validation_accuracy.value_or(0.0), 0.6);
  EXPECT_GT(result.history.back().smallest_validation_accuracy.value_or(0.0), 0.6);
  const nlohmann::json metadata = read_checkpoint_metadata(result.checkpoint_dir);
  EXPECT_EQ(metadata.at("completed_epochs"), 5);
  EXPECT_EQ(metadata.at("history").size(), 5u);
  // The reported subnets' architecture files sit next to the checkpoint.
  const fs::path dir = result.checkpoint_dir;
  EXPECT_EQ(
      space::describe_subnet(space::load_subnet_arch(job.space, (dir / kLargestArchFile).string())),
      space::describe_subnet(space::largest_subnet(job.space)));
  EXPECT_EQ(space::describe_subnet(
                space::load_subnet_arch(job.space, (dir / kSmallestArchFile).string())),
            space::describe_subnet(space::smallest_subnet(job.space)));
}

void expect_resumed_run_ends_where_an_uninterrupted_run_ends(bool sandwich) {
  // Own folders per variant: ctest runs the two variants in parallel.
  const TrainingJob job = testing::tiny_training_job(
      sandwich ? "tinynas_ps_resume_sandwich" : "tinynas_ps_resume", sandwich);
  TrainingOptions whole;
  whole.output_dir = job.output_dir + "-whole";
  train_supernet(job, whole);

  TrainingOptions first;
  first.output_dir = job.output_dir + "-parts";
  first.max_epochs = 4;  // stops inside the second phase
  train_supernet(job, first);
  TrainingOptions rest = first;
  rest.max_epochs = 0;
  rest.resume = true;
  const TrainingResult resumed = train_supernet(job, rest);
  EXPECT_EQ(resumed.history.size(), 5u);

  OFASupernet a = load_supernet_checkpoint(whole.output_dir);
  OFASupernet b = load_supernet_checkpoint(first.output_dir);
  const auto pa = a->named_parameters();
  const auto pb = b->named_parameters();
  for (const auto& item : pa) {
    EXPECT_TRUE(torch::allclose(item.value(), pb[item.key()], 1e-4, 1e-5)) << item.key();
  }
}

TEST(ProgressiveShrinking, ResumedRunEndsWhereAnUninterruptedRunEnds) {
  expect_resumed_run_ends_where_an_uninterrupted_run_ends(/*sandwich=*/false);
}

TEST(ProgressiveShrinking, ResumedSandwichRunEndsWhereAnUninterruptedRunEnds) {
  expect_resumed_run_ends_where_an_uninterrupted_run_ends(/*sandwich=*/true);
}

TEST(ProgressiveShrinking, SandwichRuleTrainsLargestAndSmallestToo) {
  const TrainingJob job = testing::tiny_training_job("tinynas_ps_sandwich", /*sandwich=*/true);
  ASSERT_TRUE(job.phases[1].sandwich);
  const TrainingResult result = train_supernet(job, {});
  ASSERT_EQ(result.history.size(), 5u);
  // Four classes: chance is 25%.
  EXPECT_GT(result.history.back().largest_validation_accuracy.value_or(0.0), 0.6);
  EXPECT_GT(result.history.back().smallest_validation_accuracy.value_or(0.0), 0.6);
}

// The final training of a searched network: one fixed subnet, starting from a trained
// checkpoint's weights.
TEST(ProgressiveShrinking, FixedSubnetPhaseStartsFromInitAndTrainsOnlyThatSubnet) {
  nlohmann::json base = testing::tiny_training_job("tinynas_ps_fixed").document;
  const fs::path dir = fs::temp_directory_path() / "tinynas_ps_fixed";
  base["phases"] = {base["phases"][0]};
  const TrainingJob first = parse_training_job(base, dir.string());
  train_supernet(first, {});

  nlohmann::json tune = base;
  tune["output_dir"] = (dir / "tuned").string();
  tune["init_from"] = first.output_dir;
  tune["phases"] = {{{"name", "tune"},
                     {"epochs", 1},
                     {"learning_rate", 0.05},
                     {"subnets_per_step", 1},
                     {"subnet", (fs::path(first.output_dir) / kSmallestArchFile).string()}}};
  const TrainingJob job = parse_training_job(tune, dir.string());
  ASSERT_TRUE(job.phases[0].subnet.has_value());
  const TrainingResult result = train_supernet(job, {});
  ASSERT_EQ(result.history.size(), 1u);
  ASSERT_TRUE(result.history[0].subnet_validation_accuracy.has_value());
  EXPECT_FALSE(result.history[0].largest_validation_accuracy.has_value());
  EXPECT_GT(*result.history[0].subnet_validation_accuracy, 0.25);  // above chance (4 classes)
  EXPECT_EQ(space::describe_subnet(space::load_subnet_arch(
                job.space, (fs::path(job.output_dir) / kTrainedSubnetArchFile).string())),
            space::describe_subnet(space::smallest_subnet(job.space)));

  // Weights the smallest subnet does not use (deeper blocks) are exactly the initial
  // checkpoint's; the ones it uses moved.
  OFASupernet before = load_supernet_checkpoint(first.output_dir);
  OFASupernet after = load_supernet_checkpoint(job.output_dir);
  const auto pa = before->named_parameters();
  const auto pb = after->named_parameters();
  int same = 0, moved = 0;
  for (const auto& item : pa) (torch::equal(item.value(), pb[item.key()]) ? same : moved)++;
  EXPECT_GT(same, 0);
  EXPECT_GT(moved, 0);
}

// The final training distilled from the supernet's largest subnet: the teacher's soft targets
// enter the loss, and the teacher checkpoint is left as it was.
TEST(ProgressiveShrinking, FixedSubnetPhaseDistilsFromAFrozenTeacher) {
  nlohmann::json base = testing::tiny_training_job("tinynas_ps_teacher").document;
  const fs::path dir = fs::temp_directory_path() / "tinynas_ps_teacher";
  base["phases"] = {base["phases"][0]};
  const TrainingJob first = parse_training_job(base, dir.string());
  train_supernet(first, {});
  OFASupernet teacher_before = load_supernet_checkpoint(first.output_dir);

  nlohmann::json tune = base;
  tune["init_from"] = first.output_dir;
  tune["phases"] = {{{"name", "tune"},
                     {"epochs", 1},
                     {"learning_rate", 0.05},
                     {"subnet", (fs::path(first.output_dir) / kSmallestArchFile).string()}}};
  tune["output_dir"] = (dir / "alone").string();
  const TrainingResult alone = train_supernet(parse_training_job(tune, dir.string()), {});
  tune["output_dir"] = (dir / "distilled").string();
  tune["teacher"] = first.output_dir;
  tune["phases"][0]["distillation"] = true;
  std::vector<std::string> messages;
  TrainingCallbacks callbacks;
  callbacks.on_message = [&](const std::string& m) { messages.push_back(m); };
  const TrainingResult distilled =
      train_supernet(parse_training_job(tune, dir.string()), {}, callbacks);
  ASSERT_EQ(distilled.history.size(), 1u);
  EXPECT_GT(*distilled.history[0].subnet_validation_accuracy, 0.25);  // above chance
  // The loss adds the cross entropy against the teacher's predictions (> 0).
  EXPECT_GT(distilled.history[0].train_loss, alone.history[0].train_loss);
  EXPECT_NE(std::find(messages.begin(), messages.end(),
                      "teacher: the largest subnet of " + first.output_dir),
            messages.end());
  OFASupernet teacher_after = load_supernet_checkpoint(first.output_dir);
  for (const auto& item : teacher_before->named_parameters()) {
    EXPECT_TRUE(torch::equal(item.value(), teacher_after->named_parameters()[item.key()]))
        << item.key();
  }
}

TEST(TrainingJob, FixedSubnetPhaseSamplesNothingAndInitMustExist) {
  const fs::path dir = fs::temp_directory_path() / "tinynas_ps_fixed_errors";
  nlohmann::json document = testing::tiny_training_job("tinynas_ps_fixed_errors").document;
  space::save_subnet_arch(testing::tiny_space(), space::smallest_subnet(testing::tiny_space()),
                          (dir / "small.arch.json").string(), "small");
  document["phases"][1]["subnet"] = "small.arch.json";
  const auto expect_error_at = [&](const std::string& where) {
    try {
      parse_training_job(document, dir.string());
      FAIL() << "expected an error at " << where;
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find(where), std::string::npos) << e.what();
    }
  };
  expect_error_at("phases[1].kernel_sizes");  // the phase also samples kernel sizes
  for (const char* key : {"kernel_sizes", "expand_ratios", "depths", "sandwich", "sort_channels"}) {
    document["phases"][1].erase(key);
  }
  // Distilling into one fixed subnet takes a frozen teacher checkpoint.
  expect_error_at("\"teacher\" checkpoint for phase 'all'");
  document["teacher"] = "no-such-checkpoint";
  expect_error_at("teacher");
  document.erase("teacher");
  document["phases"][1].erase("distillation");
  expect_error_at("phases[1].subnets_per_step");
  document["phases"][1]["subnets_per_step"] = 1;
  EXPECT_NO_THROW(parse_training_job(document, dir.string()));
  document["phases"][0]["subnet"] = "missing.arch.json";
  expect_error_at("phases[0].subnet");
  document["phases"][0]["subnet"] = "small.arch.json";
  EXPECT_NO_THROW(parse_training_job(document, dir.string()));
  document["init_from"] = "no-such-checkpoint";
  expect_error_at("init_from");
}

TEST(TrainingJob, ErrorsNameTheJsonPath) {
  nlohmann::json document = testing::tiny_training_job("tinynas_ps_errors").document;
  document["phases"][1]["kernel_sizes"] = {3, 4};
  try {
    parse_training_job(document, (fs::temp_directory_path() / "tinynas_ps_errors").string());
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("phases[1].kernel_sizes[1]"), std::string::npos)
        << e.what();
  }
}

// A supernet epoch that only starts a searched network's own training holds its rate; the
// default anneals it to zero by the phase's end.
TEST(ProgressiveShrinking, ConstantScheduleHoldsTheRateAndCosineAnnealsIt) {
  nlohmann::json document =
      testing::tiny_training_document(fs::temp_directory_path() / "tinynas_ps_schedule", false);
  document["phases"][0]["schedule"] = "constant";
  document["phases"][1]["schedule"] = "cosine";
  const TrainingJob job =
      parse_training_job(document, (fs::temp_directory_path() / "tinynas_ps_schedule").string());
  std::vector<StepProgress> steps;
  TrainingCallbacks callbacks;
  callbacks.on_step = [&](const StepProgress& p) { steps.push_back(p); };
  train_supernet(job, {}, callbacks);
  double last_cosine = 1.0;
  for (const StepProgress& p : steps) {
    if (p.phase_index == 0) {
      EXPECT_DOUBLE_EQ(p.learning_rate, 0.05) << "epoch " << p.epoch << " step " << p.step;
    } else {
      EXPECT_LT(p.learning_rate, last_cosine);
      last_cosine = p.learning_rate;
    }
  }
  EXPECT_LT(last_cosine, 0.001);

  document["phases"][0]["schedule"] = "step";
  try {
    parse_training_job(document, (fs::temp_directory_path() / "tinynas_ps_schedule").string());
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("phases[0].schedule"), std::string::npos) << e.what();
  }
}

// The training jobs in configs/jobs (supernet runs and the README's baselines) stay valid as the
// job format and the spaces they name evolve.
TEST(TrainingJob, ShippedTrainingJobsParse) {
  int parsed = 0;
  for (const auto& entry :
       fs::directory_iterator(std::string(TINYNAS_SOURCE_DIR) + "/configs/jobs")) {
    const nlohmann::json document = config::read_json_file(entry.path().string());
    if (document.value("format", "") != "tinynas-train/1") continue;
    try {
      parse_training_job(document, entry.path().parent_path().string());
      ++parsed;
    } catch (const std::exception& e) {
      ADD_FAILURE() << entry.path().filename().string() << ": " << e.what();
    }
  }
  EXPECT_GE(parsed, 3);
}

}  // namespace
}  // namespace tinynas::supernet
