// server_unit_test.cpp — the server's small pure parts: URL decoding, the login rate limiter and
// the WebSocket frame format.
#include <gtest/gtest.h>

#include "server/rate_limiter.hpp"
#include "server/url.hpp"
#include "server/ws_frame.hpp"

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

// A masked client frame as a browser would send it.
std::vector<uint8_t> client_frame(uint8_t b0, const std::vector<uint8_t>& payload,
                                  std::array<uint8_t, 4> mask = {1, 2, 3, 4}) {
  std::vector<uint8_t> f{b0};
  const size_t n = payload.size();
  if (n < 126) {
    f.push_back(static_cast<uint8_t>(0x80 | n));
  } else if (n <= 0xFFFF) {
    f.insert(f.end(), {0xFE, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
  } else {
    f.push_back(0xFF);
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<uint8_t>(uint64_t{n} >> (8 * i)));
  }
  f.insert(f.end(), mask.begin(), mask.end());
  for (size_t i = 0; i < n; ++i) f.push_back(payload[i] ^ mask[i & 3]);
  return f;
}

TEST(WsFrame, ServerHeaderUsesTheShortestLength) {
  auto h = ws::server_header(ws::Opcode::kBinary, 5);
  EXPECT_EQ(h.size, 2);
  EXPECT_EQ(h.bytes[0], 0x82);
  EXPECT_EQ(h.bytes[1], 5);
  h = ws::server_header(ws::Opcode::kBinary, 126);
  ASSERT_EQ(h.size, 4);
  EXPECT_EQ(h.bytes[1], 126);
  EXPECT_EQ(h.bytes[2] << 8 | h.bytes[3], 126);
  h = ws::server_header(ws::Opcode::kClose, 70000);
  ASSERT_EQ(h.size, 10);
  EXPECT_EQ(h.bytes[0], 0x88);
  EXPECT_EQ(h.bytes[1], 127);
  uint64_t n = 0;
  for (int i = 2; i < 10; ++i) n = n << 8 | h.bytes[i];
  EXPECT_EQ(n, 70000u);
}

TEST(WsFrame, ParsesMaskedFramesOfEveryLengthForm) {
  for (size_t n : {0u, 1u, 125u, 126u, 65535u, 65536u, 200000u}) {
    std::vector<uint8_t> payload(n);
    for (size_t i = 0; i < n; ++i) payload[i] = static_cast<uint8_t>(i * 7);
    auto f = client_frame(0x82, payload, {9, 8, 7, 6});
    ws::ClientHeader h;
    // Every prefix shorter than the header asks for more.
    const size_t header_size = f.size() - n;
    for (size_t cut = 0; cut < header_size; ++cut)
      EXPECT_EQ(ws::parse_client_header(f.data(), cut, h), ws::ParseStatus::kNeedMore) << n;
    ASSERT_EQ(ws::parse_client_header(f.data(), f.size(), h), ws::ParseStatus::kOk) << n;
    EXPECT_TRUE(h.fin);
    EXPECT_EQ(h.opcode, ws::Opcode::kBinary);
    EXPECT_EQ(h.length, n);
    EXPECT_EQ(h.size, header_size);
    // Unmasking in two pieces at any split gives the payload back.
    const size_t split = n / 3;
    ws::unmask(f.data() + h.size, split, h.mask, 0);
    ws::unmask(f.data() + h.size + split, n - split, h.mask, split);
    EXPECT_TRUE(std::equal(payload.begin(), payload.end(), f.begin() + h.size)) << n;
  }
}

TEST(WsFrame, RefusesWhatTheHeaderAloneMakesInvalid) {
  ws::ClientHeader h;
  const auto bad = [&h](std::vector<uint8_t> f) {
    return ws::parse_client_header(f.data(), f.size(), h) == ws::ParseStatus::kBadFrame;
  };
  EXPECT_TRUE(bad({0x82, 0x00}));             // not masked
  EXPECT_TRUE(bad(client_frame(0xC2, {1})));  // RSV1 (no extension negotiated)
  EXPECT_TRUE(bad(client_frame(0x83, {1})));  // reserved data opcode
  EXPECT_TRUE(bad(client_frame(0x8B, {1})));  // reserved control opcode
  EXPECT_TRUE(bad(client_frame(0x09, {1})));  // fragmented ping
  EXPECT_TRUE(bad(client_frame(0x89, std::vector<uint8_t>(126))));  // control payload > 125
  EXPECT_TRUE(bad({0x82, 0xFE, 0x00, 0x05, 1, 2, 3, 4}));  // 16-bit form for a short length
  EXPECT_TRUE(bad({0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4}));  // top bit of 64-bit form
  EXPECT_TRUE(bad({0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0, 9, 1, 2, 3, 4}));     // 64-bit form, short
  EXPECT_FALSE(bad(client_frame(0x02, {1})));           // a first fragment is fine
  EXPECT_FALSE(bad(client_frame(0x80, {1})));           // so is a final continuation
  EXPECT_FALSE(bad(client_frame(0x88, {0x03, 0xE8})));  // close 1000
}

}  // namespace
}  // namespace weft
