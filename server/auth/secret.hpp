// secret.hpp — the JWT signing secret kept in the data directory when none is configured.
//
// First start: 32 random bytes, hex-encoded (64 characters), written to <data_dir>/jwt-secret
// with mode 0600, atomically, so a crash never leaves a half-written secret behind. Later
// starts read the same file, so tokens survive restarts. The file is never world-readable: if
// someone loosened its mode, it is put back to 0600 (and a warning naming the file is logged,
// never its contents).
#pragma once

#include <string>

namespace weft::auth {

inline constexpr const char* kSecretFileName = "jwt-secret";
// A secret shorter than this (after trailing whitespace is dropped) is refused, not used.
inline constexpr std::size_t kMinSecretBytes = 32;

// Returns the secret. The data directory must exist. Throws std::system_error for I/O failures
// (including a symlink in place of the file) and std::runtime_error for a file that is not a
// regular file, is too large, or holds too short a secret.
std::string load_or_create_secret(const std::string& data_dir);

}  // namespace weft::auth
