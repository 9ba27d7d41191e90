// api.hpp — the JSON HTTP API of DESIGN.md §4: accounts, documents, sharing, content, sessions.
//
// HttpSession hands every /api/ request (except CORS preflights) to handle_api on the blocking
// pool, since most routes touch the database and login/registration run bcrypt (~0.25 s). A
// handler answers by calling `respond` exactly once, from whichever thread it finishes on (the
// content routes finish on a room's strand); HttpSession posts the answer back to its own strand.
//
// Errors are {"error":{"code","message"[, "field"]}}: 400 validation (with the field) and
// bad_json, 401 unauthorized / invalid_credentials, 403 forbidden, 404 not_found, 405
// method_not_allowed, 409 conflict (with the field), 413 payload_too_large, 429 rate_limited (with
// Retry-After), 500 internal (details only in the log). Unknown fields in a JSON body are refused
// (400 naming the field), so a typo never silently does nothing.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/connection.hpp"
#include "server/services.hpp"
#include "store/accounts.hpp"

namespace weft {

struct ApiRequest {
  std::string method;  // "GET", "POST", …
  std::string target;  // path and query
  std::string body;
  std::string authorization;  // the Authorization header, if any
  std::string client_ip;
  std::string user_agent;  // the User-Agent header (recorded with a sign-in), at most 256 bytes
};

struct ApiResponse {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

using Respond = std::function<void(ApiResponse)>;

// Largest JSON request body; PUT content takes up to --max-body-bytes.
inline constexpr size_t kMaxJsonBodyBytes = 64 * 1024;

void handle_api(Services& services, ApiRequest req, Respond respond);

// The body of an error answer: {"error":{"code","message"[,"field"]}} (also for the errors
// HttpSession answers itself: oversized bodies, refused CORS preflights).
std::string error_body(std::string_view code, std::string_view message,
                       std::string_view field = {});

// Who a bearer token signs in: its user and its sign-in (the sid claim).
struct Authenticated {
  store::User user;
  int64_t session_id = 0;
};

// The user a bearer token belongs to, or nullopt: a bad, expired or alg-none token, a deleted
// user, a revoked sign-in (DELETE /api/me/sessions/{id}) or an older token version (a password
// change, POST /api/auth/logout-all). Blocking (one database read, and a write at most once a
// minute per sign-in for its last_seen_at).
std::optional<Authenticated> authenticate(Services& services, std::string_view token);

// A WebSocket role for a document access level; nullopt for none.
std::optional<Role> role_for(store::Access access);

}  // namespace weft
