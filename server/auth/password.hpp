// password.hpp — password hashing for accounts: bcrypt (libcrypt's "$2b$", cost 12).
//
// Hashes are self-describing strings ("$2b$12$" + 22 characters of salt + 31 of hash, 60 in
// all) that go into the users table as they are. Each call costs one bcrypt run, about 0.2–0.3 s
// of one core at cost 12 — callers on an I/O thread must move it off that thread.
//
// Limits: bcrypt reads only the first 72 bytes of a password, so two passwords that share their
// first 72 bytes verify against each other's hash. This layer refuses passwords over
// kMaxPasswordBytes (256) or containing NUL (crypt takes a C string: "abc\0xyz" would silently
// become "abc") with std::invalid_argument; the API validates earlier and answers 400.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace weft::auth {

inline constexpr std::size_t kMaxPasswordBytes = 256;
inline constexpr unsigned long kBcryptCost = 12;

// A fresh random salt each call, so two hashes of one password differ.
// Throws std::invalid_argument for a refused password, std::runtime_error if libcrypt or the
// random source fails.
std::string hash_password(std::string_view password);

// True if `password` matches `hash` (compared in constant time). A malformed hash, or one that is
// not "$2b$" with a sane cost, gives false. Throws std::invalid_argument for a refused password.
bool verify_password(std::string_view password, const std::string& hash);

// Runs one bcrypt verification against a fixed cost-12 hash and throws the result away.
//
// Why: a login for a username that does not exist would otherwise answer at once, while a wrong
// password for a real user takes a bcrypt run; the difference tells an attacker which usernames
// exist. The login handler calls this when the user lookup finds nobody, so both failures cost
// the same.
void equalize_login_timing();

namespace detail {
// The fixed hash equalize_login_timing() verifies against, and the password it was made from
// (neither is secret). Exposed so a test can check that it is a well-formed cost-12 hash: a
// malformed one would make crypt fail fast and defeat the purpose.
inline constexpr std::string_view kTimingPassword = "weft-timing-equalizer";
inline constexpr std::string_view kTimingHash =
    "$2b$12$m1LiGZKRMumYz1wIc3VZ2OkwprpGbhpHGK63Hh3Colxp.KhB3VCpi";
}  // namespace detail

}  // namespace weft::auth
