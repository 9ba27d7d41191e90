// commands.cpp — CLI11 wiring of `weft backup --to FILE`, `weft restore --from FILE` and
// `weft check [--repair] [--json]` (snapshot.hpp, check.hpp).
//
// The database is named as for `weft serve`: --database sqlite:PATH or postgresql://..., else the
// SQLite file weft.db in --data-dir. backup and restore are SQLite only (PostgreSQL has pg_dump
// and pg_restore, which they point to); check works on both.
#include "server/backup/commands.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "server/backup/check.hpp"
#include "server/backup/snapshot.hpp"
#include "store/store.hpp"

namespace weft {

namespace {

struct Target {
  std::string data_dir = "./data";
  std::string database;  // as --database of serve
};

void add_target_options(CLI::App& cmd, Target& t) {
  cmd.add_option("--data-dir", t.data_dir, "Data directory (its SQLite file weft.db), as for serve")
      ->envname("WEFT_DATA_DIR")
      ->capture_default_str();
  cmd.add_option("--database", t.database,
                 "Database: sqlite:PATH or postgresql://... (default: weft.db in the data dir)")
      ->envname("WEFT_DATABASE");
}

bool is_postgres(const std::string& url) {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
}

// The SQLite file `t` names; UsageError for PostgreSQL (`hint` says what to use instead) or an
// unknown scheme.
std::string sqlite_path(const Target& t, const std::string& hint) {
  if (t.database.empty()) return (std::filesystem::path(t.data_dir) / "weft.db").string();
  if (t.database.rfind("sqlite:", 0) == 0) return t.database.substr(7);
  if (is_postgres(t.database)) throw backup::UsageError("PostgreSQL: " + hint);
  throw backup::UsageError("unsupported --database: use sqlite:PATH or a postgresql:// URL");
}

template <typename Fn>
void run(const char* name, Fn&& fn) {
  try {
    std::exit(fn());
  } catch (const backup::UsageError& e) {
    std::cerr << "weft " << name << ": " << e.what() << "\n";
    std::exit(2);
  } catch (const std::exception& e) {
    std::cerr << "weft " << name << ": " << e.what() << "\n";
    std::exit(1);
  }
}

std::string summary(const backup::SnapshotStats& s) {
  char line[160];
  std::snprintf(line, sizeof line, "%lld pages of %lld bytes in %d step(s), %.3f s",
                static_cast<long long>(s.pages), static_cast<long long>(s.page_size), s.steps,
                s.seconds);
  return line;
}

int check(const Target& t, bool repair, bool json) {
  std::unique_ptr<store::Store> db;
  if (is_postgres(t.database)) {
    db = store::open_postgres(t.database, 2);
  } else {
    const std::string path = sqlite_path(t, "");
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      throw backup::UsageError(path + ": no such database");
    }
    try {
      // A plain check writes nothing (and may run beside a server); a repair opens for writing.
      db = repair ? store::open_sqlite(path) : store::open_sqlite_readonly(path);
    } catch (const store::StoreError& e) {
      throw backup::UsageError(e.what());
    }
  }
  const backup::CheckReport report = backup::check_store(*db, repair);
  if (json) {
    std::cout << report.to_json().dump() << "\n";
  } else {
    std::cout << report.to_text();
  }
  return report.remaining() == 0 ? 0 : 1;
}

}  // namespace

void add_backup_commands(CLI::App& app) {
  struct Options {
    Target target;
    std::string file;
    int pages_per_step = 256;
    bool repair = false;
    bool json = false;
  };
  auto o = std::make_shared<Options>();

  CLI::App* backup = app.add_subcommand(
      "backup",
      "Copy a live SQLite database to FILE (one consistent snapshot; the server goes on)");
  add_target_options(*backup, o->target);
  backup->add_option("--to", o->file, "Backup file to write (replaced atomically)")
      ->required()
      ->type_name("FILE");
  backup->add_option("--pages-per-step", o->pages_per_step, "Pages copied per backup step")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  backup->footer("PostgreSQL: pg_dump --format=custom (README, \"Backups\").");
  backup->callback([o] {
    run("backup", [&] {
      const std::string source = sqlite_path(o->target, "use pg_dump --format=custom (README)");
      const auto stats = backup::take_snapshot(source, o->file, o->pages_per_step);
      std::cout << "backed up " << source << " to " << o->file << ": " << summary(stats) << "\n";
      return 0;
    });
  });

  CLI::App* restore =
      app.add_subcommand("restore", "Restore a backup FILE into an empty data directory (SQLite)");
  add_target_options(*restore, o->target);
  restore->add_option("--from", o->file, "Backup file made by weft backup")
      ->required()
      ->type_name("FILE");
  restore->footer(
      "Refuses (exit 2) a target that already has a database, and a file that is not "
      "an intact Weft database. PostgreSQL: pg_restore (README, \"Backups\").");
  restore->callback([o] {
    run("restore", [&] {
      const std::string target = sqlite_path(o->target, "use pg_restore (README)");
      const auto stats = backup::restore_snapshot(o->file, target);
      std::cout << "restored " << o->file << " into " << target << ": " << summary(stats) << "\n";
      return 0;
    });
  });

  CLI::App* chk = app.add_subcommand(
      "check", "Verify every document (state, log, content column) and look for orphan rows");
  add_target_options(*chk, o->target);
  chk->add_flag("--repair", o->repair,
                "Rewrite content columns from the state and delete orphan rows (stop the server "
                "first)");
  chk->add_flag("--json", o->json, "Print the report as one JSON object");
  chk->footer("Exit status 0: no problem left; 1: problems remain; 2: no such database.");
  chk->callback([o] { run("check", [&] { return check(o->target, o->repair, o->json); }); });
}

}  // namespace weft
