// api_core.cpp — errors, JSON readers and the caller's identity and access, shared by every API
// resource, and the document helpers (languages, JSON shape, access refresh) that documents and
// project files share.
#include "server/api_core.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "crdt/doc.hpp"
#include "server/auth/password.hpp"
#include "server/cluster.hpp"
#include "server/room.hpp"
#include "server/room_registry.hpp"

namespace weft {

namespace {

// Monaco language ids a document may have.
constexpr std::array<std::string_view, 30> kLanguages = {
    "plaintext",   "c",    "cpp",   "csharp",     "css",  "dockerfile", "go",   "graphql",
    "html",        "ini",  "java",  "javascript", "json", "kotlin",     "lua",  "markdown",
    "objective-c", "perl", "php",   "python",     "r",    "ruby",       "rust", "scss",
    "shell",       "sql",  "swift", "typescript", "xml",  "yaml"};

// File extensions → language, for documents created without one.
constexpr std::array<std::pair<std::string_view, std::string_view>, 38> kExtensions = {{
    {"c", "c"},
    {"h", "c"},
    {"cc", "cpp"},
    {"cpp", "cpp"},
    {"cxx", "cpp"},
    {"hpp", "cpp"},
    {"hh", "cpp"},
    {"cs", "csharp"},
    {"css", "css"},
    {"go", "go"},
    {"graphql", "graphql"},
    {"html", "html"},
    {"htm", "html"},
    {"ini", "ini"},
    {"java", "java"},
    {"js", "javascript"},
    {"mjs", "javascript"},
    {"jsx", "javascript"},
    {"json", "json"},
    {"kt", "kotlin"},
    {"lua", "lua"},
    {"md", "markdown"},
    {"m", "objective-c"},
    {"pl", "perl"},
    {"php", "php"},
    {"py", "python"},
    {"r", "r"},
    {"rb", "ruby"},
    {"rs", "rust"},
    {"scss", "scss"},
    {"sh", "shell"},
    {"sql", "sql"},
    {"swift", "swift"},
    {"ts", "typescript"},
    {"tsx", "typescript"},
    {"xml", "xml"},
    {"yaml", "yaml"},
    {"yml", "yaml"},
}};

}  // namespace

[[noreturn]] void fail(unsigned status, std::string code, std::string message, std::string field) {
  throw ApiError{status, std::move(code), std::move(message), std::move(field), {}};
}
[[noreturn]] void invalid(std::string field, std::string message) {
  fail(400, "validation", std::move(message), std::move(field));
}
[[noreturn]] void method_not_allowed(const std::string& allow) {
  throw ApiError{405, "method_not_allowed", "allowed: " + allow, {}, {{"Allow", allow}}};
}

ApiResponse json_response(unsigned status, const json& body) {
  return {status, body.dump(), "application/json", {}};
}
ApiResponse no_content() { return {204, "", "", {}}; }

ApiResponse error_response(const ApiError& e) {
  if (e.details.is_null())
    return {e.status, error_body(e.code, e.message, e.field), "application/json", e.headers};
  json body = json::parse(error_body(e.code, e.message, e.field));
  body["error"]["details"] = e.details;
  return {e.status, body.dump(), "application/json", e.headers};
}

json parse_object(const std::string& body, std::initializer_list<std::string_view> allowed,
                  size_t max_bytes) {
  if (body.size() > max_bytes) {
    fail(413, "payload_too_large",
         max_bytes == kMaxJsonBodyBytes
             ? "JSON bodies are limited to 64 KiB"
             : "this JSON body is limited to " + std::to_string(max_bytes) + " bytes");
  }
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) fail(400, "bad_json", "the body is not valid JSON");
  if (!j.is_object()) fail(400, "bad_json", "the body must be a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      invalid(key, "unknown field '" + key + "'");
  }
  return j;
}

std::optional<std::string> opt_string(const json& j, const std::string& key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) invalid(key, key + " must be a string");
  return it->get<std::string>();
}
std::string req_string(const json& j, const std::string& key) {
  auto v = opt_string(j, key);
  if (!v) invalid(key, key + " is required");
  return *v;
}
std::optional<bool> opt_bool(const json& j, const std::string& key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) invalid(key, key + " must be true or false");
  return it->get<bool>();
}

int64_t parse_id(std::string_view s, const std::string& field) {
  int64_t id = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  if (ec != std::errc() || ptr != s.data() + s.size() || id <= 0 || s.size() > 15)
    invalid(field, field == "id" ? "document ids are positive integers"
                                 : field + " must be a positive integer");
  return id;
}

size_t char_count(std::string_view s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

json person_json(int64_t id, const std::string& username) {
  return {{"id", id}, {"username", username}};
}

std::map<int64_t, std::string> usernames(Services& s, const std::vector<int64_t>& ids) {
  std::map<int64_t, std::string> names;
  std::map<int64_t, bool> looked_up;
  for (const int64_t id : ids) {
    if (looked_up[id]) continue;
    looked_up[id] = true;
    if (const auto u = s.accounts.user(id)) names[id] = u->username;
  }
  return names;
}

void check_password(const std::string& v, const std::string& field) {
  const size_t n = char_count(v);
  if (n < 8 || n > 256 || v.size() > auth::kMaxPasswordBytes)
    invalid(field, "password must be 8 to 256 characters");
  if (v.find('\0') != std::string::npos) invalid(field, "password must not contain NUL");
}

void limit(Services& s, const std::string& key) {
  if (const auto wait = s.auth_limiter.attempt(key)) {
    throw ApiError{429,
                   "rate_limited",
                   "too many attempts; try again later",
                   {},
                   {{"Retry-After", std::to_string(wait->count())}}};
  }
}

void check_username(const std::string& v, const std::string& field) {
  if (v.size() < 3 || v.size() > 50) invalid(field, "username must be 3 to 50 characters");
  for (const char c : v) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-')
      invalid(field, "username may contain only letters, digits, '_', '.' and '-'");
  }
}

void check_language(const std::string& v) {
  if (std::find(kLanguages.begin(), kLanguages.end(), v) == kLanguages.end())
    invalid("language", "unknown language '" + v + "'");
}

std::string language_from_title(const std::string& title) {
  const size_t dot = title.rfind('.');
  if (dot == std::string::npos) return "plaintext";
  std::string ext = title.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& [e, lang] : kExtensions) {
    if (e == ext) return std::string(lang);
  }
  return "plaintext";
}

json document_json(const store::DocumentInfo& d, store::Access access) {
  return {{"id", d.id},
          {"title", d.title},
          {"language", d.language},
          {"is_public", d.is_public},
          {"owner", d.owner_id ? person_json(d.owner_id, d.owner_username) : json(nullptr)},
          {"role", store::access_name(access)},
          {"created_at", d.created_at},
          {"updated_at", d.updated_at},
          {"project_id", d.project_id ? json(d.project_id) : json(nullptr)},
          {"path", d.project_id ? json(d.path) : json(nullptr)}};
}

// Tells the document's room, here and on the other instances, that `user_id`'s access to it may
// have changed.
void refresh_access(Services& s, int64_t document_id, int64_t user_id) {
  const auto role =
      role_for(s.accounts.access(document_id, user_id).value_or(store::Access::kNone));
  if (const auto room = s.rooms.find(document_id)) room->set_access(user_id, role);
  s.cluster.publish(document_id, {{PartKind::kAccess, encode_access(user_id, role)}});
}

store::User member_user(Call& c, const std::string& username) {
  check_username(username);
  auto u = c.s.accounts.user_by_username(username);
  if (!u) fail(404, "not_found", "no user named '" + username + "'");
  return *u;
}

std::optional<store::Bytes> initial_state(const std::string& content) {
  if (content.empty()) return std::nullopt;
  crdt::Doc ydoc;
  const std::u16string text = crdt::utf8_to_utf16(content);
  ydoc.transact([&](crdt::Transaction& tr) { ydoc.insert_text(tr, "content", 0, text); });
  return ydoc.encode_state_as_update();
}

const store::User& Call::signed_in() {
  if (!user) {
    std::string_view auth = req.authorization;
    constexpr std::string_view kBearer = "Bearer ";
    if (auth.size() <= kBearer.size() || auth.substr(0, kBearer.size()) != kBearer)
      fail(401, "unauthorized", "sign in first (Authorization: Bearer <token>)");
    auto signed_in = authenticate(s, auth.substr(kBearer.size()));
    if (!signed_in) fail(401, "unauthorized", "the token is invalid, expired or revoked");
    user = std::move(signed_in->user);
    sign_in_id = signed_in->session_id;
  }
  return *user;
}

store::Store& Call::reads() {
  const int64_t id = signed_in().id;
  if (!fenced) fenced.emplace(s.store, s.read_fences.fence(id));
  return *fenced;
}

std::pair<store::DocumentInfo, store::Access> Call::require_document(int64_t id,
                                                                     store::Access least) {
  const store::User& u = signed_in();
  auto doc = s.accounts.document(id);
  if (!doc) fail(404, "not_found", "no such document");
  const store::Access access = s.accounts.access(id, u.id).value_or(store::Access::kNone);
  if (access == store::Access::kNone) fail(403, "forbidden", "you have no access to this document");
  if (access < least) {
    fail(403, "forbidden",
         least == store::Access::kOwner ? "only the owner may do this"
                                        : "viewers cannot change this document");
  }
  return {std::move(*doc), access};
}

}  // namespace weft
