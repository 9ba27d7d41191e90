// snapshot.cpp — the SQLite half of backups (snapshot.hpp), on SQLite's online backup API.
//
// Why one read transaction around the whole copy: sqlite3_backup_step restarts from the first page
// whenever another connection writes the source between steps, so a copy taken in steps of a busy
// database might never finish. Holding a read transaction on the source connection pins one WAL
// snapshot: every step reads that snapshot, nothing restarts, and the copy is the database as of
// the moment the transaction began. In WAL mode a reader neither waits for nor blocks writers; the
// only cost to the server is that checkpoints cannot move past the snapshot until the copy ends,
// so the WAL grows by what is written meanwhile. Steps are short (pages_per_step) and the copier
// yields between them, so the copy shares the disk with the server rather than monopolizing it.
//
// The copy is written to a temporary file in the target's directory, switched to
// journal_mode=DELETE (so the backup is one self-contained file; the server turns WAL back on when
// it opens it), checked with PRAGMA quick_check, fsynced and renamed into place.
#include "server/backup/snapshot.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

namespace weft::backup {

namespace {

namespace fs = std::filesystem;

using Db = std::unique_ptr<sqlite3, int (*)(sqlite3*)>;

constexpr int kBusyTimeoutMs = 5000;

Db open_db(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Db db(raw, &sqlite3_close_v2);
  if (rc != SQLITE_OK) {
    throw std::runtime_error(path +
                             ": cannot open: " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
  return db;
}

// Runs `sql` and returns the first column of its first row ("" when there is none). A file that
// is not a database fails here (SQLite opens files lazily), with SQLITE_NOTADB.
std::string first_value(sqlite3* db, const std::string& path, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
  const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw, &sqlite3_finalize);
  if (rc == SQLITE_OK) rc = sqlite3_step(raw);
  if (rc == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(raw, 0);
    return text ? reinterpret_cast<const char*>(text) : "";
  }
  if (rc == SQLITE_DONE) return "";
  if (sqlite3_errcode(db) == SQLITE_NOTADB) throw UsageError(path + ": not a SQLite database");
  if (sqlite3_errcode(db) == SQLITE_CORRUPT) {
    throw UsageError(path + ": the database is damaged: " + sqlite3_errmsg(db));
  }
  throw std::runtime_error(path + ": " + sql + ": " + sqlite3_errmsg(db));
}

void exec(sqlite3* db, const std::string& path, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string message = err ? err : "failed";
    sqlite3_free(err);
    if (sqlite3_errcode(db) == SQLITE_NOTADB) throw UsageError(path + ": not a SQLite database");
    throw std::runtime_error(path + ": " + sql + ": " + message);
  }
}

// The tables every Weft database has since its first migration.
void require_weft_schema(sqlite3* db, const std::string& path) {
  const std::string tables = first_value(
      db, path,
      "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('schema_migrations', "
      "'documents')");
  if (tables != "2") throw UsageError(path + ": not a Weft database (no Weft tables)");
}

// Copies all of `src` into `dest` in steps, sleeping briefly between them and longer while a
// lock is in the way (SQLITE_BUSY / SQLITE_LOCKED are retried, as sqlite3_backup_step allows).
SnapshotStats copy_pages(sqlite3* src, sqlite3* dest, const std::string& target,
                         int pages_per_step) {
  const auto start = std::chrono::steady_clock::now();
  sqlite3_backup* backup = sqlite3_backup_init(dest, "main", src, "main");
  if (backup == nullptr) {
    throw std::runtime_error(target + ": cannot start the backup: " + sqlite3_errmsg(dest));
  }
  SnapshotStats stats;
  int rc = SQLITE_OK;
  while (true) {
    rc = sqlite3_backup_step(backup, pages_per_step);
    ++stats.steps;
    if (rc == SQLITE_DONE) break;
    if (rc == SQLITE_OK) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    } else if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    } else {
      break;
    }
  }
  stats.pages = sqlite3_backup_pagecount(backup);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    throw std::runtime_error(target + ": backup failed: " + sqlite3_errstr(rc));
  }
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

void fsync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) throw std::runtime_error(path + ": cannot open to sync");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw std::runtime_error(path + ": fsync failed");
}

std::string parent_of(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

std::string temp_name(const std::string& target, const char* what) {
  return target + "." + what + "-" + std::to_string(::getpid());
}

// Makes the copy at `temp` a standalone, checked, durable file and returns its page size.
int64_t finish_copy(sqlite3* dest, const std::string& temp) {
  exec(dest, temp, "PRAGMA journal_mode = DELETE");
  const std::string check = first_value(dest, temp, "PRAGMA quick_check");
  if (check != "ok") throw std::runtime_error(temp + ": the copy fails quick_check: " + check);
  return std::stoll(first_value(dest, temp, "PRAGMA page_size"));
}

void remove_quietly(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
  fs::remove(path + "-journal", ec);
  fs::remove(path + "-wal", ec);
  fs::remove(path + "-shm", ec);
}

}  // namespace

void verify_database_file(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw UsageError(path + ": no such file");
  if (fs::is_directory(path, ec)) throw UsageError(path + ": is a directory");
  Db db = open_db(path, SQLITE_OPEN_READONLY);
  const std::string check = first_value(db.get(), path, "PRAGMA integrity_check");
  if (check != "ok") throw UsageError(path + ": the database is damaged: " + check);
  require_weft_schema(db.get(), path);
}

SnapshotStats take_snapshot(const std::string& source, const std::string& target,
                            int pages_per_step) {
  std::error_code ec;
  if (!fs::exists(source, ec)) throw UsageError(source + ": no such database");
  if (fs::is_directory(target, ec)) throw UsageError(target + ": is a directory");
  Db src = open_db(source, SQLITE_OPEN_READWRITE);
  require_weft_schema(src.get(), source);
  // The snapshot: a deferred BEGIN plus a read starts the read transaction every step then uses.
  exec(src.get(), source, "BEGIN");
  first_value(src.get(), source, "SELECT COUNT(*) FROM schema_migrations");

  const std::string temp = temp_name(target, "tmp");
  remove_quietly(temp);
  try {
    SnapshotStats stats;
    {
      Db dest = open_db(temp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
      stats = copy_pages(src.get(), dest.get(), target, pages_per_step);
      exec(src.get(), source, "COMMIT");
      stats.page_size = finish_copy(dest.get(), temp);
    }
    fsync_path(temp, O_RDONLY);
    fs::rename(temp, target);
    fsync_path(parent_of(target), O_RDONLY | O_DIRECTORY);
    return stats;
  } catch (...) {
    remove_quietly(temp);
    throw;
  }
}

SnapshotStats restore_snapshot(const std::string& from, const std::string& target) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal"}) {
    if (fs::exists(target + suffix, ec)) {
      throw UsageError(target + suffix +
                       " exists: the target already has a database; restore only into an empty "
                       "data directory (or move the database away first)");
    }
  }
  verify_database_file(from);
  fs::create_directories(parent_of(target), ec);
  if (ec) throw UsageError(parent_of(target) + ": cannot create: " + ec.message());

  const std::string temp = temp_name(target, "restore");
  remove_quietly(temp);
  try {
    SnapshotStats stats;
    {
      Db src = open_db(from, SQLITE_OPEN_READONLY);
      Db dest = open_db(temp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
      stats = copy_pages(src.get(), dest.get(), target, -1);
      stats.page_size = finish_copy(dest.get(), temp);
    }
    fsync_path(temp, O_RDONLY);
    // link(2) fails when the target exists, so a database created meanwhile is never replaced.
    if (::link(temp.c_str(), target.c_str()) != 0) {
      throw UsageError(target + ": cannot put the database in place (created meanwhile?)");
    }
    remove_quietly(temp);
    fsync_path(parent_of(target), O_RDONLY | O_DIRECTORY);
    return stats;
  } catch (...) {
    remove_quietly(temp);
    throw;
  }
}

}  // namespace weft::backup
