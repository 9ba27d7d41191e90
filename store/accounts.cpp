// accounts.cpp — Accounts over Store::transact: the same statements for SQLite and PostgreSQL.
//
// Each method is one transact() call. Statements use `$N` parameters and {{NOW}} (rendered for the
// connection's dialect); a bool goes in as a bool parameter and comes back as "1"/"t", which
// SqlRow::boolean reads either way. Owner and user ids of 0 stand for NULL (no owner, no user).
//
// Uniqueness. create_user looks for a username or email already taken (case-insensitively, with the
// same lower() expressions as the unique indexes of migration 2, so both are index lookups) and
// throws Conflict naming that field. Two registrations racing past the check still meet the unique
// index; the adapter then throws Conflict itself. lower() is the database's: SQLite folds ASCII
// only, PostgreSQL follows its locale, so non-ASCII case variants are one name on PostgreSQL only.
#include "store/accounts.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <initializer_list>
#include <string_view>

#include "store/migrations.hpp"

namespace store {

namespace {

// Columns of a users row, in User's order; read by user_at().
constexpr std::string_view kUserColumns = "u.id, u.username, u.email, u.created_at";

User user_at(const SqlRow& row, size_t first) {
  User user;
  user.id = row.int64(first);
  user.username = row.text(first + 1);
  if (!row.is_null(first + 2)) user.email = row.text(first + 2);
  user.created_at = row.timestamp(first + 3);
  return user;
}

// Columns of a documents row joined with its owner (`u`), in DocumentInfo's order.
constexpr std::string_view kDocumentColumns =
    "d.id, d.title, d.language, d.is_public, d.owner_id, u.username, d.created_at, d.updated_at, "
    "d.project_id, d.path";
constexpr size_t kDocumentColumnCount = 10;
constexpr std::string_view kDocumentFrom =
    " FROM documents d LEFT JOIN users u ON u.id = d.owner_id";

DocumentInfo document_at(const SqlRow& row) {
  DocumentInfo doc;
  doc.id = row.int64(0);
  doc.title = row.text(1);
  doc.language = row.text(2);
  doc.is_public = row.boolean(3);
  doc.owner_id = row.int64(4);  // NULL reads as 0
  doc.owner_username = row.text(5);
  doc.created_at = row.timestamp(6);
  doc.updated_at = row.timestamp(7);
  doc.project_id = row.int64(8);  // NULL reads as 0
  doc.path = row.text(9);
  return doc;
}

SqlValue id_or_null(int64_t id) { return id != 0 ? SqlValue(id) : SqlValue(nullptr); }

// Statement text from constant pieces (never from values).
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) out.append(part);
  return out;
}

std::optional<User> one_user(Sql& sql, std::string_view where, const SqlValue& value) {
  const auto rows =
      sql.exec(cat({"SELECT ", kUserColumns, " FROM users u WHERE ", where}), {value});
  if (rows.empty()) return std::nullopt;
  return user_at(rows[0], 0);
}

std::optional<DocumentInfo> one_document(Sql& sql, int64_t id) {
  const auto rows =
      sql.exec(cat({"SELECT ", kDocumentColumns, kDocumentFrom, " WHERE d.id = $1"}), {id});
  if (rows.empty()) return std::nullopt;
  return document_at(rows[0]);
}

// A sign-in's last_seen_at is written when the stored value is older than this: a request per
// minute and sign-in writes, the others only read.
constexpr auto kLastSeenResolution = std::chrono::seconds(60);

// `t` as SqlRow::timestamp spells it ("2026-11-25T17:30:35.000Z"), so the two compare as text.
std::string iso_utc(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  return buf;
}

int64_t bump_token_version(Sql& sql, int64_t user_id, int64_t keep) {
  const auto rows = sql.exec(
      "UPDATE users SET token_version = token_version + 1 WHERE id = $1 RETURNING token_version",
      {user_id});
  if (rows.empty()) return 0;
  sql.exec("DELETE FROM auth_sessions WHERE user_id = $1 AND id <> $2", {user_id, keep});
  return rows[0].int64(0);
}

}  // namespace

Access access_rule(bool is_owner, const std::optional<std::string>& member_role, bool is_public) {
  if (is_owner) return Access::kOwner;
  if (member_role == "editor") return Access::kEditor;
  if (member_role == "viewer") return Access::kViewer;
  return is_public ? Access::kEditor : Access::kNone;
}

const char* access_name(Access a) {
  switch (a) {
    case Access::kOwner:
      return "owner";
    case Access::kEditor:
      return "editor";
    case Access::kViewer:
      return "viewer";
    case Access::kNone:
      break;
  }
  return "none";
}

User Accounts::create_user(const std::string& username, const std::optional<std::string>& email,
                           const std::string& password_hash) {
  User created;
  store_.transact([&](Sql& sql) {
    if (!sql.exec("SELECT 1 FROM users WHERE lower(username) = lower($1)", {username}).empty()) {
      throw Conflict("username");
    }
    if (email &&
        !sql.exec("SELECT 1 FROM users WHERE lower(email) = lower($1)", {*email}).empty()) {
      throw Conflict("email");
    }
    const auto rows = sql.exec(
        "INSERT INTO users (username, email, password_hash) VALUES ($1, lower($2), $3) "
        "RETURNING id, username, email, created_at",
        {username, email ? SqlValue(*email) : SqlValue(nullptr), password_hash});
    created = user_at(rows.at(0), 0);
  });
  return created;
}

std::optional<UserCredentials> Accounts::find_login(const std::string& login) {
  const bool by_email = login.find('@') != std::string::npos;
  std::optional<UserCredentials> found;
  store_.transact([&](Sql& sql) {
    const auto rows = sql.exec(cat({"SELECT ", kUserColumns, ", u.password_hash FROM users u ",
                                    by_email ? "WHERE lower(u.email) = lower($1)"
                                             : "WHERE lower(u.username) = lower($1)"}),
                               {login});
    if (rows.empty()) return;
    found = UserCredentials{.user = user_at(rows[0], 0), .password_hash = rows[0].text(4)};
  });
  return found;
}

std::optional<User> Accounts::user(int64_t id) {
  std::optional<User> found;
  store_.transact([&](Sql& sql) { found = one_user(sql, "u.id = $1", id); });
  return found;
}

std::optional<User> Accounts::user_by_username(const std::string& username) {
  std::optional<User> found;
  store_.transact(
      [&](Sql& sql) { found = one_user(sql, "lower(u.username) = lower($1)", username); });
  return found;
}

SignIn Accounts::create_sign_in(int64_t user_id, const std::string& user_agent,
                                const std::string& ip) {
  SignIn made;
  store_.transact([&](Sql& sql) {
    made.session_id = sql.exec(
                             "INSERT INTO auth_sessions (user_id, user_agent, ip) "
                             "VALUES ($1, $2, $3) RETURNING id",
                             {user_id, user_agent, ip})
                          .at(0)
                          .int64(0);
    made.token_version =
        sql.exec("SELECT token_version FROM users WHERE id = $1", {user_id}).at(0).int64(0);
  });
  return made;
}

std::optional<User> Accounts::signed_in_user(int64_t user_id, int64_t session_id,
                                             int64_t token_version) {
  std::optional<User> found;
  const std::string stale = iso_utc(std::chrono::system_clock::now() - kLastSeenResolution);
  store_.transact([&](Sql& sql) {
    const auto rows =
        sql.exec(cat({"SELECT ", kUserColumns,
                      ", s.last_seen_at FROM users u JOIN auth_sessions s ON s.user_id = u.id "
                      "WHERE u.id = $1 AND s.id = $2 AND u.token_version = $3"}),
                 {user_id, session_id, token_version});
    if (rows.empty()) return;
    if (rows[0].timestamp(4) < stale) {
      sql.exec(
          render(sql.dialect(), "UPDATE auth_sessions SET last_seen_at = {{NOW}} WHERE id = $1"),
          {session_id});
    }
    found = user_at(rows[0], 0);
  });
  return found;
}

std::vector<AuthSession> Accounts::sign_ins(int64_t user_id) {
  std::vector<AuthSession> out;
  store_.transact([&](Sql& sql) {
    const auto rows = sql.exec(
        "SELECT id, created_at, last_seen_at, user_agent, ip FROM auth_sessions "
        "WHERE user_id = $1 ORDER BY last_seen_at DESC, id DESC",
        {user_id});
    out.reserve(rows.size());
    for (const auto& row : rows) {
      out.push_back({.id = row.int64(0),
                     .created_at = row.timestamp(1),
                     .last_seen_at = row.timestamp(2),
                     .user_agent = row.text(3),
                     .ip = row.text(4)});
    }
  });
  return out;
}

bool Accounts::revoke_sign_in(int64_t user_id, int64_t session_id) {
  bool revoked = false;
  store_.transact([&](Sql& sql) {
    revoked = !sql.exec("DELETE FROM auth_sessions WHERE id = $1 AND user_id = $2 RETURNING id",
                        {session_id, user_id})
                   .empty();
  });
  return revoked;
}

int64_t Accounts::revoke_tokens(int64_t user_id, int64_t keep) {
  int64_t version = 0;
  store_.transact([&](Sql& sql) { version = bump_token_version(sql, user_id, keep); });
  return version;
}

int64_t Accounts::change_password(int64_t user_id, const std::string& password_hash, int64_t keep) {
  int64_t version = 0;
  store_.transact([&](Sql& sql) {
    sql.exec("UPDATE users SET password_hash = $2 WHERE id = $1", {user_id, password_hash});
    version = bump_token_version(sql, user_id, keep);
  });
  return version;
}

AccountDeletion Accounts::delete_user(int64_t user_id) {
  AccountDeletion out;
  store_.transact([&](Sql& sql) {
    out = {};
    if (sql.exec("SELECT 1 FROM users WHERE id = $1", {user_id}).empty()) {
      out.found = false;
      return;
    }
    for (const auto& row : sql.exec(
             "SELECT d.id, d.title FROM documents d WHERE d.owner_id = $1 AND d.project_id IS NULL "
             "AND EXISTS (SELECT 1 FROM document_members m "
             "WHERE m.document_id = d.id AND m.user_id <> $1) ORDER BY d.id",
             {user_id})) {
      out.shared_documents.emplace_back(row.int64(0), row.text(1));
    }
    for (const auto& row : sql.exec("SELECT p.id, p.name FROM projects p WHERE p.owner_id = $1 "
                                    "AND EXISTS (SELECT 1 FROM project_members m "
                                    "WHERE m.project_id = p.id AND m.user_id <> $1) ORDER BY p.id",
                                    {user_id})) {
      out.shared_projects.emplace_back(row.int64(0), row.text(1));
    }
    if (!out.shared_documents.empty() || !out.shared_projects.empty()) return;
    for (const auto& row : sql.exec("SELECT id FROM documents WHERE owner_id = $1 OR project_id IN "
                                    "(SELECT id FROM projects WHERE owner_id = $1) ORDER BY id",
                                    {user_id})) {
      out.removed_documents.push_back(row.int64(0));
    }
    for (const auto& row :
         sql.exec("SELECT id FROM projects WHERE owner_id = $1 ORDER BY id", {user_id})) {
      out.removed_projects.push_back(row.int64(0));
    }
    // Files of its projects go with the projects, its documents with it; sign-ins and memberships
    // too (ON DELETE CASCADE).
    sql.exec("DELETE FROM projects WHERE owner_id = $1", {user_id});
    sql.exec("DELETE FROM documents WHERE owner_id = $1", {user_id});
    sql.exec("DELETE FROM users WHERE id = $1", {user_id});
    out.deleted = true;
  });
  return out;
}

DocumentInfo Accounts::create_document(const NewDocument& doc) {
  DocumentInfo created;
  store_.transact([&](Sql& sql) {
    const auto rows = sql.exec(
        "INSERT INTO documents (owner_id, title, language, is_public, yjs_state, content) "
        "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        {id_or_null(doc.owner_id), doc.title, doc.language, doc.is_public,
         doc.yjs_state ? SqlValue(*doc.yjs_state) : SqlValue(nullptr), doc.content});
    created = one_document(sql, rows.at(0).int64(0)).value();
  });
  return created;
}

std::optional<DocumentInfo> Accounts::document(int64_t id) {
  std::optional<DocumentInfo> found;
  store_.transact([&](Sql& sql) { found = one_document(sql, id); });
  return found;
}

std::optional<Access> Accounts::access(int64_t document_id, int64_t user_id) {
  std::optional<Access> found;
  store_.transact([&](Sql& sql) {
    // A file of a project takes the project's owner, public flag and member role instead.
    const auto rows = sql.exec(
        "SELECT coalesce(p.owner_id, d.owner_id), coalesce(p.is_public, d.is_public), "
        "CASE WHEN d.project_id IS NULL THEN m.role ELSE pm.role END FROM documents d "
        "LEFT JOIN projects p ON p.id = d.project_id "
        "LEFT JOIN document_members m ON m.document_id = d.id AND m.user_id = $2 "
        "LEFT JOIN project_members pm ON pm.project_id = d.project_id AND pm.user_id = $2 "
        "WHERE d.id = $1",
        {document_id, user_id});
    if (rows.empty()) return;
    const SqlRow& row = rows[0];
    const bool owner = !row.is_null(0) && row.int64(0) == user_id;
    found = access_rule(owner, row.values[2], row.boolean(1));
  });
  return found;
}

std::vector<std::pair<DocumentInfo, Access>> Accounts::documents_for(int64_t user_id) {
  std::vector<std::pair<DocumentInfo, Access>> out;
  store_.transact([&](Sql& sql) {
    const auto rows =
        sql.exec(cat({"SELECT ", kDocumentColumns, ", m.role", kDocumentFrom,
                      " LEFT JOIN document_members m ON m.document_id = d.id AND m.user_id = $1"
                      " WHERE d.project_id IS NULL"
                      " AND (d.owner_id = $1 OR m.user_id IS NOT NULL OR d.is_public)"
                      " ORDER BY d.updated_at DESC, d.id DESC"}),
                 {user_id});
    out.reserve(rows.size());
    for (const auto& row : rows) {
      DocumentInfo doc = document_at(row);
      const Access access = access_rule(doc.owner_id == user_id && user_id != 0,
                                        row.values[kDocumentColumnCount], doc.is_public);
      out.emplace_back(std::move(doc), access);
    }
  });
  return out;
}

DocumentPage Accounts::document_page(const DocumentQuery& query) {
  // Parameters are numbered as they are added: PostgreSQL refuses a statement that leaves one
  // unused (it cannot infer its type).
  std::vector<SqlValue> params = {query.user_id, static_cast<int64_t>(query.limit + 1)};
  std::string rest = " AND d.project_id IS NULL";
  if (query.after) {
    params.emplace_back(query.after->updated_at);
    params.emplace_back(query.after->id);
    rest.append(" AND (d.updated_at, d.id) < ($3, $4)");
  }
  if (!query.title.empty()) {
    std::string pattern = "%";
    for (const char ch : query.title) {
      if (ch == '%' || ch == '_' || ch == '\\') pattern.push_back('\\');
      pattern.push_back(ch);
    }
    pattern.push_back('%');
    params.emplace_back(std::move(pattern));
    rest.append(" AND lower(d.title) LIKE lower(CAST($")
        .append(std::to_string(params.size()))
        .append(" AS TEXT)) ESCAPE '\\'");
  }
  rest.append(" ORDER BY d.updated_at DESC, d.id DESC LIMIT $2");
  // Each source is one index range read backwards from the cursor, stopping at the limit.
  std::vector<std::string> sources;
  using Filter = DocumentQuery::Filter;
  if (query.filter == Filter::kAll || query.filter == Filter::kMine)
    sources.push_back("SELECT d.id FROM documents d WHERE d.owner_id = $1" + rest);
  if (query.filter == Filter::kAll || query.filter == Filter::kShared)
    sources.push_back(
        "SELECT d.id FROM document_members m JOIN documents d ON d.id = m.document_id"
        " WHERE m.user_id = $1 AND NOT d.is_public" +
        rest);
  if (query.filter == Filter::kAll || query.filter == Filter::kPublic)
    sources.push_back(
        "SELECT d.id FROM documents d WHERE d.is_public"
        " AND (d.owner_id IS NULL OR d.owner_id <> $1)" +
        rest);
  std::string statement = cat({"SELECT ", kDocumentColumns, ", m.role", kDocumentFrom,
                               " LEFT JOIN document_members m ON m.document_id = d.id AND "
                               "m.user_id = $1 WHERE d.id IN ("});
  for (size_t i = 0; i < sources.size(); ++i) {
    if (i > 0) statement.append(" UNION ");
    statement.append("SELECT id FROM (").append(sources[i]).append(") s").append(std::to_string(i));
  }
  statement.append(") ORDER BY d.updated_at DESC, d.id DESC LIMIT $2");

  DocumentPage page;
  store_.transact([&](Sql& sql) {
    const auto rows = sql.exec(statement, params);
    page.documents.reserve(std::min(rows.size(), query.limit));
    for (const auto& row : rows) {
      if (page.documents.size() == query.limit) {  // the extra row: a next page exists
        page.next =
            DocumentCursor{*rows[query.limit - 1].values[7], page.documents.back().first.id};
        break;
      }
      DocumentInfo doc = document_at(row);
      const Access access = access_rule(doc.owner_id == query.user_id && query.user_id != 0,
                                        row.values[kDocumentColumnCount], doc.is_public);
      page.documents.emplace_back(std::move(doc), access);
    }
  });
  return page;
}

// The SET list holds only the fields the patch sets, so there are a few statement texts (one per
// combination), each with its own parameters; values are still parameters.
bool Accounts::update_document(int64_t id, const DocumentPatch& patch) {
  std::string set;
  std::vector<SqlValue> params = {id};
  auto assign = [&](std::string_view column, SqlValue value) {
    params.push_back(std::move(value));
    set.append(column).append(" = $").append(std::to_string(params.size())).append(", ");
  };
  if (patch.title) assign("title", *patch.title);
  if (patch.language) assign("language", *patch.language);
  if (patch.is_public) assign("is_public", *patch.is_public);
  bool updated = false;
  store_.transact([&](Sql& sql) {
    const std::string statement =
        "UPDATE documents SET " + set + "updated_at = {{NOW}} WHERE id = $1 RETURNING id";
    updated = !sql.exec(render(sql.dialect(), statement), params).empty();
  });
  return updated;
}

bool Accounts::delete_document(int64_t id) {
  bool deleted = false;
  store_.transact([&](Sql& sql) {
    // The log, members and sessions go with it (ON DELETE CASCADE).
    deleted = !sql.exec("DELETE FROM documents WHERE id = $1 RETURNING id", {id}).empty();
  });
  return deleted;
}

std::vector<MemberInfo> Accounts::members(int64_t document_id) {
  std::vector<MemberInfo> out;
  store_.transact([&](Sql& sql) {
    const auto rows = sql.exec(
        "SELECT m.user_id, u.username, m.role FROM document_members m "
        "JOIN users u ON u.id = m.user_id JOIN documents d ON d.id = m.document_id "
        "WHERE m.document_id = $1 AND (d.owner_id IS NULL OR m.user_id <> d.owner_id) "
        "ORDER BY lower(u.username), u.id",
        {document_id});
    out.reserve(rows.size());
    for (const auto& row : rows) {
      out.push_back({.user_id = row.int64(0), .username = row.text(1), .role = row.text(2)});
    }
  });
  return out;
}

void Accounts::set_member(int64_t document_id, int64_t user_id, const std::string& role) {
  if (role != "editor" && role != "viewer") {
    throw StoreError("accounts: a member's role is editor or viewer, not \"" + role + "\"");
  }
  store_.transact([&](Sql& sql) {
    sql.exec(
        "INSERT INTO document_members (document_id, user_id, role) VALUES ($1, $2, $3) "
        "ON CONFLICT (document_id, user_id) DO UPDATE SET role = excluded.role",
        {document_id, user_id, role});
  });
}

bool Accounts::remove_member(int64_t document_id, int64_t user_id) {
  bool removed = false;
  store_.transact([&](Sql& sql) {
    removed = !sql.exec(
                      "DELETE FROM document_members WHERE document_id = $1 AND user_id = $2 "
                      "RETURNING user_id",
                      {document_id, user_id})
                   .empty();
  });
  return removed;
}

int64_t Accounts::open_session(int64_t document_id, int64_t user_id,
                               const std::string& instance_id) {
  int64_t id = 0;
  store_.transact([&](Sql& sql) {
    id = sql.exec(
                "INSERT INTO sessions (document_id, user_id, instance_id) VALUES ($1, $2, $3) "
                "RETURNING id",
                {document_id, id_or_null(user_id), instance_id})
             .at(0)
             .int64(0);
  });
  return id;
}

void Accounts::close_session(int64_t session_id) {
  store_.transact([&](Sql& sql) {
    sql.exec(render(sql.dialect(),
                    "UPDATE sessions SET disconnected_at = {{NOW}} "
                    "WHERE id = $1 AND disconnected_at IS NULL"),
             {session_id});
  });
}

size_t Accounts::close_instance_sessions(const std::string& instance_id) {
  size_t closed = 0;
  store_.transact([&](Sql& sql) {
    closed = sql.exec(render(sql.dialect(),
                             "UPDATE sessions SET disconnected_at = {{NOW}} "
                             "WHERE instance_id = $1 AND disconnected_at IS NULL RETURNING id"),
                      {instance_id})
                 .size();
  });
  return closed;
}

std::vector<SessionInfo> Accounts::open_sessions(int64_t document_id) {
  std::vector<SessionInfo> out;
  store_.transact([&](Sql& sql) {
    const auto rows = sql.exec(
        "SELECT s.id, s.user_id, u.username, s.connected_at, s.instance_id FROM sessions s "
        "LEFT JOIN users u ON u.id = s.user_id "
        "WHERE s.document_id = $1 AND s.disconnected_at IS NULL "
        "ORDER BY s.connected_at, s.id",
        {document_id});
    out.reserve(rows.size());
    for (const auto& row : rows) {
      out.push_back({.id = row.int64(0),
                     .user_id = row.int64(1),
                     .username = row.text(2),
                     .connected_at = row.timestamp(3),
                     .instance_id = row.text(4)});
    }
  });
  return out;
}

}  // namespace store
