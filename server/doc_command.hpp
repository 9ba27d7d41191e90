// doc_command.hpp — `weft doc …`: inspect and transform stored Yjs updates from the command line,
// and read a document's versions from a Weft SQLite database.
#pragma once

#include <CLI/CLI.hpp>

namespace weft {

// Adds the `doc` subcommand and its children (text, sv, merge, diff, encode, history,
// dump) to `app`.
void add_doc_command(CLI::App& app);

}  // namespace weft
