#include "search_results/result_layout.h"

namespace tinynas::search_results {
namespace {

namespace fs = std::filesystem;

constexpr char kJobFile[] = "job.json";
constexpr char kStage1Dir[] = "stage1";
constexpr char kStage1CdfFile[] = "cdf.json";
constexpr char kStage1SpaceFile[] = "space.json";
constexpr char kSupernetDir[] = "supernet";
constexpr char kStateDir[] = "state";
constexpr char kCheckpointFile[] = "search-state.json";
constexpr char kModelsDir[] = "models";
constexpr char kModelExtension[] = ".tnm";
constexpr char kFinalDir[] = "final";
constexpr char kBestDir[] = "best";
constexpr char kArchFile[] = "arch.json";
constexpr char kModelFile[] = "model.tnm";
constexpr char kProfileFile[] = "profile.json";
constexpr char kSummaryFile[] = "summary.json";
constexpr char kParetoFile[] = "pareto.json";
constexpr char kHistoryFile[] = "history.jsonl";
constexpr char kReportFile[] = "report.html";

}  // namespace

fs::path StateLayout::checkpoint_file() const { return dir_ / kCheckpointFile; }
fs::path StateLayout::models_dir() const { return dir_ / kModelsDir; }
std::string StateLayout::model_file_name(const std::string& stem) {
  return std::string(kModelsDir) + "/" + stem + kModelExtension;
}
fs::path StateLayout::model_path(const std::string& model_file) const { return dir_ / model_file; }

fs::path ResultLayout::job_file() const { return root_ / kJobFile; }
fs::path ResultLayout::stage1_cdf_file() const { return root_ / kStage1Dir / kStage1CdfFile; }
fs::path ResultLayout::stage1_space_file() const { return root_ / kStage1Dir / kStage1SpaceFile; }
fs::path ResultLayout::supernet_dir() const { return root_ / kSupernetDir; }
StateLayout ResultLayout::state() const { return StateLayout(root_ / kStateDir); }
fs::path ResultLayout::final_dir() const { return root_ / kFinalDir; }

fs::path ResultLayout::best_dir() const { return root_ / kBestDir; }
fs::path ResultLayout::best_arch_file() const { return best_dir() / kArchFile; }
fs::path ResultLayout::best_model_file() const { return best_dir() / kModelFile; }
fs::path ResultLayout::best_profile_file() const { return best_dir() / kProfileFile; }
fs::path ResultLayout::best_summary_file() const { return best_dir() / kSummaryFile; }

fs::path ResultLayout::pareto_file() const { return root_ / kParetoFile; }
fs::path ResultLayout::history_file() const { return root_ / kHistoryFile; }
fs::path ResultLayout::report_file() const { return root_ / kReportFile; }

}  // namespace tinynas::search_results
