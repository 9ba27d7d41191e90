// jwt.hpp — the bearer tokens of the HTTP API: HS256 JWTs signed with the server's secret.
//
// A token carries sub (the user id as a decimal string), name (the username), iat and exp (Unix
// seconds), and, for revocation (api.hpp's authenticate), sid (the id of its sign-in, a row of
// auth_sessions) and tv (the user's token version when it was issued); both are 0 when absent.
// verify_token accepts only tokens whose header names HS256 and whose signature checks under the
// given secret; everything else — alg "none", any other alg, a bad signature, an expired or
// malformed token, a missing or non-numeric sub — is nullopt, never an exception. The username in a
// token is what it was at issue time; the API should load the user by id.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weft::auth {

struct TokenClaims {
  int64_t user_id = 0;
  std::string username;
  std::chrono::system_clock::time_point expires_at;
  int64_t session_id = 0;     // sid
  int64_t token_version = 0;  // tv
};

// Tokens longer than this are refused unparsed (ours are ~200 bytes).
inline constexpr std::size_t kMaxTokenBytes = 4096;

// Signs a token valid from now for `ttl`. Throws std::invalid_argument for user_id <= 0, an empty
// secret or ttl <= 0, std::runtime_error if libjwt fails (e.g. a username that is not UTF-8).
std::string issue_token(int64_t user_id, std::string_view username, std::chrono::seconds ttl,
                        const std::string& secret, int64_t session_id = 0,
                        int64_t token_version = 0);

// The claims of a valid token, or nullopt. A token is expired from its exp second on.
std::optional<TokenClaims> verify_token(std::string_view token, const std::string& secret,
                                        std::chrono::system_clock::time_point now);

}  // namespace weft::auth
