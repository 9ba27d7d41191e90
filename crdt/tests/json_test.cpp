// json_test.cpp — canonical_json and append_json_number against what node prints for
// JSON.stringify(JSON.parse(text)) and String(number) (expected values taken from node 20).
// tests/cli/weft_doc.test.mjs compares many generated texts with the real yjs as well.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "crdt/lib0.hpp"

namespace crdt {
namespace {

std::string canon(std::string_view text) {
  const std::optional<std::string> out = canonical_json(text);
  return out ? *out : "<invalid>";
}

std::string number(double d) {
  std::string out;
  append_json_number(out, d);
  return out;
}

TEST(Json, NumbersAsNumberToString) {
  const std::vector<std::pair<double, std::string>> cases = {
      {1, "1"},
      {-0.0, "0"},
      {0.1, "0.1"},
      {-1.5, "-1.5"},
      {123.456, "123.456"},
      {1e20, "100000000000000000000"},
      {1e21, "1e+21"},
      {123456789012345680000.0, "123456789012345680000"},
      {1.5e21, "1.5e+21"},
      {1e-6, "0.000001"},
      {1e-7, "1e-7"},
      {1.234e-7, "1.234e-7"},
      {0.000001234, "0.000001234"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {0.30000000000000004, "0.30000000000000004"},
      {9007199254740993.0, "9007199254740992"},
      {4.35e15, "4350000000000000"},
      {std::numeric_limits<double>::infinity(), "null"},
      {std::nan(""), "null"},
  };
  for (const auto& [d, expected] : cases) EXPECT_EQ(number(d), expected) << expected;
}

TEST(Json, CanonicalNumbers) {
  EXPECT_EQ(canon("{ \"a\" : 1.0 }"), R"({"a":1})");
  EXPECT_EQ(canon("-0"), "0");
  EXPECT_EQ(canon("-0.0e5"), "0");
  EXPECT_EQ(canon("1E2"), "100");
  EXPECT_EQ(canon("0.10"), "0.1");
  EXPECT_EQ(canon("100e-2"), "1");
  EXPECT_EQ(canon("1e400"), "null");   // Infinity
  EXPECT_EQ(canon("-1e400"), "null");  // -Infinity
  EXPECT_EQ(canon("1e-400"), "0");     // rounds to 0
  EXPECT_EQ(canon("-2.4e-324"), "0");  // below half the least subnormal
  EXPECT_EQ(canon("2.5e-324"), "5e-324");
  EXPECT_EQ(canon("1.7976931348623159e308"), "null");
  EXPECT_EQ(canon("0.000000000000000000000000000000001e-300"), "0");
  EXPECT_EQ(canon("1000000000000000000000000000000000000000e300"), "null");
  EXPECT_EQ(canon("0e99999999999999999999"), "0");
  EXPECT_EQ(canon("123456789012345678901"), "123456789012345680000");
}

TEST(Json, CanonicalStrings) {
  EXPECT_EQ(canon(R"("\u0041\/\b\f\n\r\t\"\\")"), R"("A/\b\f\n\r\t\"\\")");
  EXPECT_EQ(canon(R"("\u001F\u0000\u007f")"), "\"\\u001f\\u0000\x7f\"");
  EXPECT_EQ(canon(R"("\u00E9\u2028")"), "\"\xc3\xa9\xe2\x80\xa8\"");
  EXPECT_EQ(canon(R"("\ud83d\uDE00")"), "\"\xf0\x9f\x98\x80\"");  // a pair becomes UTF-8
  EXPECT_EQ(canon(R"("\uD800")"), R"("\ud800")");                 // lone surrogates stay escaped
  EXPECT_EQ(canon(R"("\udc00\ud800x")"), R"("\udc00\ud800x")");
  EXPECT_EQ(canon("\"\xf0\x9f\x98\x80\""), "\"\xf0\x9f\x98\x80\"");
  EXPECT_EQ(canon("\"a\xff\""), "<invalid>");  // not UTF-8
  EXPECT_EQ(canon("\"tab\there\""), "<invalid>");
  EXPECT_EQ(canon(R"("\x")"), "<invalid>");
  EXPECT_EQ(canon(R"("\u12")"), "<invalid>");
}

TEST(Json, CanonicalObjectsInJavaScriptOrder) {
  EXPECT_EQ(canon(R"({"a":1,"b":2,"a":3})"), R"({"a":3,"b":2})");
  EXPECT_EQ(canon(R"({"b":1,"2":2,"1":3,"01":4,"4294967295":5,"4294967294":6,"-1":7,"0":8})"),
            R"({"0":8,"1":3,"2":2,"4294967294":6,"b":1,"01":4,"4294967295":5,"-1":7})");
  EXPECT_EQ(canon(R"({"\u0061":1,"a":2})"), R"({"a":2})");  // the same key, escaped
  EXPECT_EQ(canon(R"({"x":{"2":1,"1":{"b":0,"b":[-0]}},"y":[{"k":1,"k":2}]})"),
            R"({"x":{"1":{"b":[0]},"2":1},"y":[{"k":2}]})");
  EXPECT_EQ(canon(R"({"__proto__":{"x":1}})"), R"({"__proto__":{"x":1}})");
  EXPECT_EQ(canon(" \t\n\r[ {} , [ ] , { \"\" : [ ] } ] \n"), R"([{},[],{"":[]}])");
}

TEST(Json, RejectsWhatJsonParseRejects) {
  for (const char* bad : {"",           " ",
                          "{",          "[1,]",
                          "{\"a\":}",   "{\"a\" 1}",
                          "{a:1}",      "01",
                          "-",          "1.",
                          ".5",         "1e",
                          "+1",         "NaN",
                          "Infinity",   "undefined",
                          "'a'",        "[1] [2]",
                          "tru",        "nulll",
                          "{\"a\":1,}", "\"unterminated",
                          "[1\x0b]"}) {
    EXPECT_EQ(canon(bad), "<invalid>") << bad;
    EXPECT_FALSE(is_valid_json(bad)) << bad;
  }
}

TEST(Json, DeepNestingNeedsNoCStack) {
  const size_t depth = 200000;
  const std::string arrays = std::string(depth, '[') + std::string(depth, ']');
  EXPECT_EQ(canon(arrays), arrays);
  std::string objects;
  for (size_t i = 0; i < depth; ++i) objects += "{ \"a\" : ";
  objects += "1.0";
  objects += std::string(depth, '}');
  std::string expected;
  for (size_t i = 0; i < depth; ++i) expected += "{\"a\":";
  expected += "1" + std::string(depth, '}');
  EXPECT_EQ(canon(objects), expected);
  EXPECT_EQ(canon(std::string(depth, '[')), "<invalid>");
}

}  // namespace
}  // namespace crdt
