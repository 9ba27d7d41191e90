// check.cpp — `weft check` (check.hpp): what a Weft database promises, verified row by row.
//
// A document is documents.yjs_state (the merged state, NULL until the first compaction or a
// creation with text) plus its rows in document_updates (logged since). documents.content is
// written together with yjs_state (at creation and by every compaction), so it must be the text
// of yjs_state alone — not of the log, which it never includes. Every other table hangs off
// documents, document_versions, projects or users by a foreign key; a row whose parent is gone
// (foreign keys were off when it was written, or it was copied in by hand) is an orphan.
//
// The check goes through the Store interface, so it is the same on SQLite and PostgreSQL: ids
// and text through Sql, blobs through Store::load (Sql gives PostgreSQL's hex for BYTEA).
#include "server/backup/check.hpp"

#include <array>
#include <exception>
#include <optional>
#include <sstream>
#include <utility>

#include "crdt/doc.hpp"

namespace weft::backup {

namespace {

struct Reference {
  const char* table;
  const char* column;
  const char* parent;
  bool repairable;  // its orphans may be deleted (they hold nothing a person wrote)
};

// In deletion order: versions before the checkpoints that hang off them.
constexpr std::array kReferences = {
    Reference{"document_members", "document_id", "documents", true},
    Reference{"document_members", "user_id", "users", true},
    Reference{"document_updates", "document_id", "documents", true},
    Reference{"sessions", "document_id", "documents", true},
    Reference{"document_versions", "document_id", "documents", true},
    Reference{"document_checkpoints", "document_id", "documents", true},
    Reference{"document_checkpoints", "version_id", "document_versions", true},
    Reference{"document_clients", "document_id", "documents", true},
    Reference{"document_aliases", "document_id", "documents", true},
    Reference{"project_members", "project_id", "projects", true},
    Reference{"project_members", "user_id", "users", true},
    Reference{"project_folders", "project_id", "projects", true},
    // A document or project whose parent is gone still holds text: reported, never deleted.
    Reference{"documents", "project_id", "projects", false},
    Reference{"documents", "owner_id", "users", false},
    Reference{"projects", "owner_id", "users", false},
};

Problem problem(std::string kind, std::string table, int64_t document_id, std::string detail) {
  Problem p;
  p.kind = std::move(kind);
  p.table = std::move(table);
  p.document_id = document_id;
  p.detail = std::move(detail);
  return p;
}

std::string orphan_condition(const Reference& r) {
  return std::string(" WHERE t.") + r.column + " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM " +
         r.parent + " p WHERE p.id = t." + r.column + ")";
}

void check_orphans(store::Store& store, bool repair, CheckReport& report) {
  for (const auto& r : kReferences) {
    Problem p = problem("orphan_rows", std::string(r.table) + "." + r.column, 0, "");
    store.transact([&](store::Sql& sql) {
      const auto rows = sql.exec(std::string("SELECT t.") + r.column + " FROM " + r.table + " t" +
                                     orphan_condition(r) + " ORDER BY 1",
                                 {});
      p.count = static_cast<int64_t>(rows.size());
      std::string ids;
      for (size_t i = 0; i < rows.size() && i < 5; ++i) ids += (i ? ", " : "") + rows[i].text(0);
      if (rows.size() > 5) ids += ", …";
      p.detail = std::to_string(rows.size()) + " row(s) of " + r.table + " whose " + r.column +
                 " names no row of " + r.parent + " (" + ids + ")";
    });
    if (p.count == 0) continue;
    p.repairable = r.repairable;
    if (repair && r.repairable) {
      // The same condition, so only rows that are orphans when the DELETE runs go.
      store.transact([&](store::Sql& sql) {
        sql.exec(std::string("DELETE FROM ") + r.table + " WHERE " + r.column + " IN (SELECT t." +
                     r.column + " FROM " + r.table + " t" + orphan_condition(r) + ")",
                 {});
      });
      p.repaired = true;
    }
    report.problems.push_back(std::move(p));
  }
}

// Applies `update` to `doc`; the decoder's message, or "" when it applied.
std::string apply_stored(crdt::Doc& doc, const store::Bytes& update) {
  try {
    doc.apply_update(update);
    return "";
  } catch (const std::exception& e) {  // DecodeError, or a bound the decoder enforces
    return e.what();
  }
}

// The state and content column of one moment, for a document whose listed content differed from
// its loaded state: a compaction between the listing and the load (a server may be running) writes
// both, so the content is read between two loads and kept once both loads saw the same state.
// nullopt when the document is gone or keeps changing.
std::optional<std::pair<store::StoredDocument, std::string>> reread(store::Store& store,
                                                                    int64_t id) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto before = store.load(id);
    const auto content = store.content(id);
    const auto after = store.load(id);
    if (!before || !content || !after) return std::nullopt;
    if (before->yjs_state == after->yjs_state) return std::make_pair(std::move(*before), *content);
  }
  return std::nullopt;
}

void check_document(store::Store& store, int64_t id, std::string content, bool repair,
                    CheckReport& report) {
  auto stored = store.load(id);
  if (!stored) return;  // deleted since it was listed
  ++report.documents;
  crdt::Doc state_doc;
  bool state_ok = true;
  if (stored->yjs_state) {
    if (const std::string error = apply_stored(state_doc, *stored->yjs_state); !error.empty()) {
      state_ok = false;
      report.problems.push_back(problem("state_undecodable", "documents.yjs_state", id,
                                        "the stored state does not decode: " + error));
    }
  }
  if (state_ok && stored->yjs_state) {
    std::string text = state_doc.text("content");
    if (text != content) {
      if (auto again = reread(store, id); again && again->first.yjs_state) {
        crdt::Doc reread_doc;
        if (apply_stored(reread_doc, *again->first.yjs_state).empty()) {
          stored = std::move(again->first);
          content = std::move(again->second);
          text = reread_doc.text("content");
        }
      }
    }
    if (text != content) {
      Problem p = problem("content_mismatch", "documents.content", id,
                          "the content column (" + std::to_string(content.size()) +
                              " bytes) is not the text of the stored state (" +
                              std::to_string(text.size()) + " bytes)");
      p.repairable = true;
      if (repair) {
        // Only if the row still holds what was read: a compaction meanwhile wrote both columns.
        store.transact([&](store::Sql& sql) {
          sql.exec("UPDATE documents SET content = $1 WHERE id = $2 AND content = $3",
                   {text, id, content});
        });
        p.repaired = true;
      }
      report.problems.push_back(std::move(p));
    }
  }
  // The log on top of the state, as the server loads it.
  crdt::Doc doc;
  if (stored->yjs_state && state_ok) apply_stored(doc, *stored->yjs_state);
  for (size_t i = 0; i < stored->updates.size(); ++i) {
    ++report.updates;
    if (const std::string error = apply_stored(doc, stored->updates[i]); !error.empty()) {
      report.problems.push_back(problem("update_undecodable", "document_updates.data", id,
                                        "logged update #" + std::to_string(i + 1) + " of " +
                                            std::to_string(stored->updates.size()) +
                                            " does not decode: " + error));
    }
  }
}

}  // namespace

size_t CheckReport::remaining() const {
  size_t n = 0;
  for (const auto& p : problems) n += p.repaired ? 0 : 1;
  return n;
}

nlohmann::json CheckReport::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : problems) {
    list.push_back({{"kind", p.kind},
                    {"table", p.table},
                    {"document_id", p.document_id},
                    {"count", p.count},
                    {"detail", p.detail},
                    {"repairable", p.repairable},
                    {"repaired", p.repaired}});
  }
  return {{"ok", remaining() == 0},
          {"documents", documents},
          {"updates", updates},
          {"problems", std::move(list)},
          {"remaining", remaining()}};
}

std::string CheckReport::to_text() const {
  std::ostringstream out;
  out << "checked " << documents << " document(s), " << updates << " logged update(s)\n";
  for (const auto& p : problems) {
    out << (p.repaired ? "repaired  " : p.repairable ? "problem   " : "problem!  ") << p.kind;
    if (p.document_id != 0) out << " document " << p.document_id;
    out << " (" << p.table << "): " << p.detail << "\n";
  }
  if (problems.empty()) {
    out << "ok: no problems found\n";
  } else {
    out << problems.size() << " problem(s) found, " << problems.size() - remaining()
        << " repaired, " << remaining() << " remaining";
    size_t fixable = 0;
    for (const auto& p : problems) fixable += !p.repaired && p.repairable ? 1 : 0;
    if (fixable) out << " (" << fixable << " repairable with --repair)";
    out << "\n";
  }
  return out.str();
}

// A project's file has both project_id and path, a standalone document neither (migration 5).
void check_file_paths(store::Store& store, CheckReport& report) {
  store.transact([&](store::Sql& sql) {
    for (const auto& row : sql.exec("SELECT id, project_id IS NULL FROM documents WHERE "
                                    "(project_id IS NULL) <> (path IS NULL) ORDER BY id",
                                    {})) {
      report.problems.push_back(
          problem("file_path_mismatch", "documents.path", row.int64(0),
                  row.boolean(1) ? "a path but no project" : "a project but no path"));
    }
  });
}

CheckReport check_store(store::Store& store, bool repair) {
  CheckReport report;
  std::vector<std::pair<int64_t, std::string>> documents;
  store.transact([&](store::Sql& sql) {
    for (const auto& row : sql.exec("SELECT id, content FROM documents ORDER BY id", {})) {
      documents.emplace_back(row.int64(0), row.text(1));
    }
  });
  for (const auto& [id, content] : documents) check_document(store, id, content, repair, report);
  check_file_paths(store, report);
  check_orphans(store, repair, report);
  return report;
}

}  // namespace weft::backup
