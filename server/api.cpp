// api.cpp — routing, validation, permissions and the handlers of the HTTP API.
//
// Handlers are written straight-line: helpers that find something wrong throw ApiError, and
// handle_api turns it into the error response, so every check is one line and no path can forget
// to answer. Permissions in one place (require_document): owner > editor > viewer > none, as
// computed by store::Accounts::access.
#include "server/api.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/post.hpp>
#include <charconv>
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>

#include "crdt/doc.hpp"
#include "server/account_api.hpp"
#include "server/api_core.hpp"
#include "server/auth/jwt.hpp"
#include "server/auth/password.hpp"
#include "server/cluster.hpp"
#include "server/history/authorship_api.hpp"
#include "server/history/versions_api.hpp"
#include "server/projects/projects_api.hpp"
#include "server/room.hpp"
#include "server/room_registry.hpp"
#include "server/url.hpp"

namespace weft {

std::string error_body(std::string_view code, std::string_view message, std::string_view field) {
  json err = {{"code", code}, {"message", message}};
  if (!field.empty()) err["field"] = field;
  return json{{"error", err}}.dump();
}

namespace {

// ---- validation ----

void check_email(const std::string& v) {
  const size_t at = v.find('@');
  const bool shape = at != std::string::npos && at > 0 &&
                     v.find('@', at + 1) == std::string::npos &&
                     v.find('.', at + 2) != std::string::npos && v.back() != '.' &&
                     v.find("..", at) == std::string::npos;
  const bool clean = std::none_of(v.begin(), v.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' ||
           c == ';' || c == '"' || c == '\\';
  });
  if (v.size() > 100) invalid("email", "email must be at most 100 characters");
  if (!shape || !clean) invalid("email", "email must look like name@example.com");
}

void check_title(const std::string& v) {
  const size_t n = char_count(v);
  if (n < 1 || n > 255) invalid("title", "title must be 1 to 255 characters");
  if (has_control(v)) invalid("title", "title must not contain control characters");
  if (std::all_of(v.begin(), v.end(), [](char c) { return c == ' '; }))
    invalid("title", "title must not be blank");
}

// ---- JSON shapes ----

// ---- the request being handled ----

// A file of a project shares its project's members and public flag and is named by its path:
// the routes that would set them on the document answer 409 project_file.
[[noreturn]] void project_file(const store::DocumentInfo& doc, const std::string& why) {
  fail(409, "project_file",
       "document " + std::to_string(doc.id) + " is a file of project " +
           std::to_string(doc.project_id) + "; " + why);
}

// ---- handlers ----

void register_user(Call& c) {
  const json j = parse_object(c.req.body, {"username", "email", "password"});
  const std::string username = req_string(j, "username");
  std::optional<std::string> email = opt_string(j, "email");
  const std::string password = req_string(j, "password");
  check_username(username);
  if (email) check_email(*email);
  check_password(password);
  limit(c.s, "register-ip:" + c.req.client_ip);
  const std::string hash = auth::hash_password(password);
  try {
    const store::User u = c.s.accounts.create_user(username, email, hash);
    spdlog::info("registered user {} ({})", u.id, u.username);
    c.reply(201, sign_in_json(c, u));
  } catch (const store::Conflict& e) {
    fail(409, "conflict", e.field() + " is already taken", e.field());
  }
}

void login(Call& c) {
  const json j = parse_object(c.req.body, {"username", "email", "password"});
  auto login = opt_string(j, "username");
  if (!login) login = opt_string(j, "email");
  if (!login || login->empty()) invalid("username", "username or email is required");
  if (login->size() > 100) invalid("username", "no account has a name that long");
  const std::string password = req_string(j, "password");
  if (password.empty() || password.size() > auth::kMaxPasswordBytes ||
      password.find('\0') != std::string::npos)
    invalid("password", "password must be 1 to 256 characters");
  std::string key = *login;
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  limit(c.s, "login-ip:" + c.req.client_ip);
  limit(c.s, "login-user:" + key);
  const auto creds = c.s.accounts.find_login(*login);
  if (!creds) {
    auth::equalize_login_timing();
    fail(401, "invalid_credentials", "wrong username or password");
  }
  if (!auth::verify_password(password, creds->password_hash))
    fail(401, "invalid_credentials", "wrong username or password");
  c.reply(200, sign_in_json(c, creds->user));
}

// A page's cursor: the last document's updated_at (as the database spells it) in hex, a dot, its
// id. Opaque to clients; only what this server wrote parses.
std::string document_cursor(const store::DocumentCursor& at) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char ch : at.updated_at) {
    out.push_back(kHex[ch >> 4]);
    out.push_back(kHex[ch & 15]);
  }
  return out.append(".").append(std::to_string(at.id));
}

store::DocumentCursor parse_document_cursor(std::string_view text) {
  const auto bad = [] { invalid("cursor", "not a cursor this server gave out"); };
  const size_t dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot % 2 != 0 || dot > 128) bad();
  store::DocumentCursor at;
  const auto nibble = [&](char ch) -> int {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    bad();
    return 0;
  };
  for (size_t i = 0; i < dot; i += 2) {
    const char ch = static_cast<char>(nibble(text[i]) << 4 | nibble(text[i + 1]));
    // A timestamp as either database prints it: digits, separators, a zone.
    if (std::string_view("0123456789-:.+TZ ").find(ch) == std::string_view::npos) bad();
    at.updated_at.push_back(ch);
  }
  const std::string_view id = text.substr(dot + 1);
  const auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), at.id);
  if (ec != std::errc() || end != id.data() + id.size() || at.id <= 0) bad();
  return at;
}

// GET /api/documents. With any of limit, cursor, filter or q: one page, {documents, next_cursor}
// (filter = all | mine | shared | public, q = part of the title). Without: the whole list as an
// array, as in the first wave (DESIGN.md §4) — for old clients; the web app reads pages.
void list_documents(Call& c) {
  const auto limit_param = query_param(c.req.target, "limit");
  const auto cursor_param = query_param(c.req.target, "cursor");
  const auto filter_param = query_param(c.req.target, "filter");
  const auto q_param = query_param(c.req.target, "q");
  if (!limit_param && !cursor_param && !filter_param && !q_param) {
    json out = json::array();
    for (const auto& [doc, access] : store::Accounts(c.reads()).documents_for(c.signed_in().id))
      out.push_back(document_json(doc, access));
    return c.reply(200, out);
  }
  constexpr int64_t kDefaultLimit = 50;
  constexpr int64_t kMaxLimit = 200;
  store::DocumentQuery query;
  query.user_id = c.signed_in().id;
  query.limit = kDefaultLimit;
  if (limit_param && !limit_param->empty())
    query.limit = static_cast<size_t>(std::min(parse_id(*limit_param, "limit"), kMaxLimit));
  if (cursor_param && !cursor_param->empty()) query.after = parse_document_cursor(*cursor_param);
  using Filter = store::DocumentQuery::Filter;
  const std::string filter = filter_param.value_or("all");
  if (filter == "all" || filter.empty()) {
    query.filter = Filter::kAll;
  } else if (filter == "mine") {
    query.filter = Filter::kMine;
  } else if (filter == "shared") {
    query.filter = Filter::kShared;
  } else if (filter == "public") {
    query.filter = Filter::kPublic;
  } else {
    invalid("filter", "filter must be all, mine, shared or public");
  }
  query.title = q_param.value_or("");
  if (query.title.size() > 200) invalid("q", "a title search is at most 200 bytes");
  const store::DocumentPage page = store::Accounts(c.reads()).document_page(query);
  json items = json::array();
  for (const auto& [doc, access] : page.documents) items.push_back(document_json(doc, access));
  c.reply(200, {{"documents", std::move(items)},
                {"next_cursor", page.next ? json(document_cursor(*page.next)) : json(nullptr)}});
}

void create_document(Call& c) {
  const store::User& u = c.signed_in();
  const json j = parse_object(c.req.body, {"title", "language", "is_public", "content"});
  store::NewDocument doc;
  doc.owner_id = u.id;
  doc.title = req_string(j, "title");
  check_title(doc.title);
  doc.language = opt_string(j, "language").value_or(language_from_title(doc.title));
  check_language(doc.language);
  doc.is_public = opt_bool(j, "is_public").value_or(false);
  if (auto content = opt_string(j, "content"); content && !content->empty()) {
    doc.yjs_state = initial_state(*content);
    doc.content = std::move(*content);
  }
  const store::DocumentInfo created = c.s.accounts.create_document(doc);
  c.reply(201, document_json(created, store::Access::kOwner));
}

void get_document(Call& c, int64_t id) {
  const auto [doc, access] = c.require_document(id, store::Access::kViewer);
  c.reply(200, document_json(doc, access));
}

void patch_document(Call& c, int64_t id) {
  const json j = parse_object(c.req.body, {"title", "language", "is_public"});
  store::DocumentPatch patch;
  patch.title = opt_string(j, "title");
  patch.language = opt_string(j, "language");
  patch.is_public = opt_bool(j, "is_public");
  if (patch.title) check_title(*patch.title);
  if (patch.language) check_language(*patch.language);
  const auto [doc, access] =
      c.require_document(id, patch.is_public ? store::Access::kOwner : store::Access::kEditor);
  if (doc.project_id && (patch.title || patch.is_public)) {
    project_file(doc, patch.title
                          ? "its name is its path: rename it with PATCH /api/projects/" +
                                std::to_string(doc.project_id) + "/files/" + std::to_string(id)
                          : "it is public when its project is");
  }
  c.s.accounts.update_document(id, patch);
  if (doc.project_id && patch.language) tree_changed(c.s, doc.project_id);  // the tree shows it
  if (patch.is_public && *patch.is_public != doc.is_public) {
    // Who is connected may have gained or lost access.
    std::set<int64_t> users;
    for (const auto& session : c.s.accounts.open_sessions(id)) users.insert(session.user_id);
    for (const int64_t user : users) refresh_access(c.s, id, user);
  }
  auto updated = c.s.accounts.document(id);
  if (!updated) fail(404, "not_found", "no such document");
  c.reply(200, document_json(*updated, access));
}

void delete_document(Call& c, int64_t id) {
  const auto [doc, access] = c.require_document(id, store::Access::kOwner);
  c.s.accounts.delete_document(id);
  if (const auto room = c.s.rooms.find(id)) room->remove();
  c.s.cluster.publish(id, {{PartKind::kRemoved, {}}});
  if (doc.project_id) tree_changed(c.s, doc.project_id);
  spdlog::info("document {} deleted by user {}", id, c.user->id);
  c.reply(no_content());
}

void get_content(Call& c, int64_t id) {
  c.require_document(id, store::Access::kViewer);
  Services& s = c.s;
  const auto room = s.rooms.acquire(id);
  room->read_text([&s, room, respond = c.respond](std::optional<std::string> text) {
    s.rooms.release(room);
    if (!text) {
      respond(error_response({404, "not_found", "no such document", {}, {}}));
      return;
    }
    respond({200, std::move(*text), "text/plain; charset=utf-8", {}});
  });
}

void put_content(Call& c, int64_t id) {
  c.require_document(id, store::Access::kEditor);
  if (!crdt::is_valid_utf8(c.req.body)) invalid("content", "the text must be UTF-8");
  Services& s = c.s;
  if (const size_t limit = s.config.max_document_bytes; limit != 0 && c.req.body.size() > limit) {
    fail(413, "document_too_large",
         "the text is larger than this server's documents may be (" + std::to_string(limit) +
             " bytes)");
  }
  const auto room = s.rooms.acquire(id);
  room->replace_text(std::move(c.req.body), c.user->id, [&s, room, respond = c.respond](bool ok) {
    s.rooms.release(room);
    respond(ok ? no_content() : error_response({404, "not_found", "no such document", {}, {}}));
  });
}

void list_members(Call& c, int64_t id) {
  const auto [doc, access] = c.require_document(id, store::Access::kViewer);
  if (doc.project_id) {  // a file's people are its project's
    return list_project_members(c, doc.project_id);
  }
  json out = json::array();
  if (doc.owner_id) {
    out.push_back({{"user", person_json(doc.owner_id, doc.owner_username)}, {"role", "owner"}});
  }
  for (const auto& m : store::Accounts(c.reads()).members(id))
    out.push_back({{"user", person_json(m.user_id, m.username)}, {"role", m.role}});
  c.reply(200, out);
}

void put_member(Call& c, int64_t id, const std::string& username) {
  const json j = parse_object(c.req.body, {"role"});
  const std::string role = req_string(j, "role");
  if (role != "editor" && role != "viewer") invalid("role", "role must be editor or viewer");
  const auto [doc, access] = c.require_document(id, store::Access::kOwner);
  if (doc.project_id) project_file(doc, "share its project instead");
  const store::User u = member_user(c, username);
  if (u.id == doc.owner_id) invalid("username", "the owner already has every right");
  c.s.accounts.set_member(id, u.id, role);
  refresh_access(c.s, id, u.id);
  c.reply(200, {{"user", person_json(u.id, u.username)}, {"role", role}});
}

void delete_member(Call& c, int64_t id, const std::string& username) {
  const auto [doc, access] = c.require_document(id, store::Access::kOwner);
  if (doc.project_id) project_file(doc, "its members are its project's");
  const store::User u = member_user(c, username);
  if (!c.s.accounts.remove_member(id, u.id))
    fail(404, "not_found", "'" + u.username + "' is not a member");
  refresh_access(c.s, id, u.id);
  c.reply(no_content());
}

void list_sessions(Call& c, int64_t id) {
  c.require_document(id, store::Access::kViewer);
  json out = json::array();
  for (const auto& session : c.s.accounts.open_sessions(id)) {
    out.push_back({{"id", session.id},
                   {"user", person_json(session.user_id, session.username)},
                   {"connected_at", session.connected_at},
                   {"instance_id", session.instance_id}});
  }
  c.reply(200, out);
}

// ---- routing ----

void route(Call& c) {
  const auto& seg = c.segments;
  const std::string& m = c.req.method;
  const size_t n = seg.size();
  if (n == 2 && seg[0] == "auth" && (seg[1] == "register" || seg[1] == "login")) {
    if (m != "POST") method_not_allowed("POST");
    return seg[1] == "register" ? register_user(c) : login(c);
  }
  if ((n >= 1 && seg[0] == "me") ||
      (n == 2 && seg[0] == "auth" && (seg[1] == "logout" || seg[1] == "logout-all")))
    return route_account(c);
  if (n >= 1 && seg[0] == "projects") return route_projects(c);
  if (n >= 1 && seg[0] == "documents") {
    if (n == 1) {
      if (m == "GET") return list_documents(c);
      if (m == "POST") return create_document(c);
      method_not_allowed("GET, POST");
    }
    const int64_t id = parse_id(seg[1]);
    if (n == 2) {
      if (m == "GET") return get_document(c, id);
      if (m == "PATCH") return patch_document(c, id);
      if (m == "DELETE") return delete_document(c, id);
      method_not_allowed("GET, PATCH, DELETE");
    }
    if (n == 3 && seg[2] == "content") {
      if (m == "GET") return get_content(c, id);
      if (m == "PUT") return put_content(c, id);
      method_not_allowed("GET, PUT");
    }
    if (n == 3 && (seg[2] == "members" || seg[2] == "sessions")) {
      if (m != "GET") method_not_allowed("GET");
      return seg[2] == "members" ? list_members(c, id) : list_sessions(c, id);
    }
    if (n >= 3 && seg[2] == "versions") return route_versions(c, id);
    if (n >= 3 && (seg[2] == "blame" || seg[2] == "activity")) return route_authorship(c, id);
    if (n == 4 && seg[2] == "members") {
      if (m == "PUT") return put_member(c, id, seg[3]);
      if (m == "DELETE") return delete_member(c, id, seg[3]);
      method_not_allowed("PUT, DELETE");
    }
  }
  fail(404, "not_found", "no such route");
}

std::optional<std::vector<std::string>> split_path(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    const size_t slash = path.find('/');
    auto part = percent_decode(path.substr(0, slash), false);
    if (!part) return std::nullopt;
    if (!part->empty()) out.push_back(std::move(*part));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

std::optional<Role> role_for(store::Access access) {
  switch (access) {
    case store::Access::kOwner:
    case store::Access::kEditor:
      return Role::kEditor;
    case store::Access::kViewer:
      return Role::kViewer;
    case store::Access::kNone:
      break;
  }
  return std::nullopt;
}

std::optional<Authenticated> authenticate(Services& services, std::string_view token) {
  const auto claims =
      auth::verify_token(token, services.jwt_secret, std::chrono::system_clock::now());
  if (!claims || claims->session_id == 0) return std::nullopt;
  auto user =
      services.accounts.signed_in_user(claims->user_id, claims->session_id, claims->token_version);
  if (!user) return std::nullopt;
  return Authenticated{std::move(*user), claims->session_id};
}

namespace {

// The user a bearer token names, once its signature and expiry check out — without the database
// (whether its session still stands is Call::signed_in's question). What the rate limit and the
// read fences count by.
std::optional<int64_t> token_user(const Call& c) {
  constexpr std::string_view kBearer = "Bearer ";
  const std::string_view authorization = c.req.authorization;
  if (authorization.substr(0, kBearer.size()) != kBearer) return std::nullopt;
  const auto claims = auth::verify_token(authorization.substr(kBearer.size()), c.s.jwt_secret,
                                         std::chrono::system_clock::now());
  if (!claims) return std::nullopt;
  return claims->user_id;
}

// With replicas, a request that may write records its caller's fence (the primary's position after
// it) before its answer leaves, so that the caller's next read waits for a replica that has it
// (read_fences.hpp). The answer may come from a room's strand, so the record (one query on the
// primary) is made on the blocking pool. The caller is the token's user; a request without a
// valid one wrote nothing of a user's.
void fence_writes(Call& c, std::optional<int64_t> caller) {
  const std::string& m = c.req.method;
  if (m == "GET" || m == "HEAD" || c.s.config.database_replicas.empty() || !caller) return;
  c.respond = [&s = c.s, user_id = *caller, inner = std::move(c.respond)](ApiResponse r) {
    boost::asio::post(s.blocking, [&s, user_id, inner, r = std::move(r)]() mutable {
      try {
        s.read_fences.wrote(user_id, s.store.write_position());
      } catch (const std::exception& e) {
        spdlog::warn("cannot record the write position of user {}: {}", user_id, e.what());
      }
      inner(std::move(r));
    });
  };
}

// --api-rate-limit: a signed-in caller is counted by the token's user, whatever address it comes
// from; anyone else by address. A token that does not verify counts as none (the route then says
// 401). Logins and registrations are counted by auth_limiter too (limit()).
void limit_api(Call& c, std::optional<int64_t> caller) {
  const std::string key =
      caller ? "api-user:" + std::to_string(*caller) : "api-ip:" + c.req.client_ip;
  if (const auto wait = c.s.api_limiter.attempt(key)) {
    ++c.s.metrics.api_rate_limited;
    throw ApiError{429,
                   "rate_limited",
                   "too many requests; try again in " + std::to_string(wait->count()) + " s",
                   {},
                   {{"Retry-After", std::to_string(wait->count())}}};
  }
}

}  // namespace

void handle_api(Services& services, ApiRequest req, Respond respond) {
  Call c{services, std::move(req), std::move(respond), {}, {}, {}};
  const std::optional<int64_t> caller = token_user(c);
  try {
    limit_api(c, caller);
  } catch (const ApiError& e) {
    return c.respond(error_response(e));
  }
  fence_writes(c, caller);
  try {
    auto segments = split_path(path_of(c.req.target).substr(std::string_view("/api/").size()));
    if (!segments) fail(400, "bad_request", "malformed %-escape in the path");
    c.segments = std::move(*segments);
    route(c);
  } catch (const ApiError& e) {
    c.respond(error_response(e));
  } catch (const std::exception& e) {
    spdlog::error("{} {}: {}", c.req.method, path_of(c.req.target), e.what());
    c.respond(error_response({500, "internal", "internal error; see the server log", {}, {}}));
  }
}

}  // namespace weft
