// password.cpp — bcrypt via libcrypt's reentrant crypt_gensalt_rn / crypt_rn.
//
// No static buffers: every call gets its own struct crypt_data (32 KiB, so on the heap), which
// makes the functions safe to call from several threads at once. Salt bytes come from
// getrandom(2). verify_password re-hashes the candidate with the stored hash as setting and
// compares the two outputs with CRYPTO_memcmp, so the comparison time does not depend on where
// they differ.
#include "server/auth/password.hpp"

#include <crypt.h>
#include <openssl/crypto.h>
#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <system_error>

namespace weft::auth {

namespace {

// bcrypt salts are 16 bytes.
constexpr std::size_t kSaltBytes = 16;
// "$2b$NN$" + 22 salt characters + 31 hash characters.
constexpr std::size_t kBcryptHashLength = 60;
// Costs outside this range are refused before hashing: a corrupted row saying "$2b$31$" would
// otherwise occupy a thread for days.
constexpr unsigned kMinCost = 4;
constexpr unsigned kMaxCost = 16;

void check_password(std::string_view password) {
  if (password.size() > kMaxPasswordBytes) {
    throw std::invalid_argument("password longer than 256 bytes");
  }
  if (password.find('\0') != std::string_view::npos) {
    throw std::invalid_argument("password contains a NUL byte");
  }
}

void fill_random(unsigned char* out, std::size_t size) {
  while (size > 0) {
    const ssize_t n = getrandom(out, size, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "getrandom");
    }
    out += n;
    size -= static_cast<std::size_t>(n);
  }
}

// A well-formed "$2b$NN$..." hash of the expected length with a cost we are willing to pay.
bool is_acceptable_hash(const std::string& hash) {
  if (hash.size() != kBcryptHashLength || hash.compare(0, 4, "$2b$") != 0 || hash[6] != '$') {
    return false;
  }
  if (hash[4] < '0' || hash[4] > '9' || hash[5] < '0' || hash[5] > '9') return false;
  const unsigned cost = static_cast<unsigned>((hash[4] - '0') * 10 + (hash[5] - '0'));
  return cost >= kMinCost && cost <= kMaxCost;
}

// crypt_rn with `setting` (a salt or a full hash); empty string if libcrypt refuses it.
std::string run_crypt(std::string_view password, const char* setting) {
  const std::string phrase(password);  // NUL-terminated; NUL inside was refused earlier
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* out = crypt_rn(phrase.c_str(), setting, data.get(), sizeof(crypt_data));
  std::string result = out != nullptr ? std::string(out) : std::string();
  // The scratch area held the password; do not leave it in freed heap memory.
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  return result;
}

}  // namespace

std::string hash_password(std::string_view password) {
  check_password(password);
  std::array<unsigned char, kSaltBytes> random{};
  fill_random(random.data(), random.size());
  std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> setting{};
  if (crypt_gensalt_rn("$2b$", kBcryptCost, reinterpret_cast<const char*>(random.data()),
                       static_cast<int>(random.size()), setting.data(),
                       static_cast<int>(setting.size())) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "crypt_gensalt_rn");
  }
  std::string hash = run_crypt(password, setting.data());
  if (hash.size() != kBcryptHashLength) throw std::runtime_error("crypt_rn failed");
  return hash;
}

bool verify_password(std::string_view password, const std::string& hash) {
  check_password(password);
  if (!is_acceptable_hash(hash)) return false;
  const std::string candidate = run_crypt(password, hash.c_str());
  // The length is not secret (always 60 for a good hash); the contents are compared in
  // constant time.
  return candidate.size() == hash.size() &&
         CRYPTO_memcmp(candidate.data(), hash.data(), hash.size()) == 0;
}

void equalize_login_timing() {
  const std::string hash(detail::kTimingHash);
  // The answer is known (true) and irrelevant; only the time spent matters.
  static_cast<void>(verify_password(detail::kTimingPassword, hash));
}

}  // namespace weft::auth
