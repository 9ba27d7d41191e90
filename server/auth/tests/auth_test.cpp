// auth_test.cpp — bcrypt hashing, HS256 tokens and the generated secret file.
//
// Each bcrypt call costs ~0.25 s at cost 12, so the password tests hash as little as they can.
// Hostile tokens are built by hand (base64url + OpenSSL HMAC) so that the refusals are about the
// header or claims, not about a broken signature — HandBuiltHs256TokenIsAccepted proves the
// builder itself produces tokens verify_token accepts.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>

#include "server/auth/jwt.hpp"
#include "server/auth/password.hpp"
#include "server/auth/secret.hpp"

namespace weft::auth {
namespace {

using std::chrono::seconds;
using Clock = std::chrono::system_clock;

// ---- passwords ----

TEST(Password, HashIsBcryptCost12AndVerifies) {
  const std::string hash = hash_password("correct horse battery staple");
  EXPECT_EQ(hash.rfind("$2b$12$", 0), 0u) << hash;
  EXPECT_EQ(hash.size(), 60u);
  EXPECT_TRUE(verify_password("correct horse battery staple", hash));
  EXPECT_FALSE(verify_password("correct horse battery stapler", hash));
}

TEST(Password, TwoHashesOfOnePasswordDiffer) {
  EXPECT_NE(hash_password("same password"), hash_password("same password"));
}

TEST(Password, OnlyTheFirst72BytesCountAnd256AreAccepted) {
  const std::string longest(kMaxPasswordBytes, 'a');
  const std::string hash = hash_password(longest);
  std::string differs_after_72 = longest;
  differs_after_72[72] = 'b';
  EXPECT_TRUE(verify_password(differs_after_72, hash));  // bcrypt's documented limit
}

TEST(Password, RefusesOverlongPasswordsAndNul) {
  const std::string too_long(kMaxPasswordBytes + 1, 'a');
  const std::string with_nul("abc\0def", 7);
  const std::string some_hash(detail::kTimingHash);
  EXPECT_THROW(hash_password(too_long), std::invalid_argument);
  EXPECT_THROW(hash_password(with_nul), std::invalid_argument);
  EXPECT_THROW(verify_password(too_long, some_hash), std::invalid_argument);
  EXPECT_THROW(verify_password(with_nul, some_hash), std::invalid_argument);
}

TEST(Password, MalformedHashesAreFalseNotCrashes) {
  const std::string valid_tail(53, 'a');  // salt + hash characters from bcrypt's alphabet
  for (const std::string& bad : {
           std::string(), std::string("not a hash"), std::string("$2b$12$short"),
           std::string("$1$salt$md5cryptishhash"),
           std::string("$2a$04$") + valid_tail,  // other bcrypt variant: refused by prefix
           std::string("$2b$31$") + valid_tail,  // would run for days: refused by cost cap
           std::string("$2b$xx$") + valid_tail,  // cost not a number
           std::string("$2b$04$") + std::string(53, '!'),  // characters outside the alphabet
           std::string("$2b$04$") + valid_tail,            // well-formed, cheap, simply wrong
           std::string("$2b$04$") + valid_tail + "x",      // one character too long
       }) {
    EXPECT_FALSE(verify_password("password", bad)) << bad;
  }
}

TEST(Password, TimingEqualizerHashIsAWellFormedCost12Hash) {
  // If the fixed hash were malformed, crypt would fail at once and unknown usernames would
  // again answer faster than wrong passwords.
  const std::string hash(detail::kTimingHash);
  EXPECT_EQ(hash.rfind("$2b$12$", 0), 0u);
  EXPECT_TRUE(verify_password(detail::kTimingPassword, hash));
  EXPECT_NO_THROW(equalize_login_timing());
}

// ---- tokens ----

const std::string kSecret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

std::string base64url(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::string hmac(const EVP_MD* md, const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  return std::string(reinterpret_cast<const char*>(mac), len);
}

// header.payload.HMAC(md, secret) for arbitrary JSON.
std::string signed_token(const std::string& header_json, const std::string& payload_json,
                         const EVP_MD* md = EVP_sha256(), const std::string& secret = kSecret) {
  const std::string signing_input = base64url(header_json) + "." + base64url(payload_json);
  return signing_input + "." + base64url(hmac(md, secret, signing_input));
}

long unix_now() {
  return static_cast<long>(
      std::chrono::duration_cast<seconds>(Clock::now().time_since_epoch()).count());
}

std::string payload(const std::string& sub_json = "\"42\"") {
  const long now = unix_now();
  return "{\"sub\":" + sub_json + ",\"name\":\"ada\",\"iat\":" + std::to_string(now) +
         ",\"exp\":" + std::to_string(now + 3600) + "}";
}

const std::string kHs256Header = R"({"alg":"HS256","typ":"JWT"})";

// Splits a token into its three segments.
struct Parts {
  std::string header, payload, signature;
};
Parts split(const std::string& token) {
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  return {token.substr(0, first), token.substr(first + 1, second - first - 1),
          token.substr(second + 1)};
}

TEST(Token, RoundTrip) {
  const std::string token = issue_token(42, "ada", seconds(3600), kSecret);
  const auto claims = verify_token(token, kSecret, Clock::now());
  ASSERT_TRUE(claims.has_value());
  EXPECT_EQ(claims->user_id, 42);
  EXPECT_EQ(claims->username, "ada");
  const auto left = claims->expires_at - Clock::now();
  EXPECT_GT(left, seconds(3590));
  EXPECT_LE(left, seconds(3600));
}

TEST(Token, SessionAndTokenVersionRoundTrip) {
  const auto claims =
      verify_token(issue_token(42, "ada", seconds(60), kSecret, 17, 3), kSecret, Clock::now());
  ASSERT_TRUE(claims.has_value());
  EXPECT_EQ(claims->session_id, 17);
  EXPECT_EQ(claims->token_version, 3);
  const auto bare =
      verify_token(issue_token(42, "ada", seconds(60), kSecret), kSecret, Clock::now());
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->session_id, 0);
  EXPECT_EQ(bare->token_version, 0);
}

TEST(Token, LargeUserIdAndUnicodeNameRoundTrip) {
  const std::string name = "Zo\xc3\xab \xe6\x9d\x8e";
  const auto claims =
      verify_token(issue_token(INT64_MAX, name, seconds(60), kSecret), kSecret, Clock::now());
  ASSERT_TRUE(claims.has_value());
  EXPECT_EQ(claims->user_id, INT64_MAX);
  EXPECT_EQ(claims->username, name);
}

TEST(Token, IssueRefusesBadArguments) {
  EXPECT_THROW(issue_token(0, "ada", seconds(60), kSecret), std::invalid_argument);
  EXPECT_THROW(issue_token(1, "ada", seconds(0), kSecret), std::invalid_argument);
  EXPECT_THROW(issue_token(1, "ada", seconds(60), ""), std::invalid_argument);
}

TEST(Token, HandBuiltHs256TokenIsAccepted) {
  const auto claims = verify_token(signed_token(kHs256Header, payload()), kSecret, Clock::now());
  ASSERT_TRUE(claims.has_value());
  EXPECT_EQ(claims->user_id, 42);
}

TEST(Token, TamperedPayloadIsRefused) {
  const Parts parts = split(issue_token(42, "ada", seconds(3600), kSecret));
  const std::string forged =
      parts.header + "." + base64url(payload("\"1\"")) + "." + parts.signature;
  EXPECT_FALSE(verify_token(forged, kSecret, Clock::now()));
}

TEST(Token, TamperedSignatureIsRefused) {
  const Parts parts = split(issue_token(42, "ada", seconds(3600), kSecret));
  std::string signature = parts.signature;
  // A middle character: the last one partly encodes padding bits and may decode the same.
  signature[10] = signature[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(
      verify_token(parts.header + "." + parts.payload + "." + signature, kSecret, Clock::now()));
  EXPECT_FALSE(verify_token(parts.header + "." + parts.payload + ".", kSecret, Clock::now()));
}

TEST(Token, AlgNoneIsRefused) {
  const std::string unsigned_part =
      base64url(R"({"alg":"none","typ":"JWT"})") + "." + base64url(payload());
  EXPECT_FALSE(verify_token(unsigned_part + ".", kSecret, Clock::now()));
  EXPECT_FALSE(verify_token(unsigned_part, kSecret, Clock::now()));
  // Still refused with a signature attached, and with other spellings of none.
  const std::string sig = base64url(hmac(EVP_sha256(), kSecret, unsigned_part));
  EXPECT_FALSE(verify_token(unsigned_part + "." + sig, kSecret, Clock::now()));
  EXPECT_FALSE(verify_token(signed_token(R"({"alg":"None"})", payload()), kSecret, Clock::now()));
  EXPECT_FALSE(verify_token(signed_token(R"({"typ":"JWT"})", payload()), kSecret, Clock::now()));
}

TEST(Token, OtherAlgorithmsAreRefusedEvenWhenCorrectlySigned) {
  EXPECT_FALSE(verify_token(signed_token(R"({"alg":"HS512","typ":"JWT"})", payload(), EVP_sha512()),
                            kSecret, Clock::now()));
  EXPECT_FALSE(verify_token(signed_token(R"({"alg":"HS384","typ":"JWT"})", payload(), EVP_sha384()),
                            kSecret, Clock::now()));
  // The key-confusion attack: an RS256 header with an HMAC signature made from the key.
  EXPECT_FALSE(verify_token(signed_token(R"({"alg":"RS256","typ":"JWT"})", payload()), kSecret,
                            Clock::now()));
}

TEST(Token, ExpiryUsesTheGivenNow) {
  const std::string token = issue_token(7, "bob", seconds(60), kSecret);
  const auto claims = verify_token(token, kSecret, Clock::now());
  ASSERT_TRUE(claims.has_value());
  EXPECT_TRUE(verify_token(token, kSecret, claims->expires_at - seconds(1)));
  EXPECT_FALSE(verify_token(token, kSecret, claims->expires_at));
  EXPECT_FALSE(verify_token(token, kSecret, Clock::now() + seconds(61)));
}

TEST(Token, AnotherSecretIsRefused) {
  const std::string token = issue_token(42, "ada", seconds(3600), kSecret);
  EXPECT_FALSE(verify_token(token, kSecret + "x", Clock::now()));
  EXPECT_FALSE(verify_token(token, "", Clock::now()));
}

TEST(Token, BadClaimsAreRefused) {
  const long now = unix_now();
  const auto refused = [&](const std::string& claims) {
    return !verify_token(signed_token(kHs256Header, claims), kSecret, Clock::now()).has_value();
  };
  const std::string exp = ",\"exp\":" + std::to_string(now + 3600);
  EXPECT_TRUE(refused(R"({"name":"ada")" + exp + "}"));              // no sub
  EXPECT_TRUE(refused(R"({"sub":42,"name":"ada")" + exp + "}"));     // sub not a string
  EXPECT_TRUE(refused(R"({"sub":"ada","name":"ada")" + exp + "}"));  // sub not a number
  EXPECT_TRUE(refused(R"({"sub":"42x","name":"ada")" + exp + "}"));  // trailing junk
  EXPECT_TRUE(refused(R"({"sub":"0","name":"ada")" + exp + "}"));    // not a user id
  EXPECT_TRUE(refused(R"({"sub":"-3","name":"ada")" + exp + "}"));   // not a user id
  EXPECT_TRUE(refused(R"({"sub":"99999999999999999999","name":"ada")" + exp + "}"));  // overflow
  EXPECT_TRUE(refused(R"({"sub":"42")" + exp + "}"));                                 // no name
  EXPECT_TRUE(refused(R"({"sub":"42","name":"ada"})"));                               // no exp
  EXPECT_TRUE(refused(R"({"sub":"42","name":"ada","exp":"soon"})"));  // exp not a number
  EXPECT_TRUE(refused(R"({"sub":"42","name":"ada","exp":1e30})"));    // exp not an integer
  EXPECT_TRUE(refused(R"({"sub":"42","name":"ada","exp":9223372036854775807})"));  // absurd exp
  EXPECT_TRUE(refused("not json"));
  EXPECT_TRUE(refused("[1,2,3]"));
}

TEST(Token, GarbageIsRefused) {
  const std::string token = issue_token(42, "ada", seconds(3600), kSecret);
  for (const std::string& garbage : {
           std::string(),
           std::string("."),
           std::string(".."),
           std::string("abc"),
           std::string("a.b.c"),
           std::string("a.b.c.d"),
           std::string("eyJ.eyJ."),
           std::string("Bearer ") + token,
           token + " ",
           token + ".",
           token + "." + split(token).signature,
           std::string(token).insert(5, 1, '\0'),
           std::string(kMaxTokenBytes + 1, 'a'),
           base64url("{") + "." + base64url("{}") + ".abc",
           base64url(kHs256Header) + ".!!!!." + split(token).signature,
       }) {
    EXPECT_FALSE(verify_token(garbage, kSecret, Clock::now())) << garbage;
  }
}

// ---- the secret file ----

class SecretFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "weft-auth-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;  // best effort: a leftover temp dir must not fail the test
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string path() const { return dir_ + "/" + kSecretFileName; }
  mode_t mode() const {
    struct stat st {};
    EXPECT_EQ(::stat(path().c_str(), &st), 0);
    return st.st_mode & 07777;
  }
  void write_file(const std::string& contents) const {
    std::ofstream(path(), std::ios::binary | std::ios::trunc) << contents;
  }

  std::string dir_;
};

TEST_F(SecretFile, CreatedWithMode0600AndReused) {
  const std::string secret = load_or_create_secret(dir_);
  EXPECT_EQ(secret.size(), 64u);
  EXPECT_EQ(secret.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(mode(), 0600u);
  EXPECT_EQ(load_or_create_secret(dir_), secret);
  // Only the secret itself is left: the temporary file was removed.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_),
                          std::filesystem::directory_iterator()),
            1);
}

TEST_F(SecretFile, TwoFreshDirectoriesGetDifferentSecrets) {
  const std::string first = load_or_create_secret(dir_);
  std::filesystem::remove(path());
  EXPECT_NE(load_or_create_secret(dir_), first);
}

TEST_F(SecretFile, LoosenedPermissionsAreTightened) {
  const std::string secret = load_or_create_secret(dir_);
  ASSERT_EQ(::chmod(path().c_str(), 0644), 0);
  EXPECT_EQ(load_or_create_secret(dir_), secret);
  EXPECT_EQ(mode(), 0600u);
  ASSERT_EQ(::chmod(path().c_str(), 0660), 0);
  EXPECT_EQ(load_or_create_secret(dir_), secret);
  EXPECT_EQ(mode(), 0600u);
}

TEST_F(SecretFile, HandWrittenSecretIsReadWithoutTrailingNewline) {
  const std::string mine = "a hand-written secret of at least thirty-two bytes";
  write_file(mine + "\n");
  ASSERT_EQ(::chmod(path().c_str(), 0600), 0);
  EXPECT_EQ(load_or_create_secret(dir_), mine);
}

TEST_F(SecretFile, ShortSecretIsRefused) {
  write_file("too short\n");
  EXPECT_THROW(load_or_create_secret(dir_), std::runtime_error);
}

TEST_F(SecretFile, SymlinkIsRefused) {
  const std::string target = dir_ + "/elsewhere";
  write_file("");  // then replace the file by a link to another one
  std::filesystem::remove(path());
  std::ofstream(target) << std::string(64, 'a');
  std::filesystem::create_symlink(target, path());
  EXPECT_THROW(load_or_create_secret(dir_), std::system_error);
}

TEST_F(SecretFile, MissingDataDirectoryThrows) {
  EXPECT_THROW(load_or_create_secret(dir_ + "/missing"), std::system_error);
}

}  // namespace
}  // namespace weft::auth
