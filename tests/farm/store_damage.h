// Damage to a farm database, done behind the farm's back through a connection of the test's
// own: a statement run on it, or a table's root page overwritten with garbage.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tinynas::farm::testing {

inline void execute_sql(const std::string& database, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(database.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error(database + ": cannot open");
  }
  sqlite3_busy_timeout(db, 10000);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  const std::string error = message ? message : "";
  sqlite3_free(message);
  sqlite3_close(db);
  if (rc != SQLITE_OK) throw std::runtime_error(database + ": " + sql + ": " + error);
}

inline int64_t query_integer(const std::string& database, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(database.c_str(), &db);
  sqlite3_stmt* statement = nullptr;
  int64_t value = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK &&
      sqlite3_step(statement) == SQLITE_ROW) {
    value = sqlite3_column_int64(statement, 0);
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

// Overwrites the root page of `table` with 0xFF bytes (the database must be closed, with its
// write-ahead log checkpointed, as the farm leaves it when it stops).
inline void damage_table(const std::string& database, const std::string& table) {
  const int64_t page_size = query_integer(database, "PRAGMA page_size");
  const int64_t root =
      query_integer(database, "SELECT rootpage FROM sqlite_master WHERE name = '" + table + "'");
  if (page_size <= 0 || root <= 0) throw std::runtime_error(database + ": no table " + table);
  std::fstream file(database, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp((root - 1) * page_size);
  const std::vector<char> garbage(static_cast<std::size_t>(page_size), '\xFF');
  file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
}

}  // namespace tinynas::farm::testing
