#include "farm/measurement_store.h"

#include <sqlite3.h>

#include <chrono>
#include <ctime>
#include <filesystem>

namespace tinynas::farm {
namespace {

constexpr int kBusyTimeoutMs = 10000;
constexpr int kMillisecondsPerSecond = 1000;
constexpr std::size_t kMaxReportedDamage = 500;  // characters of quick_check findings

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS models(
  sha256 TEXT PRIMARY KEY,
  bytes BLOB NOT NULL,
  size INTEGER NOT NULL,
  added_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS measurements(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  model_sha256 TEXT NOT NULL,
  board_kind TEXT NOT NULL,
  firmware_version TEXT NOT NULL,
  board TEXT NOT NULL,
  runs INTEGER NOT NULL,
  cycles INTEGER NOT NULL,
  per_op_cycles TEXT NOT NULL,
  arena_bytes INTEGER NOT NULL,
  stack_bytes INTEGER NOT NULL,
  measured_at TEXT NOT NULL,
  result TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS measurements_key
  ON measurements(model_sha256, board_kind, firmware_version);
CREATE INDEX IF NOT EXISTS measurements_answer
  ON measurements(model_sha256, board_kind, firmware_version, runs);
CREATE TABLE IF NOT EXISTS jobs(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  model_sha256 TEXT NOT NULL REFERENCES models(sha256),
  board_kind TEXT NOT NULL,
  runs INTEGER NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  board TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  measurement_id INTEGER REFERENCES measurements(id),
  from_store INTEGER NOT NULL DEFAULT 0,
  submitted_at TEXT NOT NULL,
  finished_at TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);
)sql";

// One prepared statement; binds are 1-based like SQLite's.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &statement_, nullptr) != SQLITE_OK) {
      throw StoreError(std::string("measurement store: cannot prepare \"") + sql +
                       "\": " + sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, const std::string& text) {
    check(sqlite3_bind_text(statement_, index, text.c_str(), static_cast<int>(text.size()),
                            SQLITE_TRANSIENT));
    return *this;
  }
  Statement& bind(int index, int64_t value) {
    check(sqlite3_bind_int64(statement_, index, value));
    return *this;
  }
  Statement& bind_blob(int index, const std::vector<uint8_t>& bytes) {
    check(sqlite3_bind_blob(statement_, index, bytes.data(), static_cast<int>(bytes.size()),
                            SQLITE_TRANSIENT));
    return *this;
  }
  // True while there is a row.
  bool step() {
    const int rc = sqlite3_step(statement_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw StoreError(std::string("measurement store: ") + sqlite3_errmsg(db_));
  }
  std::string text(int column) const {
    const unsigned char* value = sqlite3_column_text(statement_, column);
    return value == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(value));
  }
  int64_t integer(int column) const { return sqlite3_column_int64(statement_, column); }
  bool is_null(int column) const { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }
  std::vector<uint8_t> blob(int column) const {
    const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(statement_, column));
    const int size = sqlite3_column_bytes(statement_, column);
    return data == nullptr ? std::vector<uint8_t>() : std::vector<uint8_t>(data, data + size);
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) throw StoreError(std::string("measurement store: ") + sqlite3_errmsg(db_));
  }
  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
};

constexpr const char* kJobColumns =
    "id, model_sha256, board_kind, runs, state, attempts, board, error, measurement_id, "
    "from_store, submitted_at, finished_at";

JobRecord read_job(const Statement& row) {
  JobRecord job;
  job.id = row.integer(0);
  job.model_sha256 = row.text(1);
  job.board_kind = row.text(2);
  job.runs = static_cast<uint32_t>(row.integer(3));
  job.state = parse_job_state(row.text(4));
  job.attempts = static_cast<int>(row.integer(5));
  job.board = row.text(6);
  job.error = row.text(7);
  if (!row.is_null(8)) job.measurement_id = row.integer(8);
  job.from_store = row.integer(9) != 0;
  job.submitted_at = row.text(10);
  job.finished_at = row.text(11);
  return job;
}

constexpr const char* kMeasurementColumns =
    "id, model_sha256, board_kind, firmware_version, board, runs, cycles, per_op_cycles, "
    "arena_bytes, stack_bytes, measured_at, result";

MeasurementRecord read_measurement(const Statement& row) {
  MeasurementRecord m;
  m.id = row.integer(0);
  m.model_sha256 = row.text(1);
  m.board_kind = row.text(2);
  m.firmware_version = row.text(3);
  m.board = row.text(4);
  m.runs = static_cast<uint32_t>(row.integer(5));
  m.cycles = static_cast<uint64_t>(row.integer(6));
  m.per_op_cycles = nlohmann::json::parse(row.text(7)).get<std::vector<uint32_t>>();
  m.arena_bytes = static_cast<uint32_t>(row.integer(8));
  m.stack_bytes = static_cast<uint32_t>(row.integer(9));
  m.measured_at = row.text(10);
  m.result = nlohmann::json::parse(row.text(11));
  return m;
}

uint32_t json_u32(const nlohmann::json& result, const char* key) {
  if (!result.contains(key) || !result.at(key).is_number_unsigned()) {
    throw StoreError(std::string("measurement store: result lacks the unsigned field \"") + key +
                     "\"");
  }
  return result.at(key).get<uint32_t>();
}

}  // namespace

const char* job_state_name(JobState state) {
  switch (state) {
    case JobState::kQueued:
      return "queued";
    case JobState::kRunning:
      return "running";
    case JobState::kDone:
      return "done";
    case JobState::kFailed:
      return "failed";
  }
  return "unknown";
}

JobState parse_job_state(const std::string& name) {
  if (name == "queued") return JobState::kQueued;
  if (name == "running") return JobState::kRunning;
  if (name == "done") return JobState::kDone;
  if (name == "failed") return JobState::kFailed;
  throw StoreError("measurement store: unknown job state \"" + name + "\"");
}

std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
      kMillisecondsPerSecond;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  const std::size_t length = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  char full[48];
  std::snprintf(full, sizeof full, "%.*s.%03dZ", static_cast<int>(length), buffer,
                static_cast<int>(millis));
  return full;
}

MeasurementStore::MeasurementStore(const std::string& path) : path_(path) {
  // SQLite takes an empty file for a new database; here it is one that lost its contents.
  std::error_code size_error;
  if (std::filesystem::is_regular_file(path, size_error) &&
      std::filesystem::file_size(path, size_error) == 0 && !size_error) {
    throw StoreError(path +
                     ": the measurement database is empty (0 bytes): a damaged file, not a "
                     "new store; restore it from a backup, or remove it to start an empty "
                     "store");
  }
  if (sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw StoreError(path + ": cannot open the measurement database: " + message);
  }
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  try {
    execute("PRAGMA journal_mode=WAL");
    execute("PRAGMA foreign_keys=ON");
    check_integrity();
    execute(kSchema);
  } catch (const StoreError& e) {
    sqlite3_close(db_);
    throw StoreError(path + ": the measurement database is damaged (" + e.what() +
                     "); restore it from a backup, or move it away to start an empty store");
  }
}

void MeasurementStore::check_integrity() {
  Statement check(db_, "PRAGMA quick_check");
  std::string problems;
  while (check.step()) {
    const std::string line = check.text(0);
    if (line == "ok") continue;
    problems += (problems.empty() ? "" : "; ") + line;
    if (problems.size() > kMaxReportedDamage) break;
  }
  if (!problems.empty()) throw StoreError("quick_check: " + problems);
}

MeasurementStore::~MeasurementStore() { sqlite3_close(db_); }

void MeasurementStore::execute(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    throw StoreError("measurement store: " + text);
  }
}

void MeasurementStore::put_model(const std::string& sha256, const std::vector<uint8_t>& bytes) {
  std::lock_guard lock(mutex_);
  Statement insert(db_,
                   "INSERT OR IGNORE INTO models(sha256, bytes, size, added_at) VALUES(?,?,?,?)");
  insert.bind(1, sha256).bind_blob(2, bytes).bind(3, static_cast<int64_t>(bytes.size()));
  insert.bind(4, utc_timestamp());
  insert.step();
}

std::optional<std::vector<uint8_t>> MeasurementStore::model(const std::string& sha256) {
  std::lock_guard lock(mutex_);
  Statement select(db_, "SELECT bytes FROM models WHERE sha256 = ?");
  select.bind(1, sha256);
  if (!select.step()) return std::nullopt;
  return select.blob(0);
}

int64_t MeasurementStore::add_job(const std::string& sha256, const std::string& board_kind,
                                  uint32_t runs) {
  std::lock_guard lock(mutex_);
  Statement insert(db_,
                   "INSERT INTO jobs(model_sha256, board_kind, runs, state, submitted_at) "
                   "VALUES(?,?,?,'queued',?)");
  insert.bind(1, sha256).bind(2, board_kind).bind(3, static_cast<int64_t>(runs));
  insert.bind(4, utc_timestamp());
  insert.step();
  return sqlite3_last_insert_rowid(db_);
}

int64_t MeasurementStore::add_job_from_store(const std::string& sha256,
                                             const std::string& board_kind, uint32_t runs,
                                             int64_t measurement_id) {
  std::lock_guard lock(mutex_);
  const std::string now = utc_timestamp();
  Statement insert(db_,
                   "INSERT INTO jobs(model_sha256, board_kind, runs, state, measurement_id, "
                   "from_store, submitted_at, finished_at, board) "
                   "SELECT ?, ?, ?, 'done', id, 1, ?, ?, board FROM measurements WHERE id = ?");
  insert.bind(1, sha256).bind(2, board_kind).bind(3, static_cast<int64_t>(runs));
  insert.bind(4, now).bind(5, now).bind(6, measurement_id);
  insert.step();
  if (sqlite3_changes(db_) != 1) {
    throw StoreError("measurement store: measurement " + std::to_string(measurement_id) +
                     " does not exist");
  }
  return sqlite3_last_insert_rowid(db_);
}

std::optional<JobRecord> MeasurementStore::job(int64_t id) {
  std::lock_guard lock(mutex_);
  Statement select(db_, (std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = ?").c_str());
  select.bind(1, id);
  if (!select.step()) return std::nullopt;
  return read_job(select);
}

bool MeasurementStore::update_state(const char* sql, int64_t id) {
  Statement update(db_, sql);
  update.bind(1, id);
  update.step();
  return sqlite3_changes(db_) == 1;
}

bool MeasurementStore::start_job(int64_t id, const std::string& board) {
  std::lock_guard lock(mutex_);
  Statement update(db_,
                   "UPDATE jobs SET state = 'running', board = ?, attempts = attempts + 1 "
                   "WHERE id = ? AND state = 'queued'");
  update.bind(1, board).bind(2, id);
  update.step();
  return sqlite3_changes(db_) == 1;
}

bool MeasurementStore::requeue_job(int64_t id, const std::string& error) {
  std::lock_guard lock(mutex_);
  Statement update(
      db_, "UPDATE jobs SET state = 'queued', error = ? WHERE id = ? AND state = 'running'");
  update.bind(1, error).bind(2, id);
  update.step();
  return sqlite3_changes(db_) == 1;
}

bool MeasurementStore::release_job(int64_t id) {
  std::lock_guard lock(mutex_);
  return update_state(
      "UPDATE jobs SET state = 'queued', attempts = MAX(attempts - 1, 0) "
      "WHERE id = ? AND state = 'running'",
      id);
}

int64_t MeasurementStore::finish_job(int64_t id, const std::string& board,
                                     const nlohmann::json& result) {
  std::lock_guard lock(mutex_);
  execute("BEGIN IMMEDIATE");
  try {
    Statement select(db_, "SELECT model_sha256, board_kind, state FROM jobs WHERE id = ?");
    select.bind(1, id);
    if (!select.step()) throw StoreError("measurement store: no job " + std::to_string(id));
    const std::string sha = select.text(0);
    const std::string kind = select.text(1);
    if (select.text(2) != "running") {
      throw StoreError("measurement store: job " + std::to_string(id) + " is " + select.text(2) +
                       ", not running: refusing to answer it twice");
    }
    const std::string now = utc_timestamp();
    Statement insert(db_,
                     "INSERT INTO measurements(model_sha256, board_kind, firmware_version, board, "
                     "runs, cycles, per_op_cycles, arena_bytes, stack_bytes, measured_at, result) "
                     "VALUES(?,?,?,?,?,?,?,?,?,?,?)");
    insert.bind(1, sha).bind(2, kind);
    insert.bind(3, result.at("firmware_version").get<std::string>()).bind(4, board);
    insert.bind(5, static_cast<int64_t>(json_u32(result, "runs")));
    insert.bind(6, static_cast<int64_t>(result.at("cycles").get<uint64_t>()));
    insert.bind(7, result.at("per_op_cycles").dump());
    insert.bind(8, static_cast<int64_t>(json_u32(result, "arena_bytes")));
    insert.bind(9, static_cast<int64_t>(json_u32(result, "stack_bytes")));
    insert.bind(10, now).bind(11, result.dump());
    insert.step();
    const int64_t measurement_id = sqlite3_last_insert_rowid(db_);
    Statement update(db_,
                     "UPDATE jobs SET state = 'done', measurement_id = ?, finished_at = ?, "
                     "board = ?, error = '' WHERE id = ?");
    update.bind(1, measurement_id).bind(2, now).bind(3, board).bind(4, id);
    update.step();
    execute("COMMIT");
    return measurement_id;
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

bool MeasurementStore::finish_job_from_store(int64_t id, int64_t measurement_id) {
  std::lock_guard lock(mutex_);
  Statement update(db_,
                   "UPDATE jobs SET state = 'done', measurement_id = ?, from_store = 1, "
                   "finished_at = ?, error = '' WHERE id = ? AND state = 'running'");
  update.bind(1, measurement_id).bind(2, utc_timestamp()).bind(3, id);
  update.step();
  return sqlite3_changes(db_) == 1;
}

bool MeasurementStore::fail_job(int64_t id, const std::string& error) {
  std::lock_guard lock(mutex_);
  Statement update(db_,
                   "UPDATE jobs SET state = 'failed', error = ?, finished_at = ? "
                   "WHERE id = ? AND state IN ('queued', 'running')");
  update.bind(1, error).bind(2, utc_timestamp()).bind(3, id);
  update.step();
  return sqlite3_changes(db_) == 1;
}

std::vector<JobRecord> MeasurementStore::requeue_unfinished_jobs() {
  std::lock_guard lock(mutex_);
  // A job the daemon was running when it died was not failed by its board: the start is undone.
  execute(
      "UPDATE jobs SET state = 'queued', attempts = MAX(attempts - 1, 0) WHERE state = 'running'");
  Statement select(
      db_, (std::string("SELECT ") + kJobColumns + " FROM jobs WHERE state = 'queued' ORDER BY id")
               .c_str());
  std::vector<JobRecord> jobs;
  while (select.step()) jobs.push_back(read_job(select));
  return jobs;
}

std::vector<JobRecord> MeasurementStore::recent_jobs(int limit) {
  std::lock_guard lock(mutex_);
  Statement select(
      db_, (std::string("SELECT ") + kJobColumns + " FROM jobs ORDER BY id DESC LIMIT ?").c_str());
  select.bind(1, static_cast<int64_t>(limit));
  std::vector<JobRecord> jobs;
  while (select.step()) jobs.push_back(read_job(select));
  return jobs;
}

std::map<std::string, int64_t> MeasurementStore::job_counts() {
  std::lock_guard lock(mutex_);
  Statement select(db_, "SELECT state, COUNT(*) FROM jobs GROUP BY state");
  std::map<std::string, int64_t> counts;
  for (JobState s : {JobState::kQueued, JobState::kRunning, JobState::kDone, JobState::kFailed}) {
    counts[job_state_name(s)] = 0;
  }
  while (select.step()) counts[select.text(0)] = select.integer(1);
  return counts;
}

std::optional<MeasurementRecord> MeasurementStore::find_measurement(
    const std::string& sha256, const std::string& board_kind, const std::string& firmware_version,
    uint32_t runs) {
  std::lock_guard lock(mutex_);
  Statement select(db_, (std::string("SELECT ") + kMeasurementColumns +
                         " FROM measurements WHERE model_sha256 = ? AND board_kind = ? AND "
                         "firmware_version = ? AND runs = ? ORDER BY id DESC LIMIT 1")
                            .c_str());
  select.bind(1, sha256).bind(2, board_kind).bind(3, firmware_version);
  select.bind(4, static_cast<int64_t>(runs));
  if (!select.step()) return std::nullopt;
  return read_measurement(select);
}

std::optional<MeasurementRecord> MeasurementStore::measurement(int64_t id) {
  std::lock_guard lock(mutex_);
  Statement select(
      db_,
      (std::string("SELECT ") + kMeasurementColumns + " FROM measurements WHERE id = ?").c_str());
  select.bind(1, id);
  if (!select.step()) return std::nullopt;
  return read_measurement(select);
}

std::vector<MeasurementRecord> MeasurementStore::measurements(const std::string& sha256,
                                                              const std::string& board_kind) {
  std::lock_guard lock(mutex_);
  Statement select(db_, (std::string("SELECT ") + kMeasurementColumns +
                         " FROM measurements WHERE model_sha256 = ? AND (? = '' OR board_kind = ?)"
                         " ORDER BY id")
                            .c_str());
  select.bind(1, sha256).bind(2, board_kind).bind(3, board_kind);
  std::vector<MeasurementRecord> found;
  while (select.step()) found.push_back(read_measurement(select));
  return found;
}

int64_t MeasurementStore::measurement_count() {
  std::lock_guard lock(mutex_);
  Statement select(db_, "SELECT COUNT(*) FROM measurements");
  select.step();
  return select.integer(0);
}

nlohmann::json to_json(const JobRecord& job) {
  nlohmann::json json;
  json["id"] = job.id;
  json["state"] = job_state_name(job.state);
  json["model"] = job.model_sha256;
  json["board_kind"] = job.board_kind;
  json["runs"] = job.runs;
  json["attempts"] = job.attempts;
  json["board"] = job.board;
  json["error"] = job.error;
  json["from_store"] = job.from_store;
  json["submitted_at"] = job.submitted_at;
  json["finished_at"] = job.finished_at;
  if (job.measurement_id) json["measurement_id"] = *job.measurement_id;
  return json;
}

nlohmann::json to_json(const MeasurementRecord& m) {
  nlohmann::json json;
  json["id"] = m.id;
  json["model"] = m.model_sha256;
  json["board_kind"] = m.board_kind;
  json["firmware_version"] = m.firmware_version;
  json["board"] = m.board;
  json["runs"] = m.runs;
  json["cycles"] = m.cycles;
  json["per_op_cycles"] = m.per_op_cycles;
  json["arena_bytes"] = m.arena_bytes;
  json["stack_bytes"] = m.stack_bytes;
  json["measured_at"] = m.measured_at;
  json["result"] = m.result;
  return json;
}

}  // namespace tinynas::farm
