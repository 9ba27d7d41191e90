// commands.hpp — the `weft backup`, `weft restore` and `weft check` subcommands (README,
// "Backups"). They choose the database with the same --data-dir / --database flags (and
// WEFT_DATA_DIR / WEFT_DATABASE) as `weft serve`.
#pragma once

#include <CLI/CLI.hpp>

namespace weft {

// Adds `backup`, `restore` and `check` to `app`. Exit status: 0 done (check: no problem left),
// 1 a failure (check: problems remain), 2 what the arguments got wrong.
void add_backup_commands(CLI::App& app);

}  // namespace weft
