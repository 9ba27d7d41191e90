// server_unit_test.cpp — the server's small pure parts: URL decoding and the login rate limiter.
#include <gtest/gtest.h>

#include "server/rate_limiter.hpp"
#include "server/url.hpp"

namespace weft {
namespace {

TEST(Url, PathAndQuery) {
  EXPECT_EQ(path_of("/ws/12?token=abc"), "/ws/12");
  EXPECT_EQ(path_of("/api/me"), "/api/me");
  EXPECT_EQ(query_param("/ws/1?a=1&token=x.y.z&b=2", "token"), "x.y.z");
  EXPECT_EQ(query_param("/ws/1?tokenx=1&token=%41+b", "token"), "A b");
  EXPECT_EQ(query_param("/ws/1?token=", "token"), "");
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
