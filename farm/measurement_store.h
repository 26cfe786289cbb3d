// The farm's SQLite database: every measurement (model hash, board kind, firmware version,
// per-op cycles, arena, stack, time), the models jobs refer to, and the jobs themselves, so that
// jobs queued or running when the daemon stopped are run after it starts again. Thread-safe
// (one connection behind a mutex); every state change of a job is one statement or one
// transaction, and a job only leaves "running" once: a job is never answered twice.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct sqlite3;

namespace tinynas::farm {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class JobState { kQueued, kRunning, kDone, kFailed };
const char* job_state_name(JobState state);
JobState parse_job_state(const std::string& name);  // throws StoreError

struct JobRecord {
  int64_t id = 0;
  std::string model_sha256;
  std::string board_kind;
  uint32_t runs = 1;
  JobState state = JobState::kQueued;
  int attempts = 0;   // boards the job has been started on
  std::string board;  // the board that ran it (or runs it)
  std::string error;  // why it failed, or the last failure before a retry
  std::optional<int64_t> measurement_id;
  bool from_store = false;   // answered from an earlier measurement without running
  std::string submitted_at;  // ISO 8601 UTC
  std::string finished_at;
};

struct MeasurementRecord {
  int64_t id = 0;
  std::string model_sha256;
  std::string board_kind;
  std::string firmware_version;
  std::string board;  // board instance name within the farm
  uint32_t runs = 0;
  uint64_t cycles = 0;
  std::vector<uint32_t> per_op_cycles;
  uint32_t arena_bytes = 0;
  uint32_t stack_bytes = 0;
  std::string measured_at;
  nlohmann::json result;  // profiler::to_json(profiler::ProfileResult) of the run
};

class MeasurementStore {
 public:
  // Opens (creating a missing file) the database and runs SQLite's quick integrity check.
  // Throws StoreError naming the path when it cannot be opened or is damaged (a zero-length file
  // is damage: a store once held there lost its contents).
  explicit MeasurementStore(const std::string& path);
  ~MeasurementStore();
  MeasurementStore(const MeasurementStore&) = delete;
  MeasurementStore& operator=(const MeasurementStore&) = delete;

  const std::string& path() const { return path_; }

  // Models are stored once per hash.
  void put_model(const std::string& sha256, const std::vector<uint8_t>& bytes);
  std::optional<std::vector<uint8_t>> model(const std::string& sha256);

  int64_t add_job(const std::string& sha256, const std::string& board_kind, uint32_t runs);
  // A new job answered at once from an existing measurement.
  int64_t add_job_from_store(const std::string& sha256, const std::string& board_kind,
                             uint32_t runs, int64_t measurement_id);
  std::optional<JobRecord> job(int64_t id);

  // queued -> running on `board`; counts an attempt. False when the job is not queued.
  bool start_job(int64_t id, const std::string& board);
  // running -> queued after a board failure (the failure is kept in `error`).
  bool requeue_job(int64_t id, const std::string& error);
  // running -> queued without counting the attempt (the daemon is shutting down).
  bool release_job(int64_t id);
  // running -> done with a new measurement, in one transaction; returns the measurement id.
  // Throws StoreError when the job is not running (it would be answered twice).
  int64_t finish_job(int64_t id, const std::string& board, const nlohmann::json& result);
  // running -> done with an existing measurement (the store already had the answer).
  bool finish_job_from_store(int64_t id, int64_t measurement_id);
  // queued|running -> failed.
  bool fail_job(int64_t id, const std::string& error);

  // Jobs that were queued or running: after a restart they are all queued again (in id order).
  // The start of a job that was running is not counted as an attempt: the daemon, not a board,
  // stopped it.
  std::vector<JobRecord> requeue_unfinished_jobs();
  std::vector<JobRecord> recent_jobs(int limit);
  std::map<std::string, int64_t> job_counts();  // by state name

  // The latest measurement that answers a job: same model, board kind, firmware and runs.
  std::optional<MeasurementRecord> find_measurement(const std::string& sha256,
                                                    const std::string& board_kind,
                                                    const std::string& firmware_version,
                                                    uint32_t runs);
  std::optional<MeasurementRecord> measurement(int64_t id);
  // Empty board_kind: every kind.
  std::vector<MeasurementRecord> measurements(const std::string& sha256,
                                              const std::string& board_kind);
  int64_t measurement_count();

 private:
  void execute(const char* sql);
  void check_integrity();  // throws StoreError with what PRAGMA quick_check found
  bool update_state(const char* sql, int64_t id);

  std::string path_;
  sqlite3* db_ = nullptr;
  std::mutex mutex_;
};

std::string utc_timestamp();  // "2024-05-01T12:00:00.123Z"
nlohmann::json to_json(const JobRecord& job);
nlohmann::json to_json(const MeasurementRecord& measurement);

}  // namespace tinynas::farm
