// main.cpp — the `weft` binary: `weft serve` (the collaboration server) and `weft doc` (update
// tools). This is the only place that wires the parts together.
#include <CLI/CLI.hpp>
#include <iostream>

#include "server/doc_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Weft: a real-time collaborative code editor server (Yjs-compatible)"};
  app.require_subcommand(1);
  weft::add_doc_command(app);

  CLI::App* serve = app.add_subcommand("serve", "Run the collaboration server (not built yet: issue #3)");
  serve->callback([] {
    std::cerr << "weft serve: the server is not implemented yet (see issue #3)\n";
    std::exit(2);
  });

  CLI11_PARSE(app, argc, argv);
  return 0;
}
