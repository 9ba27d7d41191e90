// secret.cpp — read or create <data_dir>/jwt-secret.
//
// Creation writes a uniquely named temporary file opened with O_CREAT|O_EXCL and mode 0600 (so
// the secret is never readable by others, not even for a moment), fsyncs it, then publishes it
// with link(2) and removes the temporary name. link, unlike rename, fails if jwt-secret already
// exists: when two processes start on an empty data directory at once, the loser reads the
// winner's secret instead of replacing a secret the winner may already be signing with. The
// directory is fsynced afterwards so the new name survives a crash.
#include "server/auth/secret.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace weft::auth {

namespace {

constexpr std::size_t kSecretRandomBytes = 32;
// A secret file bigger than this is not one of ours, nor a plausible hand-written one.
constexpr std::size_t kMaxSecretFileBytes = 4096;

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// Closes the descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  std::size_t filled = 0;
  while (filled < bytes) {
    const ssize_t n = getrandom(raw.data() + filled, bytes - filled, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("getrandom");
    }
    filled += static_cast<std::size_t>(n);
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes * 2);
  for (const char c : raw) {
    const auto b = static_cast<unsigned char>(c);
    hex.push_back(kDigits[b >> 4]);
    hex.push_back(kDigits[b & 0xf]);
  }
  return hex;
}

void write_all(int fd, const std::string& data, const std::string& path) {
  std::size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("write " + path);
    }
    written += static_cast<std::size_t>(n);
  }
}

void fsync_dir(const std::string& dir) {
  const Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) throw_errno("open " + dir);
  if (::fsync(fd.get()) != 0) throw_errno("fsync " + dir);
}

// Reads an existing secret file, tightening its mode first if group or others may access it.
std::string read_secret(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_errno("stat " + path);
  if (!S_ISREG(st.st_mode)) throw std::runtime_error(path + " is not a regular file");
  if ((st.st_mode & 077) != 0) {
    if (::fchmod(fd, 0600) != 0) throw_errno("chmod " + path);
    spdlog::warn("{} was accessible to group or others (mode {:o}); changed it to 0600", path,
                 st.st_mode & 07777);
  }
  if (static_cast<std::size_t>(st.st_size) > kMaxSecretFileBytes) {
    throw std::runtime_error(path + " is too large to be a secret");
  }

  std::string secret(kMaxSecretFileBytes + 1, '\0');
  std::size_t got = 0;
  while (got < secret.size()) {
    const ssize_t n = ::read(fd, secret.data() + got, secret.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("read " + path);
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > kMaxSecretFileBytes) throw std::runtime_error(path + " is too large to be a secret");
  secret.resize(got);
  // A hand-written file usually ends in a newline, which is not part of the secret.
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r' ||
                             secret.back() == ' ' || secret.back() == '\t')) {
    secret.pop_back();
  }
  if (secret.size() < kMinSecretBytes) {
    throw std::runtime_error(path + " holds fewer than 32 bytes; remove it to generate a new one");
  }
  return secret;
}

// Opens path for reading; -1 with errno ENOENT if it does not exist, throws for other errors.
int open_existing(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno != ENOENT) throw_errno("open " + path);
  return fd;
}

// Writes a new secret under a temporary name and links it to `path`. Returns false if `path`
// appeared meanwhile (another process won); the caller then reads that one.
bool try_create(const std::string& dir, const std::string& path, const std::string& secret) {
  const std::string tmp = path + ".tmp-" + random_hex(8);
  {
    const Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (fd.get() < 0) throw_errno("create " + tmp);
    try {
      write_all(fd.get(), secret + "\n", tmp);
      if (::fsync(fd.get()) != 0) throw_errno("fsync " + tmp);
    } catch (...) {
      ::unlink(tmp.c_str());
      throw;
    }
  }
  const int linked = ::link(tmp.c_str(), path.c_str());
  const int link_errno = errno;
  ::unlink(tmp.c_str());
  if (linked != 0) {
    if (link_errno == EEXIST) return false;
    errno = link_errno;
    throw_errno("link " + tmp + " to " + path);
  }
  fsync_dir(dir);
  return true;
}

}  // namespace

std::string load_or_create_secret(const std::string& data_dir) {
  const std::string path = data_dir + "/" + kSecretFileName;
  int fd = open_existing(path);
  if (fd < 0) {
    const std::string secret = random_hex(kSecretRandomBytes);
    if (try_create(data_dir, path, secret)) {
      spdlog::info("generated a new JWT signing secret in {}", path);
      return secret;
    }
    fd = open_existing(path);
    if (fd < 0) throw_errno("open " + path);
  }
  const Fd owned(fd);
  return read_secret(owned.get(), path);
}

}  // namespace weft::auth
