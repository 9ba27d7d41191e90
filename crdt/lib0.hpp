// lib0.hpp — the lib0 binary codec that Yjs writes and reads (npm `lib0` encoding/decoding).
//
// This is the one lib0 codec in the project: the update format (update.hpp), the y-websocket
// messages (protocol/) and the `any` values inside documents all go through Encoder and Decoder.
// Numbers follow lib0 exactly: varUint is little-endian base-128; varInt keeps the sign in bit 7 of
// the first byte (so -0 survives); floats and bigints are big-endian. Strings on the wire are
// UTF-8; decoding follows the WHATWG UTF-8 decoder (what yjs's TextDecoder does), so invalid bytes
// become U+FFFD exactly as in yjs, and encoding a lone UTF-16 surrogate writes U+FFFD like
// TextEncoder.
//
// Errors: every read checks bounds and throws crdt::DecodeError; nothing reads past the buffer.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace crdt {

// The one error type of crdt/: malformed input (bad bytes, impossible structure). The doc or the
// update being processed is left unchanged when it is thrown.
class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

// Largest integer lib0 reads without loss (Number.MAX_SAFE_INTEGER).
inline constexpr uint64_t kMaxSafeInteger = (uint64_t{1} << 53) - 1;

// ---- Unicode --------------------------------------------------------------------------------

// UTF-8 bytes to UTF-16 code units; throws DecodeError on invalid UTF-8.
std::u16string utf8_to_utf16(std::string_view utf8);
// True when `bytes` is well-formed UTF-8.
bool is_valid_utf8(std::string_view bytes);
// UTF-16 to UTF-8; a lone surrogate becomes U+FFFD (as TextEncoder does).
std::string utf16_to_utf8(std::u16string_view utf16);
// Appends the UTF-8 form of `utf16` to `out`.
void append_utf8(std::string& out, std::u16string_view utf16);
// The UTF-8 size of `utf16` (utf16_to_utf8(utf16).size()).
size_t utf8_length(std::u16string_view utf16);

// ---- `any` values ---------------------------------------------------------------------------

struct Any;
struct Undefined {
  bool operator==(const Undefined&) const = default;
};
struct Null {
  bool operator==(const Null&) const = default;
};
struct BigInt {
  int64_t value;
  bool operator==(const BigInt&) const = default;
};
using AnyArray = std::vector<Any>;
// Keys in JavaScript object order: array-index keys ascending first, then insertion order.
using AnyObject = std::vector<std::pair<std::string, Any>>;

// A lib0 `any` value. Numbers are doubles, as in JavaScript; the encoder picks the wire form
// (integer, float32 or float64) from the value exactly as lib0's writeAny does.
struct Any {
  std::variant<Undefined, Null, double, BigInt, bool, std::string, AnyArray, AnyObject, Bytes> v;

  Any() : v(Undefined{}) {}
  template <typename T>
  requires(!std::is_same_v<std::decay_t<T>, Any> && std::is_constructible_v<decltype(v), T&&>)
      Any(T&& value)
      : v(std::forward<T>(value)) {}  // NOLINT(google-explicit-constructor)
  bool operator==(const Any&) const = default;
};

// ---- JSON (json.cpp) ------------------------------------------------------------------------

// Appends `value` as JSON (JSON.stringify semantics: undefined/NaN/Infinity become null in arrays,
// undefined object members are omitted, Uint8Array becomes an array of numbers, bigint a number).
void append_json(std::string& out, const Any& value);
// Appends a JSON string literal for UTF-8 `s`.
void append_json_string(std::string& out, std::string_view s);
// Appends a number as JavaScript's Number.prototype.toString writes it (shortest round-trip
// digits; 1e+21, 1e-7, 100000000000000000000); -0 as 0; NaN/Infinity as null.
void append_json_number(std::string& out, double d);
// JSON.stringify(JSON.parse(text)): what yjs writes back for a JSON payload it has read. Numbers
// as append_json_number (out-of-range ones as JSON.parse rounds them: null or 0), strings escaped
// as JSON.stringify does (only ", \, control characters and lone surrogates), object keys in
// JavaScript order (array indices ascending, then first appearance; a repeated key takes its last
// value). nullopt when JSON.parse would throw or the text is not valid UTF-8. Any depth.
std::optional<std::string> canonical_json(std::string_view text);
// True when `text` is one complete JSON value (JSON.parse would accept it).
bool is_valid_json(std::string_view text);
// True when `key` is a JavaScript array index ("0".."4294967294", canonical form); JavaScript
// orders such keys of an object first, ascending.
bool is_array_index(std::string_view key, uint64_t& index);

// ---- Encoder --------------------------------------------------------------------------------

class Encoder {
 public:
  void write_u8(uint8_t b) { buf_.push_back(b); }
  void write_var_uint(uint64_t n) {
    while (n > 0x7f) {
      buf_.push_back(static_cast<uint8_t>(0x80 | (n & 0x7f)));
      n >>= 7;
    }
    buf_.push_back(static_cast<uint8_t>(n));
  }
  // lib0 varInt: first byte holds 6 bits, the sign (bit 7) and the continue flag (bit 8).
  void write_var_int(double n);
  void write_bytes(ByteView bytes) { buf_.insert(buf_.end(), bytes.begin(), bytes.end()); }
  void write_var_bytes(ByteView bytes) {
    write_var_uint(bytes.size());
    write_bytes(bytes);
  }
  // `s` must already be valid UTF-8.
  void write_var_string(std::string_view s) {
    write_var_uint(s.size());
    buf_.insert(buf_.end(), s.begin(), s.end());
  }
  void write_var_string(std::u16string_view s);
  void write_float32(float f);
  void write_float64(double d);
  void write_bigint64(int64_t v);
  void write_any(const Any& value);

  size_t size() const { return buf_.size(); }
  const Bytes& bytes() const { return buf_; }
  Bytes take() { return std::move(buf_); }
  void clear() { buf_.clear(); }

 private:
  Bytes buf_;
};

// ---- Decoder --------------------------------------------------------------------------------

class Decoder {
 public:
  explicit Decoder(ByteView bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  bool has_content() const { return p_ < end_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }

  uint8_t read_u8() {
    need(1);
    return *p_++;
  }
  uint64_t read_var_uint() {
    uint64_t num = 0;
    unsigned shift = 0;
    while (p_ < end_) {
      const uint8_t r = *p_++;
      num |= static_cast<uint64_t>(r & 0x7f) << shift;
      if (r < 0x80) {
        if (num > kMaxSafeInteger) throw DecodeError("integer out of range");
        return num;
      }
      shift += 7;
      if (shift > 53) throw DecodeError("integer out of range");
    }
    throw DecodeError("unexpected end of data");
  }
  double read_var_int();
  ByteView read_bytes(size_t n) {
    need(n);
    ByteView out(p_, n);
    p_ += n;
    return out;
  }
  ByteView read_var_bytes() { return read_bytes(checked_len(read_var_uint())); }
  // Raw UTF-8 bytes of a varString, not validated.
  std::string_view read_var_string_raw() {
    const ByteView b = read_var_bytes();
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }
  // A varString; invalid UTF-8 is an error, as in lib0.
  std::string read_var_string() {
    const std::string_view raw = read_var_string_raw();
    if (!is_valid_utf8(raw)) throw DecodeError("invalid UTF-8 in string");
    return std::string(raw);
  }
  std::u16string read_var_string16() { return utf8_to_utf16(read_var_string_raw()); }
  float read_float32();
  double read_float64();
  int64_t read_bigint64();
  Any read_any();

 private:
  void need(size_t n) const {
    if (static_cast<size_t>(end_ - p_) < n) throw DecodeError("unexpected end of data");
  }
  size_t checked_len(uint64_t n) const {
    if (n > remaining()) throw DecodeError("length exceeds data");
    return static_cast<size_t>(n);
  }
  Any read_any_depth(int depth);

  const uint8_t* p_;
  const uint8_t* end_;
};

}  // namespace crdt
