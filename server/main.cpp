// main.cpp — the `weft` binary: `weft serve` (the collaboration server), `weft doc` (update
// tools) and `weft backup` / `restore` / `check` (server/backup/). This is the only place that
// wires the parts together.
#include <CLI/CLI.hpp>

#include "server/backup/commands.hpp"
#include "server/config.hpp"
#include "server/doc_command.hpp"
#include "server/server.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Weft: a real-time collaborative code editor server (Yjs-compatible)"};
  app.require_subcommand(1);
  weft::add_doc_command(app);
  weft::add_backup_commands(app);

  weft::Config config;
  int exit_code = 0;
  CLI::App* serve = app.add_subcommand("serve", "Run the collaboration server");
  weft::add_serve_options(*serve, config);
  serve->callback([&] { exit_code = weft::run_server(config); });

  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
