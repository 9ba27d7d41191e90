// check.hpp — `weft check`: verifies every document of a Weft database (SQLite or PostgreSQL)
// through the Store interface, and repairs what can be repaired without losing anything.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace weft::backup {

struct Problem {
  // "state_undecodable": documents.yjs_state is not a Yjs update (not repairable);
  // "update_undecodable": a row of document_updates is not one (not repairable: the server skips
  //   it, and deleting it is left to a person);
  // "content_mismatch": documents.content is not the text of yjs_state (repair: rewritten);
  // "file_path_mismatch": a document with a project but no path, or a path but no project (not
  //   repairable: which one is meant is for a person to say);
  // "orphan_rows": rows pointing at a document, version, project or user that does not exist
  //   (repair: deleted, except documents and projects themselves, which hold text).
  std::string kind;
  std::string table;
  int64_t document_id = 0;  // 0 when the problem is not about one document
  int64_t count = 1;        // rows concerned
  std::string detail;
  bool repairable = false;
  bool repaired = false;
};

struct CheckReport {
  int64_t documents = 0;
  int64_t updates = 0;  // log rows decoded
  std::vector<Problem> problems;

  // Problems that were not repaired.
  size_t remaining() const;
  nlohmann::json to_json() const;
  std::string to_text() const;
};

// Reads every document (Store::load) and decodes its state and log with the CRDT engine, compares
// the content column with the state's text, and counts orphan rows; with `repair`, rewrites the
// content columns that differ (only where the row is unchanged since it was read) and deletes
// orphan rows. Meant for a database no server is writing to when repairing; a plain check may run
// beside a server (a content mismatch is confirmed by rereading the content between two loads
// that see the same state, so a compaction meanwhile is not reported as one).
CheckReport check_store(store::Store& store, bool repair);

}  // namespace weft::backup
