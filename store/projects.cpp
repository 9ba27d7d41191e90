// projects.cpp — Projects over Store::transact: the same statements for SQLite and PostgreSQL.
//
// Tree changes follow one pattern (see projects.hpp): lock_project, read_tree, check against the
// ProjectTree snapshot, write, touch the project's updated_at — one transaction. Paths are sorted
// here, in C++, byte for byte: the databases' text order depends on their collation.
#include "store/projects.hpp"

#include <algorithm>
#include <set>
#include <string_view>

#include "store/migrations.hpp"

namespace store {

namespace {

constexpr std::string_view kProjectColumns =
    "p.id, p.name, p.is_public, p.owner_id, u.username, p.created_at, p.updated_at";
constexpr size_t kProjectColumnCount = 7;
constexpr std::string_view kProjectFrom = " FROM projects p LEFT JOIN users u ON u.id = p.owner_id";

ProjectInfo project_at(const SqlRow& row) {
  return {.id = row.int64(0),
          .name = row.text(1),
          .is_public = row.boolean(2),
          .owner_id = row.int64(3),
          .owner_username = row.text(4),
          .created_at = row.timestamp(5),
          .updated_at = row.timestamp(6)};
}

std::optional<ProjectInfo> one_project(Sql& sql, int64_t id) {
  const auto rows = sql.exec(std::string("SELECT ")
                                 .append(kProjectColumns)
                                 .append(kProjectFrom)
                                 .append(" WHERE p.id = $1"),
                             {id});
  if (rows.empty()) return std::nullopt;
  return project_at(rows[0]);
}

// The columns of FileInfo from documents `d`. The byte length of a text is spelled differently:
// SQLite's length() counts characters of TEXT and bytes of a BLOB; PostgreSQL has octet_length.
std::string file_columns(Dialect dialect) {
  return std::string("d.id, d.path, d.language, ") +
         (dialect == Dialect::kSqlite ? "length(CAST(d.content AS BLOB))"
                                      : "octet_length(d.content)") +
         ", d.updated_at";
}

FileInfo file_at(const SqlRow& row) {
  return {.id = row.int64(0),
          .path = row.text(1),
          .language = row.text(2),
          .size = row.int64(3),
          .updated_at = row.timestamp(4)};
}

std::optional<FileInfo> one_file(Sql& sql, int64_t document_id) {
  const auto rows = sql.exec(
      file_columns(sql.dialect()).insert(0, "SELECT ") + " FROM documents d WHERE d.id = $1",
      {document_id});
  if (rows.empty()) return std::nullopt;
  return file_at(rows[0]);
}

// Locks the project's row for the rest of the transaction, so that changes of one tree are
// serialized (SQLite's write transaction already excludes other writers). Returns the owner id
// (0 for none); nullopt when there is no such project.
std::optional<int64_t> lock_project(Sql& sql, int64_t project_id) {
  const char* statement = sql.dialect() == Dialect::kSqlite
                              ? "SELECT owner_id FROM projects WHERE id = $1"
                              : "SELECT owner_id FROM projects WHERE id = $1 FOR NO KEY UPDATE";
  const auto rows = sql.exec(statement, {project_id});
  if (rows.empty()) return std::nullopt;
  return rows[0].int64(0);
}

std::vector<std::string> stored_folders(Sql& sql, int64_t project_id) {
  std::vector<std::string> out;
  for (const auto& row :
       sql.exec("SELECT path FROM project_folders WHERE project_id = $1", {project_id})) {
    out.push_back(row.text(0));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The tree as it is now, leaving out file `except` (the one being moved) when set.
ProjectTree read_tree(Sql& sql, int64_t project_id, int64_t except = 0) {
  std::vector<TreeFile> files;
  for (const auto& row :
       sql.exec("SELECT id, path FROM documents WHERE project_id = $1", {project_id})) {
    if (row.int64(0) != except) files.push_back({.id = row.int64(0), .path = row.text(1)});
  }
  return ProjectTree(std::move(files), stored_folders(sql, project_id));
}

void touch(Sql& sql, int64_t project_id) {
  sql.exec(render(sql.dialect(), "UPDATE projects SET updated_at = {{NOW}} WHERE id = $1"),
           {project_id});
}

void check_path(const std::string& path) {
  if (auto why = path_error(path)) throw InvalidPath(path, *why);
}

SqlValue id_or_null(int64_t id) { return id != 0 ? SqlValue(id) : SqlValue(nullptr); }

}  // namespace

ProjectInfo Projects::create_project(int64_t owner_id, const std::string& name, bool is_public) {
  ProjectInfo created;
  store_.transact([&](Sql& sql) {
    const auto rows = sql.exec(
        "INSERT INTO projects (owner_id, name, is_public) VALUES ($1, $2, $3) RETURNING id",
        {id_or_null(owner_id), name, is_public});
    created = one_project(sql, rows.at(0).int64(0)).value();
  });
  return created;
}

std::optional<ProjectInfo> Projects::project(int64_t id) {
  std::optional<ProjectInfo> found;
  store_.transact([&](Sql& sql) { found = one_project(sql, id); });
  return found;
}

std::optional<Access> Projects::access(int64_t project_id, int64_t user_id) {
  std::optional<Access> found;
  store_.transact([&](Sql& sql) {
    const auto rows = sql.exec(
        "SELECT p.owner_id, p.is_public, m.role FROM projects p "
        "LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = $2 "
        "WHERE p.id = $1",
        {project_id, user_id});
    if (rows.empty()) return;
    const SqlRow& row = rows[0];
    found = access_rule(!row.is_null(0) && row.int64(0) == user_id, row.values[2], row.boolean(1));
  });
  return found;
}

std::vector<std::pair<ProjectInfo, Access>> Projects::projects_for(int64_t user_id,
                                                                   std::optional<int64_t> before,
                                                                   size_t limit) {
  std::vector<std::pair<ProjectInfo, Access>> out;
  std::string statement =
      std::string("SELECT ")
          .append(kProjectColumns)
          .append(", m.role")
          .append(kProjectFrom)
          .append(
              " LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = $1"
              " WHERE (p.owner_id = $1 OR m.user_id IS NOT NULL OR p.is_public)");
  std::vector<SqlValue> params = {user_id, static_cast<int64_t>(limit)};
  if (before) {
    statement.append(" AND p.id < $3");
    params.emplace_back(*before);
  }
  statement.append(" ORDER BY p.id DESC LIMIT $2");
  store_.transact([&](Sql& sql) {
    const auto rows = sql.exec(statement, params);
    out.reserve(rows.size());
    for (const auto& row : rows) {
      ProjectInfo p = project_at(row);
      const Access access = access_rule(p.owner_id == user_id && user_id != 0,
                                        row.values[kProjectColumnCount], p.is_public);
      out.emplace_back(std::move(p), access);
    }
  });
  return out;
}

bool Projects::update_project(int64_t id, const ProjectPatch& patch) {
  std::string set;
  std::vector<SqlValue> params = {id};
  auto assign = [&](std::string_view column, SqlValue value) {
    params.push_back(std::move(value));
    set.append(column).append(" = $").append(std::to_string(params.size())).append(", ");
  };
  if (patch.name) assign("name", *patch.name);
  if (patch.is_public) assign("is_public", *patch.is_public);
  bool updated = false;
  store_.transact([&](Sql& sql) {
    const std::string statement =
        "UPDATE projects SET " + set + "updated_at = {{NOW}} WHERE id = $1 RETURNING id";
    updated = !sql.exec(render(sql.dialect(), statement), params).empty();
  });
  return updated;
}

std::optional<std::vector<int64_t>> Projects::delete_project(int64_t id) {
  std::optional<std::vector<int64_t>> deleted;
  store_.transact([&](Sql& sql) {
    if (!lock_project(sql, id)) return;
    std::vector<int64_t> ids;
    for (const auto& row : sql.exec("SELECT id FROM documents WHERE project_id = $1", {id}))
      ids.push_back(row.int64(0));
    // The files (and with them their logs, versions, sessions), members and folders go with it
    // (ON DELETE CASCADE).
    sql.exec("DELETE FROM projects WHERE id = $1", {id});
    deleted = std::move(ids);
  });
  return deleted;
}

std::vector<MemberInfo> Projects::members(int64_t project_id) {
  std::vector<MemberInfo> out;
  store_.transact([&](Sql& sql) {
    const auto rows = sql.exec(
        "SELECT m.user_id, u.username, m.role FROM project_members m "
        "JOIN users u ON u.id = m.user_id JOIN projects p ON p.id = m.project_id "
        "WHERE m.project_id = $1 AND (p.owner_id IS NULL OR m.user_id <> p.owner_id) "
        "ORDER BY lower(u.username), u.id",
        {project_id});
    out.reserve(rows.size());
    for (const auto& row : rows) {
      out.push_back({.user_id = row.int64(0), .username = row.text(1), .role = row.text(2)});
    }
  });
  return out;
}

void Projects::set_member(int64_t project_id, int64_t user_id, const std::string& role) {
  if (role != "editor" && role != "viewer") {
    throw StoreError("projects: a member's role is editor or viewer, not \"" + role + "\"");
  }
  store_.transact([&](Sql& sql) {
    sql.exec(
        "INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, $3) "
        "ON CONFLICT (project_id, user_id) DO UPDATE SET role = excluded.role",
        {project_id, user_id, role});
  });
}

bool Projects::remove_member(int64_t project_id, int64_t user_id) {
  bool removed = false;
  store_.transact([&](Sql& sql) {
    removed = !sql.exec(
                      "DELETE FROM project_members WHERE project_id = $1 AND user_id = $2 "
                      "RETURNING user_id",
                      {project_id, user_id})
                   .empty();
  });
  return removed;
}

std::optional<Tree> Projects::tree(int64_t project_id) {
  std::optional<Tree> found;
  store_.transact([&](Sql& sql) {
    if (sql.exec("SELECT id FROM projects WHERE id = $1", {project_id}).empty()) return;
    Tree tree;
    for (const auto& row : sql.exec(file_columns(sql.dialect()).insert(0, "SELECT ") +
                                        " FROM documents d WHERE d.project_id = $1",
                                    {project_id})) {
      tree.files.push_back(file_at(row));
    }
    std::sort(tree.files.begin(), tree.files.end(),
              [](const FileInfo& a, const FileInfo& b) { return a.path < b.path; });
    tree.stored_folders = stored_folders(sql, project_id);
    // Every folder, as ProjectTree has them (each file's and stored folder's proper prefixes, and
    // the stored folders), without a set insertion per prefix of every file: in path order a
    // file's folders are mostly the previous file's.
    std::set<std::string> folders;
    const auto add_prefixes = [&](const std::string& path, std::string_view previous) {
      for (size_t slash = path.find('/'); slash != std::string::npos;
           slash = path.find('/', slash + 1)) {
        if (previous.size() > slash && previous[slash] == '/' &&
            previous.compare(0, slash, path, 0, slash) == 0)
          continue;  // the previous path had this folder too
        folders.insert(path.substr(0, slash));
      }
    };
    std::string_view previous;
    for (const auto& f : tree.files) {
      add_prefixes(f.path, previous);
      previous = f.path;
    }
    for (const auto& folder : tree.stored_folders) {
      add_prefixes(folder, {});
      folders.insert(folder);
    }
    tree.folders.assign(folders.begin(), folders.end());
    found = std::move(tree);
  });
  return found;
}

std::optional<Projects::Usage> Projects::usage(int64_t project_id) {
  std::optional<Usage> found;
  store_.transact([&](Sql& sql) {
    if (sql.exec("SELECT id FROM projects WHERE id = $1", {project_id}).empty()) return;
    const char* bytes = sql.dialect() == Dialect::kSqlite ? "length(CAST(content AS BLOB))"
                                                          : "octet_length(content)";
    const auto rows = sql.exec(std::string("SELECT COUNT(*), COALESCE(SUM(") + bytes +
                                   "), 0) FROM documents WHERE project_id = $1",
                               {project_id});
    found = Usage{.files = static_cast<size_t>(rows.at(0).int64(0)),
                  .bytes = static_cast<size_t>(rows.at(0).int64(1))};
  });
  return found;
}

std::vector<int64_t> Projects::file_ids(int64_t project_id) {
  std::vector<int64_t> out;
  store_.transact([&](Sql& sql) {
    for (const auto& row :
         sql.exec("SELECT id FROM documents WHERE project_id = $1 ORDER BY id", {project_id}))
      out.push_back(row.int64(0));
  });
  return out;
}

std::vector<FileText> Projects::file_texts(int64_t project_id) {
  std::vector<FileText> out;
  store_.transact([&](Sql& sql) {
    for (const auto& row :
         sql.exec("SELECT d.id, d.path, d.content, EXISTS (SELECT 1 FROM document_updates u "
                  "WHERE u.document_id = d.id) FROM documents d WHERE d.project_id = $1",
                  {project_id})) {
      out.push_back({.id = row.int64(0),
                     .path = row.text(1),
                     .content = row.text(2),
                     .logged = row.boolean(3)});
    }
  });
  std::sort(out.begin(), out.end(),
            [](const FileText& a, const FileText& b) { return a.path < b.path; });
  return out;
}

std::vector<FileSession> Projects::open_sessions(int64_t project_id) {
  std::vector<FileSession> out;
  store_.transact([&](Sql& sql) {
    for (const auto& row :
         sql.exec("SELECT DISTINCT s.document_id, s.user_id FROM sessions s "
                  "JOIN documents d ON d.id = s.document_id "
                  "WHERE d.project_id = $1 AND s.disconnected_at IS NULL AND s.user_id IS NOT NULL",
                  {project_id})) {
      out.push_back({.document_id = row.int64(0), .user_id = row.int64(1)});
    }
  });
  return out;
}

std::optional<FileInfo> Projects::create_file(int64_t project_id, const NewFile& file) {
  check_path(file.path);
  std::optional<FileInfo> created;
  store_.transact([&](Sql& sql) {
    const auto owner = lock_project(sql, project_id);
    if (!owner) return;
    const ProjectTree tree = read_tree(sql, project_id);
    if (auto taken = tree.conflict(file.path)) throw PathConflict(*taken);
    if (tree.file_count() >= max_files_) throw ProjectFull(max_files_);
    const auto rows = sql.exec(
        "INSERT INTO documents (owner_id, title, language, is_public, yjs_state, content, "
        "project_id, path) VALUES ($1, $2, $3, false, $4, $5, $6, $7) RETURNING id",
        {id_or_null(*owner), std::string(base_name(file.path)), file.language,
         file.yjs_state ? SqlValue(*file.yjs_state) : SqlValue(nullptr), file.content, project_id,
         file.path});
    touch(sql, project_id);
    created = one_file(sql, rows.at(0).int64(0));
  });
  return created;
}

std::optional<FileInfo> Projects::move_file(int64_t project_id, int64_t document_id,
                                            const std::string& path,
                                            const std::optional<std::string>& language) {
  check_path(path);
  std::optional<FileInfo> moved;
  store_.transact([&](Sql& sql) {
    if (!lock_project(sql, project_id)) return;
    const auto rows =
        sql.exec("SELECT path, language FROM documents WHERE id = $1 AND project_id = $2",
                 {document_id, project_id});
    if (rows.empty()) return;
    if (auto taken = read_tree(sql, project_id, document_id).conflict(path))
      throw PathConflict(*taken);
    sql.exec(render(sql.dialect(),
                    "UPDATE documents SET path = $2, title = $3, language = $4, "
                    "updated_at = {{NOW}} WHERE id = $1"),
             {document_id, path, std::string(base_name(path)), language.value_or(rows[0].text(1))});
    touch(sql, project_id);
    moved = one_file(sql, document_id);
  });
  return moved;
}

bool Projects::delete_file(int64_t project_id, int64_t document_id) {
  bool deleted = false;
  store_.transact([&](Sql& sql) {
    if (!lock_project(sql, project_id)) return;
    deleted = !sql.exec("DELETE FROM documents WHERE id = $1 AND project_id = $2 RETURNING id",
                        {document_id, project_id})
                   .empty();
    if (deleted) touch(sql, project_id);
  });
  return deleted;
}

std::optional<std::vector<TreeFile>> Projects::import_files(int64_t project_id,
                                                            const Import& import) {
  for (const auto& f : import.files) check_path(f.path);
  for (const auto& f : import.folders) check_path(f);
  std::optional<std::vector<TreeFile>> created;
  store_.transact([&](Sql& sql) {
    const auto owner = lock_project(sql, project_id);
    if (!owner) return;
    const ProjectTree tree = read_tree(sql, project_id);
    if (tree.file_count() + import.files.size() > max_files_) throw ProjectFull(max_files_);
    // The tree as it would be, grown path by path: each new path is checked against the project
    // and against the paths of the import before it.
    std::set<std::string> files;
    for (const auto& row :
         sql.exec("SELECT path FROM documents WHERE project_id = $1", {project_id}))
      files.insert(row.text(0));
    std::set<std::string> folders = tree.folders();
    const auto add = [&](const std::string& path, bool is_file) {
      for (size_t slash = path.find('/'); slash != std::string::npos;
           slash = path.find('/', slash + 1)) {
        std::string above = path.substr(0, slash);
        if (files.count(above)) throw PathConflict(above);
        folders.insert(std::move(above));
      }
      if (files.count(path) || (is_file && folders.count(path))) throw PathConflict(path);
      (is_file ? files : folders).insert(path);
    };
    for (const auto& f : import.files) add(f.path, true);
    std::vector<std::string> empty_folders;
    for (const auto& path : import.folders) {
      const bool existed = folders.count(path) > 0;
      add(path, false);
      if (!existed) empty_folders.push_back(path);
    }
    std::vector<TreeFile> out;
    out.reserve(import.files.size());
    for (const auto& f : import.files) {
      const auto rows = sql.exec(
          "INSERT INTO documents (owner_id, title, language, is_public, yjs_state, content, "
          "project_id, path) VALUES ($1, $2, $3, false, $4, $5, $6, $7) RETURNING id",
          {id_or_null(*owner), std::string(base_name(f.path)), f.language,
           f.yjs_state ? SqlValue(*f.yjs_state) : SqlValue(nullptr), f.content, project_id,
           f.path});
      out.push_back({.id = rows.at(0).int64(0), .path = f.path});
    }
    for (const auto& path : empty_folders)  // no file lies in them (files were added first)
      sql.exec("INSERT INTO project_folders (project_id, path) VALUES ($1, $2)",
               {project_id, path});
    touch(sql, project_id);
    created = std::move(out);
  });
  return created;
}

bool Projects::create_folder(int64_t project_id, const std::string& path) {
  check_path(path);
  bool created = false;
  store_.transact([&](Sql& sql) {
    if (!lock_project(sql, project_id)) return;
    if (auto taken = read_tree(sql, project_id).conflict(path)) throw PathConflict(*taken);
    sql.exec("INSERT INTO project_folders (project_id, path) VALUES ($1, $2)", {project_id, path});
    touch(sql, project_id);
    created = true;
  });
  return created;
}

std::optional<std::vector<TreeFile>> Projects::move_folder(int64_t project_id,
                                                           const std::string& from,
                                                           const std::string& to) {
  if (path_error(from)) return std::nullopt;  // no folder has that path
  check_path(to);
  std::optional<std::vector<TreeFile>> moved;
  store_.transact([&](Sql& sql) {
    if (!lock_project(sql, project_id)) return;
    const ProjectTree tree = read_tree(sql, project_id);
    if (!tree.is_folder(from)) return;
    if (to == from || is_under(to, from))
      throw InvalidPath(to, "a folder cannot be moved into itself");
    if (auto taken = tree.conflict(to)) throw PathConflict(*taken);
    // Every new path is checked before anything is written.
    std::vector<TreeFile> files = tree.files_under(from);
    for (auto& f : files) {
      f.path = moved_path(f.path, from, to);
      check_path(f.path);
    }
    std::vector<std::pair<std::string, std::string>> folders;  // (old, new)
    for (const auto& folder : stored_folders(sql, project_id)) {
      if (folder != from && !is_under(folder, from)) continue;
      folders.emplace_back(folder, moved_path(folder, from, to));
      check_path(folders.back().second);
    }
    for (const auto& f : files) {
      sql.exec(render(sql.dialect(),
                      "UPDATE documents SET path = $2, updated_at = {{NOW}} WHERE id = $1"),
               {f.id, f.path});
    }
    for (const auto& [old_path, new_path] : folders) {
      sql.exec("UPDATE project_folders SET path = $3 WHERE project_id = $1 AND path = $2",
               {project_id, old_path, new_path});
    }
    touch(sql, project_id);
    moved = std::move(files);
  });
  return moved;
}

std::optional<std::vector<int64_t>> Projects::delete_folder(int64_t project_id,
                                                            const std::string& path) {
  if (path_error(path)) return std::nullopt;
  std::optional<std::vector<int64_t>> deleted;
  store_.transact([&](Sql& sql) {
    if (!lock_project(sql, project_id)) return;
    const ProjectTree tree = read_tree(sql, project_id);
    if (!tree.is_folder(path)) return;
    std::vector<int64_t> ids;
    for (const auto& f : tree.files_under(path)) {
      sql.exec("DELETE FROM documents WHERE id = $1", {f.id});
      ids.push_back(f.id);
    }
    for (const auto& folder : stored_folders(sql, project_id)) {
      if (folder != path && !is_under(folder, path)) continue;
      sql.exec("DELETE FROM project_folders WHERE project_id = $1 AND path = $2",
               {project_id, folder});
    }
    touch(sql, project_id);
    deleted = std::move(ids);
  });
  return deleted;
}

}  // namespace store
