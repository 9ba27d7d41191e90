// api_core.hpp — what every resource of the HTTP API shares: the request being handled (Call:
// who is signed in, the document and the caller's access to it), the error every check throws
// (ApiError, turned into the error answer in one place by handle_api), and the JSON body readers.
// Each resource's routes and handlers live in a file of their own (api.cpp: accounts, documents,
// members, sessions; history/versions_api.cpp: versions); all of them run on the blocking pool.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/api.hpp"
#include "server/read_fences.hpp"
#include "store/accounts.hpp"

namespace weft {

using json = nlohmann::json;

struct ApiError {
  unsigned status;
  std::string code;
  std::string message;
  std::string field;  // the request field at fault, for validation and conflicts
  std::vector<std::pair<std::string, std::string>> headers;  // Retry-After, Allow
  json details = nullptr;  // when set, the error object's "details" (what stands in the way)
};

[[noreturn]] void fail(unsigned status, std::string code, std::string message,
                       std::string field = {});
[[noreturn]] void invalid(std::string field, std::string message);
[[noreturn]] void method_not_allowed(const std::string& allow);

ApiResponse json_response(unsigned status, const json& body);
ApiResponse no_content();
ApiResponse error_response(const ApiError& e);

// A JSON object body whose keys are all in `allowed` (400 naming an unknown one; 413 over
// `max_bytes`).
json parse_object(const std::string& body, std::initializer_list<std::string_view> allowed,
                  size_t max_bytes = kMaxJsonBodyBytes);
std::optional<std::string> opt_string(const json& j, const std::string& key);
std::string req_string(const json& j, const std::string& key);
std::optional<bool> opt_bool(const json& j, const std::string& key);
// A positive integer id from a path segment (400 naming `field` otherwise).
int64_t parse_id(std::string_view s, const std::string& field = "id");

// Characters (code points) in valid UTF-8, and whether there is a control character.
size_t char_count(std::string_view s);
bool has_control(std::string_view s);

// What other people see of a user.
json person_json(int64_t id, const std::string& username);
// The usernames of `ids` (repeats looked up once; ids of no user are left out).
std::map<int64_t, std::string> usernames(Services& s, const std::vector<int64_t>& ids);

// Usernames: 3–50 of [A-Za-z0-9_.-] (400 naming `field`).
void check_username(const std::string& v, const std::string& field = "username");
// A new password: 8–256 characters, no NUL (400 naming `field`).
void check_password(const std::string& v, const std::string& field = "password");
// Rate limiting of bcrypt-guarded routes, by key (429 with Retry-After when over).
void limit(Services& s, const std::string& key);
// A Monaco language id the server knows (400 otherwise).
void check_language(const std::string& v);
// The language of a file name's extension ("main.py" → python; plaintext when unknown).
std::string language_from_title(const std::string& title);
// A document as the API shows it; project_id and path are null for a standalone document.
json document_json(const store::DocumentInfo& d, store::Access access);
// The merged Yjs state of a new document holding `content` (nullopt for empty content).
std::optional<store::Bytes> initial_state(const std::string& content);

// Tells the document's room, here and on the other instances, that `user_id`'s access to it may
// have changed.
void refresh_access(Services& s, int64_t document_id, int64_t user_id);

// The request being handled.
struct Call {
  Services& s;
  ApiRequest req;
  Respond respond;
  std::vector<std::string> segments;  // path after /api/, split on '/', %-decoded
  std::optional<store::User> user;
  int64_t sign_in_id = 0;               // the caller's sign-in (the token's sid), with `user`
  std::optional<FencedReads> fenced{};  // reads(), once asked for

  // The caller (401 without a valid token).
  const store::User& signed_in();
  // The document and the caller's access to it, which must be at least `least` (404, 403).
  std::pair<store::DocumentInfo, store::Access> require_document(int64_t id, store::Access least);
  // The store for the read-only queries of a GET: a replica that has the caller's last write, or
  // the primary (read_fences.hpp). Who may see what is decided on the primary (signed_in,
  // require_document, require_project); what they see may come from here. Signs in first.
  store::Store& reads();

  void reply(ApiResponse r) { respond(std::move(r)); }
  void reply(unsigned status, const json& body) { respond(json_response(status, body)); }
};

// The user named `username` (400 for a malformed name, 404 for no such user).
store::User member_user(Call& c, const std::string& username);

}  // namespace weft
