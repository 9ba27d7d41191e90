// fake_password.cpp — server/auth/password.hpp for fuzz_http, without bcrypt.
//
// bcrypt at cost 12 takes ~0.25 s a hash (more under ASan), so every registration, login,
// password change and account deletion the fuzzer makes would cost that: a few executions a
// second. Linked ahead of weft_auth, these definitions take the place of password.cpp's (the
// archive member is then never pulled in). They keep its contract — the same refusals with
// std::invalid_argument, a hash that verifies only its own password, equalize_login_timing doing
// nothing observable — so the API behaves as with the real one. bcrypt itself is not a decoder a
// peer reaches: auth_tests covers it.
#include <stdexcept>
#include <string>
#include <string_view>

#include "server/auth/password.hpp"

namespace weft::auth {

namespace {

void check(std::string_view password) {
  if (password.size() > kMaxPasswordBytes)
    throw std::invalid_argument("password longer than 256 bytes");
  if (password.find('\0') != std::string_view::npos)
    throw std::invalid_argument("password contains NUL");
}

constexpr std::string_view kPrefix = "fuzz$";

}  // namespace

std::string hash_password(std::string_view password) {
  check(password);
  return std::string(kPrefix) + std::string(password);
}

bool verify_password(std::string_view password, const std::string& hash) {
  check(password);
  return hash.size() == kPrefix.size() + password.size() && hash.rfind(kPrefix, 0) == 0 &&
         std::string_view(hash).substr(kPrefix.size()) == password;
}

void equalize_login_timing() {}

}  // namespace weft::auth
