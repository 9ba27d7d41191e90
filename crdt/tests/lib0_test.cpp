// lib0_test.cpp — the lib0 codec against byte sequences lib0 itself produces.
#include <gtest/gtest.h>

#include <cmath>

#include "crdt/lib0.hpp"

namespace crdt {
namespace {

Bytes encode_any(const Any& a) {
  Encoder enc;
  enc.write_any(a);
  return enc.take();
}

TEST(Lib0, VarUintRoundTrip) {
  for (const uint64_t n : std::vector<uint64_t>{0, 1, 127, 128, 300, 16383, 16384, (1ull << 32) + 5,
                                                kMaxSafeInteger}) {
    Encoder enc;
    enc.write_var_uint(n);
    Decoder dec(enc.bytes());
    EXPECT_EQ(dec.read_var_uint(), n);
    EXPECT_FALSE(dec.has_content());
  }
  Encoder enc;
  enc.write_var_uint(300);
  EXPECT_EQ(enc.bytes(), (Bytes{0xac, 0x02}));
}

TEST(Lib0, VarUintRejectsTruncationAndOverflow) {
  const Bytes truncated{0x80, 0x80};
  Decoder d1(truncated);
  EXPECT_THROW(d1.read_var_uint(), DecodeError);
  const Bytes huge(12, 0xff);
  Decoder d2(huge);
  EXPECT_THROW(d2.read_var_uint(), DecodeError);
}

TEST(Lib0, VarIntKeepsSignAndNegativeZero) {
  // lib0: writeVarInt(-1) = 0x41, writeVarInt(64) = 0x80 0x01, writeVarInt(-0) = 0x40.
  Encoder enc;
  enc.write_var_int(-1);
  enc.write_var_int(64);
  enc.write_var_int(-0.0);
  EXPECT_EQ(enc.bytes(), (Bytes{0x41, 0x80, 0x01, 0x40}));
  Decoder dec(enc.bytes());
  EXPECT_EQ(dec.read_var_int(), -1);
  EXPECT_EQ(dec.read_var_int(), 64);
  const double z = dec.read_var_int();
  EXPECT_EQ(z, 0);
  EXPECT_TRUE(std::signbit(z));
}

TEST(Lib0, AnyPicksTheWireFormLikeLib0) {
  EXPECT_EQ(encode_any(Any(42.0)), (Bytes{125, 42}));
  EXPECT_EQ(encode_any(Any(0.5)), (Bytes{124, 0x3f, 0x00, 0x00, 0x00}));
  EXPECT_EQ(encode_any(Any(0.1)).size(), 9u);        // float64
  EXPECT_EQ(encode_any(Any(4294967296.0))[0], 124);  // 2^32 is exact in float32
  EXPECT_EQ(encode_any(Any(Null{})), (Bytes{126}));
  EXPECT_EQ(encode_any(Any(true)), (Bytes{120}));
  EXPECT_EQ(encode_any(Any(std::string("hi"))), (Bytes{119, 2, 'h', 'i'}));
}

TEST(Lib0, AnyRoundTripsNestedValues) {
  AnyObject obj;
  obj.emplace_back("a", Any(AnyArray{Any(1.0), Any(std::string("x")), Any(Bytes{1, 2})}));
  obj.emplace_back("b", Any(BigInt{-5}));
  const Any value(obj);
  const Bytes bytes = encode_any(value);
  Decoder dec(bytes);
  EXPECT_EQ(dec.read_any(), value);
}

TEST(Lib0, ObjectKeysFollowJavaScriptOrder) {
  // {"b":1,"2":2,"a":3,"1":4} reads back as 1, 2, b, a.
  Encoder enc;
  enc.write_u8(118);
  enc.write_var_uint(4);
  for (const auto& [k, v] :
       std::vector<std::pair<std::string, double>>{{"b", 1}, {"2", 2}, {"a", 3}, {"1", 4}}) {
    enc.write_var_string(std::string_view(k));
    enc.write_any(Any(v));
  }
  Decoder dec(enc.bytes());
  const Any a = dec.read_any();
  const auto& obj = std::get<AnyObject>(a.v);
  ASSERT_EQ(obj.size(), 4u);
  EXPECT_EQ(obj[0].first, "1");
  EXPECT_EQ(obj[1].first, "2");
  EXPECT_EQ(obj[2].first, "b");
  EXPECT_EQ(obj[3].first, "a");
}

TEST(Lib0, Utf16ConversionHandlesSurrogates) {
  const std::string s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";  // a é € 😀
  const std::u16string u = utf8_to_utf16(s);
  EXPECT_EQ(u.size(), 5u);
  EXPECT_EQ(utf16_to_utf8(u), s);
  EXPECT_EQ(utf16_to_utf8(std::u16string(1, char16_t(0xD83D))), "\xef\xbf\xbd");
  EXPECT_THROW(utf8_to_utf16("\xc3"), DecodeError);
  EXPECT_THROW(utf8_to_utf16("\xed\xa0\x80"), DecodeError);  // encoded surrogate
  EXPECT_FALSE(is_valid_utf8("\xc0\x80"));                   // overlong
}

TEST(Lib0, JsonValidation) {
  EXPECT_TRUE(is_valid_json(R"({"a":[1,2.5e3,-0.1,true,null,"x\u00e9"]})"));
  EXPECT_TRUE(is_valid_json(" 12 "));
  EXPECT_FALSE(is_valid_json("{\"a\":}"));
  EXPECT_FALSE(is_valid_json("01"));
  EXPECT_FALSE(is_valid_json("undefined"));
  EXPECT_FALSE(is_valid_json("[1,]"));
}

}  // namespace
}  // namespace crdt
