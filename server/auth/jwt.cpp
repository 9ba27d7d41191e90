// jwt.cpp — issue and verify HS256 tokens with libjwt 1.10.
//
// The one trap: libjwt's jwt_decode verifies the signature with whatever algorithm the token's
// own header names (an HS512 token signed with our secret decodes fine), and how it treats alg
// "none" has changed between releases (older ones skip verification even when a key is passed).
// So after decoding we check that the header's alg is HS256 ourselves; only then do we know the
// signature was checked with HMAC-SHA256 under our secret. (The Debian build carries
// the fix for CVE-2024-25189, so the HMAC comparison inside libjwt is constant time.)
#include "server/auth/jwt.hpp"

#include <jwt.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace weft::auth {

namespace {

// 1 Jan 3000; far beyond any ttl we issue, far below where nanoseconds since 1970 overflow.
constexpr long kMaxExp = 32503680000;

static_assert(sizeof(long) >= sizeof(int64_t), "libjwt's integer grants are long");

struct JwtFree {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;

struct CharFree {
  void operator()(char* p) const { std::free(p); }
};

const unsigned char* key_bytes(const std::string& secret) {
  return reinterpret_cast<const unsigned char*>(secret.data());
}

// header.payload.signature, each non-empty base64url. Cheap, and keeps NULs, whitespace and
// huge inputs away from libjwt.
bool has_jws_shape(std::string_view token) {
  if (token.empty() || token.size() > kMaxTokenBytes) return false;
  int dots = 0;
  char previous = '.';
  for (const char c : token) {
    if (c == '.') {
      if (previous == '.') return false;  // an empty segment
      ++dots;
    } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_')) {
      return false;
    }
    previous = c;
  }
  return dots == 2 && previous != '.';
}

std::optional<int64_t> parse_user_id(const char* sub) {
  if (sub == nullptr) return std::nullopt;
  const std::string_view text(sub);
  int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

}  // namespace

std::string issue_token(int64_t user_id, std::string_view username, std::chrono::seconds ttl,
                        const std::string& secret, int64_t session_id, int64_t token_version) {
  if (user_id <= 0) throw std::invalid_argument("issue_token: user id must be positive");
  if (secret.empty() || secret.size() > INT_MAX) {
    throw std::invalid_argument("issue_token: bad secret");
  }
  if (ttl <= std::chrono::seconds::zero()) throw std::invalid_argument("issue_token: ttl <= 0");

  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) throw std::runtime_error("jwt_new failed");
  const JwtPtr jwt(raw);

  const int64_t iat = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const std::string sub = std::to_string(user_id);
  const std::string name(username);
  if (jwt_add_grant(jwt.get(), "sub", sub.c_str()) != 0 ||
      jwt_add_grant(jwt.get(), "name", name.c_str()) != 0 ||
      jwt_add_grant_int(jwt.get(), "iat", static_cast<long>(iat)) != 0 ||
      jwt_add_grant_int(jwt.get(), "exp", static_cast<long>(iat + ttl.count())) != 0 ||
      jwt_add_grant_int(jwt.get(), "sid", static_cast<long>(session_id)) != 0 ||
      jwt_add_grant_int(jwt.get(), "tv", static_cast<long>(token_version)) != 0) {
    throw std::runtime_error("issue_token: could not add claims");
  }
  if (jwt_set_alg(jwt.get(), JWT_ALG_HS256, key_bytes(secret), static_cast<int>(secret.size())) !=
      0) {
    throw std::runtime_error("issue_token: jwt_set_alg failed");
  }
  const std::unique_ptr<char, CharFree> encoded(jwt_encode_str(jwt.get()));
  if (!encoded) throw std::runtime_error("issue_token: jwt_encode_str failed");
  return std::string(encoded.get());
}

std::optional<TokenClaims> verify_token(std::string_view token, const std::string& secret,
                                        std::chrono::system_clock::time_point now) {
  if (secret.empty() || secret.size() > INT_MAX || !has_jws_shape(token)) return std::nullopt;

  const std::string text(token);  // libjwt wants a NUL-terminated string
  jwt_t* raw = nullptr;
  if (jwt_decode(&raw, text.c_str(), key_bytes(secret), static_cast<int>(secret.size())) != 0) {
    jwt_free(raw);  // NULL-safe; libjwt 1.10 leaves it NULL on failure
    return std::nullopt;
  }
  const JwtPtr jwt(raw);
  // See the top of the file: a successful decode proves nothing unless the alg was HS256.
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) return std::nullopt;

  const std::optional<int64_t> user_id = parse_user_id(jwt_get_grant(jwt.get(), "sub"));
  if (!user_id) return std::nullopt;
  const char* name = jwt_get_grant(jwt.get(), "name");
  if (name == nullptr) return std::nullopt;

  errno = 0;
  const long exp = jwt_get_grant_int(jwt.get(), "exp");
  if (errno != 0) return std::nullopt;  // missing, or not an integer
  // Bounded so the conversion to the clock's nanoseconds cannot overflow.
  if (exp <= 0 || exp > kMaxExp) return std::nullopt;
  const auto expires_at = std::chrono::system_clock::time_point(std::chrono::seconds(exp));
  if (now >= expires_at) return std::nullopt;

  // sid and tv: 0 when absent (tokens from before sign-ins were recorded, which then fail the
  // session check of authenticate).
  errno = 0;
  long sid = jwt_get_grant_int(jwt.get(), "sid");
  if (errno != 0 || sid < 0) sid = 0;
  errno = 0;
  long tv = jwt_get_grant_int(jwt.get(), "tv");
  if (errno != 0 || tv < 0) tv = 0;

  return TokenClaims{*user_id, name, expires_at, sid, tv};
}

}  // namespace weft::auth
