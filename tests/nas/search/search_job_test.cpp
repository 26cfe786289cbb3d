#include "nas/search/search_job.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "search_fakes.h"

namespace tinynas::nas {
namespace {

const std::string kSource = TINYNAS_SOURCE_DIR;

nlohmann::json valid_job() {
  return {
      {"format", "tinynas-search/1"},
      {"board", "qemu-mps2-an386"},
      {"constraints", {{"peak_sram_bytes", 65536}, {"flash_bytes", 262144}}},
      {"dataset",
       {{"kind", "synthetic"},
        {"synthetic_train_size", 64},
        {"synthetic_test_size", 32},
        {"validation_size", 16}}},
      {"space", kSource + "/configs/spaces/fmnist-r28-w1.0.json"},
      {"stage1", {{"width_multipliers", {0.5, 1.0}}, {"resolutions", {20, 28}}, {"samples", 10}}},
      {"supernet", {{"train", nlohmann::json::object()}}},
      {"evolution", {{"population", 8}, {"generations", 3}}},
      {"output_dir", "runs/test"},
      {"seed", 3}};
}

std::string messages(const config::ConfigError& e) {
  std::string all;
  for (const config::FieldError& f : e.errors()) all += f.message() + "\n";
  return all;
}

TEST(SearchJob, ValidJobParsesWithOnceForAllDefaults) {
  const SearchJob job = parse_search_job(valid_job(), "");
  EXPECT_EQ(job.board.kind, "qemu-mps2-an386");
  EXPECT_EQ(*job.constraints.peak_sram_bytes, 65536);
  EXPECT_FALSE(job.constraints.latency_ms.has_value());
  EXPECT_TRUE(job.stage1.enabled);
  EXPECT_EQ(job.stage1.resolutions, (std::vector<int>{20, 28}));
  EXPECT_EQ(job.evolution.population, 8);
  EXPECT_DOUBLE_EQ(job.evolution.parent_ratio, 0.25);
  EXPECT_DOUBLE_EQ(job.evolution.mutation_probability, 0.1);
  EXPECT_DOUBLE_EQ(job.evolution.mutation_ratio, 0.5);
  EXPECT_EQ(job.seed, 3u);
  EXPECT_TRUE(job.farms.empty());
  EXPECT_EQ(job.constraints.schedule, ScheduleChoice::kJoint);
}

TEST(SearchJob, ScheduleChoiceIsPlainOrJoint) {
  nlohmann::json doc = valid_job();
  doc["constraints"]["schedule"] = "plain";
  EXPECT_EQ(parse_search_job(doc, "").constraints.schedule, ScheduleChoice::kPlain);
  doc["constraints"]["schedule"] = "patch";
  try {
    parse_search_job(doc, "");
    FAIL();
  } catch (const config::ConfigError& e) {
    EXPECT_NE(messages(e).find("constraints.schedule: expected one of"), std::string::npos)
        << messages(e);
    EXPECT_NE(messages(e).find("\"patch\""), std::string::npos) << messages(e);
  }
}

TEST(SearchJob, MacOverheadLimitDefaultsToTenPercentAndIsChecked) {
  nlohmann::json doc = valid_job();
  EXPECT_DOUBLE_EQ(parse_search_job(doc, "").constraints.max_mac_overhead, 0.1);
  doc["constraints"]["max_mac_overhead"] = 0.25;
  EXPECT_DOUBLE_EQ(parse_search_job(doc, "").constraints.max_mac_overhead, 0.25);
  for (const nlohmann::json& bad : {nlohmann::json(-0.5), nlohmann::json("ten percent")}) {
    doc["constraints"]["max_mac_overhead"] = bad;
    try {
      parse_search_job(doc, "");
      FAIL() << bad.dump();
    } catch (const config::ConfigError& e) {
      EXPECT_NE(messages(e).find("constraints.max_mac_overhead"), std::string::npos) << messages(e);
    }
  }
}

TEST(SearchJob, ShippedJobFilesParse) {
  for (const auto& entry : std::filesystem::directory_iterator(kSource + "/configs/jobs")) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("search-", 0) != 0 && name.rfind("quickstart", 0) != 0) continue;
    try {
      const nlohmann::json doc = config::read_json_file(entry.path().string());
      // Dataset folders may be absent on a build machine: check everything else, with the
      // job's validation split kept (the final training's may hold out part of it).
      nlohmann::json relaxed = doc;
      relaxed["dataset"] = valid_job()["dataset"];
      if (const int validation = doc.at("dataset").value("validation_size", 0); validation > 0) {
        relaxed["dataset"]["validation_size"] = validation;
        relaxed["dataset"]["synthetic_train_size"] = validation + 64;
      }
      parse_search_job(relaxed, entry.path().parent_path().string(), profiler::default_boards_dir(),
                       name);
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
    }
  }
}

TEST(SearchJob, EveryBadFieldIsReportedAtOnceWithPathExpectedAndFound) {
  nlohmann::json doc = valid_job();
  doc["format"] = "tinynas-search/0";
  doc["board"] = "no-such-board";
  doc["constraints"]["peak_sram_bytes"] = -5;
  doc["constraints"]["latency_ms"] = "fast";
  doc["dataset"]["kind"] = "imagenet";
  doc["stage1"]["width_multipliers"] = {1.0, 0.5};
  doc["stage1"]["resolutions"] = {20, "28"};
  doc["evolution"]["population"] = 0;
  doc["evolution"]["mutation_probability"] = 1.5;
  doc["evolution"]["populaton"] = 10;
  doc["evolution"]["objective"] = "flops";
  doc["farm"] = "ftp://x";
  doc.erase("output_dir");
  try {
    parse_search_job(doc, "", profiler::default_boards_dir(), "bad.json");
    FAIL() << "expected config::ConfigError";
  } catch (const config::ConfigError& e) {
    const std::string all = messages(e);
    for (const char* path :
         {"format: expected \"tinynas-search/1\", found \"tinynas-search/0\"", "board: expected",
          "constraints.peak_sram_bytes: expected an integer in [1, ", "found -5",
          "constraints.latency_ms: expected a number", "found \"fast\"",
          "dataset.kind: expected one of",
          "stage1.width_multipliers[1]: expected a value above the previous one",
          "stage1.resolutions[1]: expected an integer in [8, 1024], found \"28\"",
          "evolution.population: expected an integer in [2, ", "found 0",
          "evolution.mutation_probability: expected a number in [0, 1], found 1.5",
          "evolution.populaton: expected a known key", "evolution.objective: expected one of",
          "found \"flops\"", "farm: expected a farm URL",
          "output_dir: expected a string, found missing"}) {
      EXPECT_NE(all.find(path), std::string::npos) << "missing \"" << path << "\" in:\n" << all;
    }
    EXPECT_GE(e.errors().size(), 12u);
    EXPECT_NE(std::string(e.what()).find("bad.json: "), std::string::npos);
  }
}

TEST(SearchJob, ConstraintsNeedAtLeastOneLimitAndFitTheBoard) {
  nlohmann::json doc = valid_job();
  doc["constraints"] = nlohmann::json::object();
  try {
    parse_search_job(doc, "");
    FAIL();
  } catch (const config::ConfigError& e) {
    EXPECT_NE(messages(e).find("constraints: expected at least one of"), std::string::npos);
  }
  doc["constraints"] = {{"peak_sram_bytes", int64_t{1} << 30}};
  try {
    parse_search_job(doc, "");
    FAIL();
  } catch (const config::ConfigError& e) {
    EXPECT_NE(messages(e).find("constraints.peak_sram_bytes: expected at most the board's SRAM"),
              std::string::npos)
        << messages(e);
  }
}

TEST(SearchJob, FinalTrainingIsOptionalAndEveryBadFieldIsNamed) {
  nlohmann::json doc = valid_job();
  EXPECT_FALSE(parse_search_job(doc, "").final_training.has_value());
  doc["final_training"] = {{"from", "scratch"}, {"epochs", 4}, {"learning_rate", 0.1}};
  const SearchJob job = parse_search_job(doc, "");
  ASSERT_TRUE(job.final_training.has_value());
  EXPECT_EQ(job.final_training->start, FinalTrainingStart::kScratch);
  EXPECT_EQ(job.final_training->epochs, 4);
  EXPECT_DOUBLE_EQ(job.final_training->learning_rate, 0.1);
  EXPECT_EQ(job.final_training->warmup_epochs, 0);
  EXPECT_DOUBLE_EQ(job.final_training->distillation_weight, 0.0);  // no teacher by default
  doc["final_training"]["distillation_weight"] = 0.5;
  EXPECT_DOUBLE_EQ(parse_search_job(doc, "").final_training->distillation_weight, 0.5);

  doc["final_training"]["validation_size"] = 16;  // all of the search's validation split
  EXPECT_EQ(parse_search_job(doc, "").final_training->validation_size, 16);
  doc["final_training"]["validation_size"] = 17;
  try {
    parse_search_job(doc, "");
    FAIL();
  } catch (const config::ConfigError& e) {
    EXPECT_NE(messages(e).find("final_training.validation_size: expected at most "
                               "dataset.validation_size (16)"),
              std::string::npos)
        << messages(e);
  }

  doc["final_training"] = {{"from", "imagenet"},        {"epochs", 0},
                           {"learning_rate", -1},       {"warmup_epochs", 2},
                           {"distillation_weight", -1}, {"epoch", 3}};
  try {
    parse_search_job(doc, "");
    FAIL();
  } catch (const config::ConfigError& e) {
    const std::string all = messages(e);
    EXPECT_NE(all.find("final_training.from: expected \"supernet\" or \"scratch\", found "
                       "\"imagenet\""),
              std::string::npos)
        << all;
    EXPECT_NE(all.find("final_training.epochs"), std::string::npos) << all;
    EXPECT_NE(all.find("final_training.learning_rate"), std::string::npos) << all;
    EXPECT_NE(all.find("final_training.epoch"), std::string::npos) << all;
    EXPECT_NE(all.find("final_training.distillation_weight"), std::string::npos) << all;
  }
  doc["final_training"] = {
      {"from", "supernet"}, {"epochs", 2}, {"learning_rate", 0.01}, {"warmup_epochs", 2}};
  try {
    parse_search_job(doc, "");
    FAIL();
  } catch (const config::ConfigError& e) {
    EXPECT_NE(messages(e).find("final_training.warmup_epochs: expected fewer than the 2 epochs"),
              std::string::npos)
        << messages(e);
  }
}

TEST(SearchJob, FarmsAreOneUrlOrAListOfUrlsAndTokens) {
  nlohmann::json doc = valid_job();
  doc["farm"] = "http://127.0.0.1:8470";
  SearchJob job = parse_search_job(doc, "");
  ASSERT_EQ(job.farms.size(), 1u);
  EXPECT_EQ(job.farms[0].url, "http://127.0.0.1:8470");
  EXPECT_EQ(job.farms[0].token, "");

  doc.erase("farm");
  ::setenv("TINYNAS_TEST_FARM_B_TOKEN", "secret-b", 1);
  doc["farms"] = {"http://127.0.0.1:8470",
                  {{"url", "http://10.0.0.2:8470"}, {"token", "secret-a"}},
                  {{"url", "http://10.0.0.3:8470"}, {"token_env", "TINYNAS_TEST_FARM_B_TOKEN"}}};
  job = parse_search_job(doc, "");
  ASSERT_EQ(job.farms.size(), 3u);
  EXPECT_EQ(job.farms[1].url, "http://10.0.0.2:8470");
  EXPECT_EQ(job.farms[1].token, "secret-a");
  EXPECT_EQ(job.farms[2].token, "secret-b");

  ::unsetenv("TINYNAS_TEST_FARM_UNSET");
  doc["farm"] = "http://127.0.0.1:8470";
  doc["farms"] = {"http://127.0.0.1:8470",
                  {{"url", "https://x:1"}},
                  {{"url", "http://a:1"}, {"token", "t"}, {"token_env", "T"}},
                  {{"url", "http://b:1"}, {"token_env", "TINYNAS_TEST_FARM_UNSET"}},
                  "http://127.0.0.1:8470",
                  {{"url", "http://c:1"}, {"tokn", "t"}},
                  7};
  try {
    parse_search_job(doc, "");
    FAIL();
  } catch (const config::ConfigError& e) {
    const std::string all = messages(e);
    EXPECT_NE(all.find("farms: expected either \"farm\" or \"farms\", not both"), std::string::npos)
        << all;
  }
  doc.erase("farm");
  try {
    parse_search_job(doc, "");
    FAIL();
  } catch (const config::ConfigError& e) {
    const std::string all = messages(e);
    EXPECT_NE(all.find("farms[1].url: expected a farm URL http://HOST:PORT"), std::string::npos)
        << all;
    EXPECT_NE(all.find("farms[2].token_env: expected at most one of"), std::string::npos) << all;
    EXPECT_NE(all.find("farms[3].token_env: expected the name of a set environment variable, "
                       "found \"TINYNAS_TEST_FARM_UNSET\" (not set)"),
              std::string::npos)
        << all;
    EXPECT_NE(all.find("farms[4]: expected a farm not listed before"), std::string::npos) << all;
    EXPECT_NE(all.find("farms[5].tokn"), std::string::npos) << all;
    EXPECT_NE(all.find("farms[6]: expected an object"), std::string::npos) << all;
  }
  doc["farms"] = nlohmann::json::array();
  EXPECT_THROW(parse_search_job(doc, ""), config::ConfigError);
}

TEST(SearchJob, SupernetNeedsExactlyOneSourceAndTrainMustNotOverrideJobFields) {
  nlohmann::json doc = valid_job();
  doc["supernet"] = {{"checkpoint", "/no/such/ckpt"}, {"train", {{"seed", 4}}}};
  try {
    parse_search_job(doc, "");
    FAIL();
  } catch (const config::ConfigError& e) {
    const std::string all = messages(e);
    EXPECT_NE(all.find("supernet: expected exactly one of"), std::string::npos) << all;
    EXPECT_NE(all.find("supernet.checkpoint: expected an existing checkpoint folder"),
              std::string::npos)
        << all;
    EXPECT_NE(all.find("supernet.train.seed: expected no such key"), std::string::npos) << all;
  }
}

TEST(SearchJob, SupernetProcessesTrainOnlyATrainedSupernetAndAreCounted) {
  nlohmann::json doc = valid_job();
  doc["supernet"]["nproc"] = 2;
  EXPECT_EQ(parse_search_job(doc, "").supernet.nproc, 2);
  doc["supernet"] = {{"checkpoint", std::string(TINYNAS_SOURCE_DIR)}, {"nproc", 2}};
  try {
    parse_search_job(doc, "");
    FAIL();
  } catch (const config::ConfigError& e) {
    EXPECT_NE(messages(e).find("supernet.nproc: expected only with \"train\""), std::string::npos)
        << messages(e);
  }
  doc["supernet"] = {{"checkpoint", std::string(TINYNAS_SOURCE_DIR)}, {"nproc", 0}};
  try {
    parse_search_job(doc, "");
    FAIL();
  } catch (const config::ConfigError& e) {
    EXPECT_NE(messages(e).find("supernet.nproc"), std::string::npos) << messages(e);
  }
}

TEST(SearchJob, ResolutionsTheSpaceCannotTakeAreErrors) {
  nlohmann::json doc = valid_job();
  doc["space"] = "missing-space.json";
  try {
    parse_search_job(doc, "/nonexistent");
    FAIL();
  } catch (const config::ConfigError& e) {
    EXPECT_NE(messages(e).find("space: expected a readable search-space file"), std::string::npos);
  }
}

TEST(SearchJob, SyntaxErrorsNameTheFile) {
  testing::ScratchDir dir("job-syntax");
  const std::string path = dir.sub("job.json");
  std::ofstream(path) << "{\"format\": ";
  EXPECT_THROW(
      {
        try {
          load_search_job(path);
        } catch (const std::exception& e) {
          EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
          throw;
        }
      },
      std::exception);
}

}  // namespace
}  // namespace tinynas::nas
