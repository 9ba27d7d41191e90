// account_api.hpp — the caller's own account (DESIGN.md §7, accounts): who they are, their
// password, their sign-ins, signing out everywhere and deleting the account.
//
//   GET    /api/me                     the caller
//   POST   /api/me/password            {old_password, new_password} → {token, user}; every other
//                                      sign-in revoked, the caller's own gets a fresh token
//   GET    /api/me/sessions            the caller's sign-ins, the current one marked
//   DELETE /api/me/sessions/{id}       revokes one sign-in (its token 401, its sockets 4401)
//   POST   /api/auth/logout            this sign-in revoked: the caller's token 401, the
//                                      sockets opened with it 4401 (the web app's Sign out)
//   POST   /api/auth/logout-all        every token of the caller revoked, sockets closed 4401
//   DELETE /api/me                     {password}; 409 owns_shared while the caller owns a document
//                                      or project that has other members (listed in details),
//                                      else the account goes with what it owns
//
// Revocation: a token carries its sign-in (sid, a row of auth_sessions) and the user's token
// version (tv); authenticate() accepts it only while both are current. Sockets opened with a
// revoked token are closed with 4401 here and, over the bus, on every instance
// (Cluster::sign_out). The password routes run bcrypt and share the login rate limiter.
#pragma once

#include "server/api_core.hpp"

namespace weft {

// Records a sign-in for `u` (the request's user agent and address) and answers {token, user}'s
// JSON: what register and login return.
json sign_in_json(Call& c, const store::User& u);

// /api/me…, /api/auth/logout and /api/auth/logout-all.
void route_account(Call& c);

}  // namespace weft
