// account_api.cpp — the routes of account_api.hpp: the caller's password, sign-ins and account.
//
// Every route here signs in first (Call::signed_in), so the caller's sign-in id is known. The
// store does each change in one transaction (store::Accounts); the sockets are closed after it
// commits, so a connection closed with 4401 that reconnects at once is refused.
#include "server/account_api.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "server/auth/jwt.hpp"
#include "server/auth/password.hpp"
#include "server/cluster.hpp"
#include "server/projects/projects_api.hpp"
#include "server/room.hpp"
#include "server/room_registry.hpp"

namespace weft {

namespace {

constexpr auto kTokenLifetime = std::chrono::hours(24 * 7);

json user_json(const store::User& u) {
  return {{"id", u.id},
          {"username", u.username},
          {"email", u.email ? json(*u.email) : json(nullptr)},
          {"created_at", u.created_at}};
}

json token_json(Services& s, const store::User& u, const store::SignIn& in) {
  return {{"token", auth::issue_token(u.id, u.username, kTokenLifetime, s.jwt_secret, in.session_id,
                                      in.token_version)},
          {"user", user_json(u)}};
}

// The caller's password must be `password` (403 wrong_password, not 401: the caller's token is
// fine, and a client that signs out on 401 must not). Rate limited like login, by user and
// address, before bcrypt runs.
void require_password(Call& c, const std::string& password, const std::string& field) {
  const store::User& u = c.signed_in();
  limit(c.s, "password-ip:" + c.req.client_ip);
  limit(c.s, "password-user:" + std::to_string(u.id));
  const auto creds = c.s.accounts.find_login(u.username);
  if (!creds || password.size() > auth::kMaxPasswordBytes ||
      !auth::verify_password(password, creds->password_hash)) {
    fail(403, "wrong_password", "the password is not this account's", field);
  }
}

void change_password(Call& c) {
  const store::User u = c.signed_in();
  const json j = parse_object(c.req.body, {"old_password", "new_password"});
  const std::string old_password = req_string(j, "old_password");
  const std::string new_password = req_string(j, "new_password");
  check_password(new_password, "new_password");
  require_password(c, old_password, "old_password");
  const int64_t version =
      c.s.accounts.change_password(u.id, auth::hash_password(new_password), c.sign_in_id);
  c.s.cluster.sign_out({.user_id = u.id, .only = 0, .except = c.sign_in_id});
  spdlog::info("user {} changed their password; other sign-ins revoked", u.id);
  c.reply(200, token_json(c.s, u, {.session_id = c.sign_in_id, .token_version = version}));
}

// Signing out of this device: the caller's own sign-in goes, as if revoked from the session list,
// so the token stops working on the server and not only in the browser that forgets it.
void logout(Call& c) {
  const store::User& u = c.signed_in();  // sets c.sign_in_id
  c.s.accounts.revoke_sign_in(u.id, c.sign_in_id);
  c.s.cluster.sign_out({.user_id = u.id, .only = c.sign_in_id, .except = 0});
  c.reply(no_content());
}

void logout_all(Call& c) {
  const store::User& u = c.signed_in();
  c.s.accounts.revoke_tokens(u.id, 0);
  c.s.cluster.sign_out({.user_id = u.id, .only = 0, .except = 0});
  spdlog::info("user {} signed out everywhere", u.id);
  c.reply(no_content());
}

void list_sign_ins(Call& c) {
  const store::User& u = c.signed_in();  // sets c.sign_in_id
  json out = json::array();
  for (const auto& s : c.s.accounts.sign_ins(u.id)) {
    out.push_back({{"id", s.id},
                   {"created_at", s.created_at},
                   {"last_seen_at", s.last_seen_at},
                   {"user_agent", s.user_agent},
                   {"ip", s.ip},
                   {"current", s.id == c.sign_in_id}});
  }
  c.reply(200, out);
}

void revoke_sign_in(Call& c, int64_t id) {
  const store::User& u = c.signed_in();
  if (!c.s.accounts.revoke_sign_in(u.id, id)) fail(404, "not_found", "no such session");
  c.s.cluster.sign_out({.user_id = u.id, .only = id, .except = 0});
  c.reply(no_content());
}

void delete_account(Call& c) {
  const store::User u = c.signed_in();
  const json j = parse_object(c.req.body, {"password"});
  require_password(c, req_string(j, "password"), "password");
  const store::AccountDeletion done = c.s.accounts.delete_user(u.id);
  if (!done.found) fail(401, "unauthorized", "the token is invalid, expired or revoked");
  if (!done.deleted) {
    ApiError e{409,
               "owns_shared",
               "this account owns documents or projects that other people are members of: "
               "remove their members or delete them first",
               {},
               {}};
    e.details = {{"documents", json::array()}, {"projects", json::array()}};
    for (const auto& [id, title] : done.shared_documents)
      e.details["documents"].push_back({{"id", id}, {"title", title}});
    for (const auto& [id, name] : done.shared_projects)
      e.details["projects"].push_back({{"id", id}, {"name", name}});
    throw e;
  }
  files_removed(c.s, done.removed_documents);
  for (const int64_t project : done.removed_projects)
    files_removed(c.s, {Room::project_key(project)});
  c.s.cluster.sign_out({.user_id = u.id, .only = 0, .except = 0});
  spdlog::info("user {} deleted their account with {} documents and {} projects", u.id,
               done.removed_documents.size(), done.removed_projects.size());
  c.reply(no_content());
}

}  // namespace

json sign_in_json(Call& c, const store::User& u) {
  return token_json(c.s, u, c.s.accounts.create_sign_in(u.id, c.req.user_agent, c.req.client_ip));
}

void route_account(Call& c) {
  const auto& seg = c.segments;
  const std::string& m = c.req.method;
  const size_t n = seg.size();
  if (seg[0] == "auth") {  // /api/auth/logout, /api/auth/logout-all
    if (m != "POST") method_not_allowed("POST");
    return seg[1] == "logout" ? logout(c) : logout_all(c);
  }
  if (n == 1) {
    if (m == "GET") return c.reply(200, user_json(c.signed_in()));
    if (m == "DELETE") return delete_account(c);
    method_not_allowed("GET, DELETE");
  }
  if (n == 2 && seg[1] == "password") {
    if (m != "POST") method_not_allowed("POST");
    return change_password(c);
  }
  if (n == 2 && seg[1] == "sessions") {
    if (m != "GET") method_not_allowed("GET");
    return list_sign_ins(c);
  }
  if (n == 3 && seg[1] == "sessions") {
    const int64_t id = parse_id(seg[2], "session");
    if (m != "DELETE") method_not_allowed("DELETE");
    return revoke_sign_in(c, id);
  }
  fail(404, "not_found", "no such route");
}

}  // namespace weft
