// server_unit_test.cpp — the server's small pure parts: URL decoding, the login rate limiter and
// the sign-out part of the bus (which connections a revocation closes).
#include <gtest/gtest.h>

#include "server/client_address.hpp"
#include "server/envelope.hpp"
#include "server/rate_limiter.hpp"
#include "server/url.hpp"

namespace weft {
namespace {

TEST(SignOut, RoundTripsAndCoversTheRightConnections) {
  const SignOut all{.user_id = 7, .only = 0, .except = 0};
  const SignOut one{.user_id = 7, .only = 3, .except = 0};
  const SignOut others{.user_id = 7, .only = 0, .except = 3};
  for (const SignOut& s : {all, one, others}) {
    const SignOut back = decode_sign_out(encode_sign_out(s));
    EXPECT_EQ(back.user_id, s.user_id);
    EXPECT_EQ(back.only, s.only);
    EXPECT_EQ(back.except, s.except);
  }
  EXPECT_TRUE(all.covers(7, 3));
  EXPECT_TRUE(all.covers(7, 4));
  EXPECT_FALSE(all.covers(8, 3));  // another user
  EXPECT_TRUE(one.covers(7, 3));
  EXPECT_FALSE(one.covers(7, 4));
  EXPECT_FALSE(others.covers(7, 3));
  EXPECT_TRUE(others.covers(7, 4));
  EXPECT_THROW(decode_sign_out(encode_sign_out({.user_id = 0, .only = 0, .except = 0})),
               crdt::DecodeError);
}

TEST(Url, PathAndQuery) {
  EXPECT_EQ(path_of("/ws/12?token=abc"), "/ws/12");
  EXPECT_EQ(path_of("/api/me"), "/api/me");
  EXPECT_EQ(query_param("/ws/1?a=1&token=x.y.z&b=2", "token"), "x.y.z");
  EXPECT_EQ(query_param("/ws/1?tokenx=1&token=%41+b", "token"), "A b");
  EXPECT_EQ(query_param("/ws/1?token=", "token"), "");
  EXPECT_EQ(query_param("/ws/1?token=first&token=second", "token"), "first");  // no pollution
  EXPECT_FALSE(query_param("/ws/1?a=1", "token"));
  EXPECT_FALSE(query_param("/ws/1", "token"));
  EXPECT_FALSE(query_param("/ws/1?token=%zz", "token"));
}

TEST(Url, PercentDecode) {
  EXPECT_EQ(percent_decode("a%2Fb%20c+d", false), "a/b c+d");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_FALSE(percent_decode("%", false));
  EXPECT_FALSE(percent_decode("%4", false));
  EXPECT_FALSE(percent_decode("ab%", false));
  EXPECT_FALSE(percent_decode("%00", false));  // an encoded NUL is refused
  EXPECT_EQ(percent_decode("%e2%82%ac", false), "\xe2\x82\xac");
}

TEST(RateLimiter, AllowsTheBudgetThenRefusesWithRetryAfter) {
  RateLimiter limiter(3);
  const auto t0 = RateLimiter::Clock::now();
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.attempt("k", t0)) << i;
  const auto wait = limiter.attempt("k", t0);
  ASSERT_TRUE(wait);
  EXPECT_GE(wait->count(), 1);
  EXPECT_LE(wait->count(), 20);  // one token refills in 60 s / 3
  // Other keys have their own budget.
  EXPECT_FALSE(limiter.attempt("other", t0));
  // A token comes back after a third of a minute.
  EXPECT_TRUE(limiter.attempt("k", t0 + std::chrono::seconds(10)));
  EXPECT_FALSE(limiter.attempt("k", t0 + std::chrono::seconds(21)));
  EXPECT_TRUE(limiter.attempt("k", t0 + std::chrono::seconds(21)));
}

TEST(RateLimiter, ZeroDisables) {
  RateLimiter limiter(0);
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(limiter.attempt("k"));
}

TEST(RateLimiter, ManyKeysStayBounded) {
  RateLimiter limiter(1);
  const auto t0 = RateLimiter::Clock::now();
  for (size_t i = 0; i < RateLimiter::kMaxKeys + 10; ++i)
    limiter.attempt("k" + std::to_string(i), t0);
  // Still answers, and a fresh key still gets its budget.
  EXPECT_FALSE(limiter.attempt("fresh", t0));
  EXPECT_TRUE(limiter.attempt("fresh", t0));
}

}  // namespace
}  // namespace weft

namespace {
boost::asio::ip::address addr(const char* text) { return boost::asio::ip::make_address(text); }
}  // namespace

TEST(TrustedProxies, NoneMeansThePeerWhateverTheHeaderSays) {
  const weft::TrustedProxies none;
  EXPECT_EQ(none.client(addr("10.1.2.3"), "203.0.113.9"), "10.1.2.3");
  EXPECT_EQ(none.client(addr("::ffff:10.1.2.3"), ""), "10.1.2.3");  // dual-stack, unmapped
}

TEST(TrustedProxies, TheRightmostUntrustedHopIsTheClient) {
  const auto proxies = weft::TrustedProxies::parse(" 10.0.0.0/8, 127.0.0.1 ,fd00::/8");
  EXPECT_TRUE(proxies.contains(addr("10.255.0.1")));
  EXPECT_TRUE(proxies.contains(addr("::ffff:127.0.0.1")));
  EXPECT_TRUE(proxies.contains(addr("fd12::1")));
  EXPECT_FALSE(proxies.contains(addr("11.0.0.1")));
  EXPECT_FALSE(proxies.contains(addr("127.0.0.2")));
  EXPECT_FALSE(proxies.contains(addr("fe80::1")));
  // nginx on loopback appended the client's address.
  EXPECT_EQ(proxies.client(addr("127.0.0.1"), "203.0.113.9"), "203.0.113.9");
  // The client wrote its own entry first: only what trusted hops appended counts.
  EXPECT_EQ(proxies.client(addr("127.0.0.1"), "1.1.1.1, 203.0.113.9"), "203.0.113.9");
  // Two proxies: the ingress (10.x) appended by the outer one.
  EXPECT_EQ(proxies.client(addr("127.0.0.1"), "198.51.100.7, 10.0.0.5"), "198.51.100.7");
  // A peer that is not a proxy cannot choose its address.
  EXPECT_EQ(proxies.client(addr("198.51.100.7"), "10.0.0.5"), "198.51.100.7");
  // No header, or a garbled entry: the last trusted hop stands.
  EXPECT_EQ(proxies.client(addr("127.0.0.1"), ""), "127.0.0.1");
  EXPECT_EQ(proxies.client(addr("127.0.0.1"), "203.0.113.9, garbage"), "127.0.0.1");
  EXPECT_EQ(proxies.client(addr("127.0.0.1"), "garbage, 10.0.0.5"), "10.0.0.5");
}

TEST(TrustedProxies, BadEntriesAreNamed) {
  EXPECT_THROW(weft::TrustedProxies::parse("10.0.0.0/33"), std::invalid_argument);
  EXPECT_THROW(weft::TrustedProxies::parse("fd00::/129"), std::invalid_argument);
  EXPECT_THROW(weft::TrustedProxies::parse("10.0.0.0/"), std::invalid_argument);
  EXPECT_THROW(weft::TrustedProxies::parse("nginx"), std::invalid_argument);
  try {
    weft::TrustedProxies::parse("127.0.0.1,10.0.0.0/x");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("10.0.0.0/x"), std::string::npos);
  }
  EXPECT_TRUE(weft::TrustedProxies::parse("").empty());
  EXPECT_TRUE(weft::TrustedProxies::parse(" , ").empty());
}
