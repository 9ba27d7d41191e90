// lib0.cpp — UTF-8/UTF-16 conversion and lib0 varInt/float/bigint/any encoding. The JSON helpers
// declared in lib0.hpp are in json.cpp.
#include "crdt/lib0.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>

namespace crdt {

// ---- Unicode --------------------------------------------------------------------------------

namespace {

// Decodes one UTF-8 sequence at s[i]; returns the code point and advances i, or -1 if invalid.
// Follows the WHATWG ranges: no overlongs, no surrogates, nothing above U+10FFFF.
int32_t decode_utf8_at(std::string_view s, size_t& i) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int need;
  uint8_t lower = 0x80, upper = 0xBF;
  int32_t cp;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lower = 0xA0;
    if (b0 == 0xED) upper = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lower = 0x90;
    if (b0 == 0xF4) upper = 0x8F;
  } else {
    return -1;
  }
  if (i + need >= s.size()) return -1;  // truncated sequence
  for (int k = 1; k <= need; ++k) {
    const auto b = static_cast<uint8_t>(s[i + k]);
    if (b < lower || b > upper) return -1;
    lower = 0x80;
    upper = 0xBF;
    cp = (cp << 6) | (b & 0x3F);
  }
  i += need + 1;
  return cp;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    // Fast path for ASCII runs.
    if (static_cast<uint8_t>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    if (decode_utf8_at(s, i) < 0) return false;
  }
  return true;
}

std::u16string utf8_to_utf16(std::string_view s) {
  std::u16string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<uint8_t>(s[i]);
    if (b < 0x80) {
      out.push_back(b);
      ++i;
      continue;
    }
    const int32_t cp = decode_utf8_at(s, i);
    if (cp < 0) throw DecodeError("invalid UTF-8 in string");
    if (cp >= 0x10000) {
      out.push_back(static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

namespace {

// UTF-16 → UTF-8 in two passes (length, then bytes) so callers can write straight into their
// buffer. A lone surrogate becomes U+FFFD, as TextEncoder writes it.
bool pair_at(std::u16string_view s, size_t i) {
  return s[i] >= 0xD800 && s[i] <= 0xDBFF && i + 1 < s.size() && s[i + 1] >= 0xDC00 &&
         s[i + 1] <= 0xDFFF;
}

template <typename Byte>
void write_utf8(std::u16string_view s, Byte* out) {
  for (size_t i = 0; i < s.size(); ++i) {
    uint32_t c = s[i];
    if (c < 0x80) {
      *out++ = static_cast<Byte>(c);
      continue;
    }
    if (c >= 0xD800 && c <= 0xDFFF) {
      if (pair_at(s, i)) {
        c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00);
        ++i;
      } else {
        c = 0xFFFD;
      }
    }
    if (c < 0x800) {
      *out++ = static_cast<Byte>(0xC0 | (c >> 6));
      *out++ = static_cast<Byte>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      *out++ = static_cast<Byte>(0xE0 | (c >> 12));
      *out++ = static_cast<Byte>(0x80 | ((c >> 6) & 0x3F));
      *out++ = static_cast<Byte>(0x80 | (c & 0x3F));
    } else {
      *out++ = static_cast<Byte>(0xF0 | (c >> 18));
      *out++ = static_cast<Byte>(0x80 | ((c >> 12) & 0x3F));
      *out++ = static_cast<Byte>(0x80 | ((c >> 6) & 0x3F));
      *out++ = static_cast<Byte>(0x80 | (c & 0x3F));
    }
  }
}

}  // namespace

size_t utf8_length(std::u16string_view s) {
  size_t len = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char16_t c = s[i];
    if (c < 0x80) {
      len += 1;
    } else if (c < 0x800) {
      len += 2;
    } else if (pair_at(s, i)) {
      len += 4;
      ++i;
    } else {
      len += 3;
    }
  }
  return len;
}

void append_utf8(std::string& out, std::u16string_view s) {
  const size_t start = out.size();
  out.resize(start + utf8_length(s));
  write_utf8(s, out.data() + start);
}

std::string utf16_to_utf8(std::u16string_view s) {
  std::string out;
  out.reserve(s.size());
  append_utf8(out, s);
  return out;
}

// ---- Encoder --------------------------------------------------------------------------------

void Encoder::write_var_int(double num) {
  const bool negative = std::signbit(num);
  uint64_t n = static_cast<uint64_t>(negative ? -num : num);
  write_u8(static_cast<uint8_t>((n > 0x3f ? 0x80 : 0) | (negative ? 0x40 : 0) | (n & 0x3f)));
  n >>= 6;
  while (n > 0) {
    write_u8(static_cast<uint8_t>((n > 0x7f ? 0x80 : 0) | (n & 0x7f)));
    n >>= 7;
  }
}

void Encoder::write_var_string(std::u16string_view s) {
  const size_t len = utf8_length(s);
  write_var_uint(len);
  const size_t start = buf_.size();
  buf_.resize(start + len);
  write_utf8(s, buf_.data() + start);
}

void Encoder::write_float32(float f) {
  const auto bits = std::bit_cast<uint32_t>(f);
  for (int s = 24; s >= 0; s -= 8) write_u8(static_cast<uint8_t>(bits >> s));
}

void Encoder::write_float64(double d) {
  const auto bits = std::bit_cast<uint64_t>(d);
  for (int s = 56; s >= 0; s -= 8) write_u8(static_cast<uint8_t>(bits >> s));
}

void Encoder::write_bigint64(int64_t v) {
  const auto bits = static_cast<uint64_t>(v);
  for (int s = 56; s >= 0; s -= 8) write_u8(static_cast<uint8_t>(bits >> s));
}

void Encoder::write_any(const Any& value) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Undefined>) {
          write_u8(127);
        } else if constexpr (std::is_same_v<T, Null>) {
          write_u8(126);
        } else if constexpr (std::is_same_v<T, double>) {
          // lib0: integers up to 2^31-1 in magnitude as varInt, else float32 when exact, else
          // float64.
          if (std::isfinite(x) && std::trunc(x) == x && std::fabs(x) <= 2147483647.0) {
            write_u8(125);
            write_var_int(x);
          } else if (!std::isnan(x) && static_cast<double>(static_cast<float>(x)) == x) {
            write_u8(124);
            write_float32(static_cast<float>(x));
          } else {
            write_u8(123);
            write_float64(x);
          }
        } else if constexpr (std::is_same_v<T, BigInt>) {
          write_u8(122);
          write_bigint64(x.value);
        } else if constexpr (std::is_same_v<T, bool>) {
          write_u8(x ? 120 : 121);
        } else if constexpr (std::is_same_v<T, std::string>) {
          write_u8(119);
          write_var_string(std::string_view(x));
        } else if constexpr (std::is_same_v<T, AnyObject>) {
          write_u8(118);
          write_var_uint(x.size());
          for (const auto& [k, v] : x) {
            write_var_string(std::string_view(k));
            write_any(v);
          }
        } else if constexpr (std::is_same_v<T, AnyArray>) {
          write_u8(117);
          write_var_uint(x.size());
          for (const auto& v : x) write_any(v);
        } else if constexpr (std::is_same_v<T, Bytes>) {
          write_u8(116);
          write_var_bytes(x);
        }
      },
      value.v);
}

// ---- Decoder --------------------------------------------------------------------------------

double Decoder::read_var_int() {
  uint8_t r = read_u8();
  uint64_t num = r & 0x3f;
  const bool negative = (r & 0x40) != 0;
  unsigned shift = 6;
  while (r & 0x80) {
    r = read_u8();
    num |= static_cast<uint64_t>(r & 0x7f) << shift;
    shift += 7;
    if (shift > 60 || num > kMaxSafeInteger) throw DecodeError("integer out of range");
  }
  const auto d = static_cast<double>(num);
  return negative ? -d : d;
}

float Decoder::read_float32() {
  const ByteView b = read_bytes(4);
  uint32_t bits = 0;
  for (const uint8_t x : b) bits = (bits << 8) | x;
  return std::bit_cast<float>(bits);
}

double Decoder::read_float64() {
  const ByteView b = read_bytes(8);
  uint64_t bits = 0;
  for (const uint8_t x : b) bits = (bits << 8) | x;
  return std::bit_cast<double>(bits);
}

int64_t Decoder::read_bigint64() {
  const ByteView b = read_bytes(8);
  uint64_t bits = 0;
  for (const uint8_t x : b) bits = (bits << 8) | x;
  return static_cast<int64_t>(bits);
}

Any Decoder::read_any() { return read_any_depth(0); }

Any Decoder::read_any_depth(int depth) {
  if (depth > 1000) throw DecodeError("value nested too deeply");
  const uint8_t tag = read_u8();
  switch (tag) {
    case 127:
      return Undefined{};
    case 126:
      return Null{};
    case 125:
      return read_var_int();
    case 124:
      return static_cast<double>(read_float32());
    case 123:
      return read_float64();
    case 122:
      return BigInt{read_bigint64()};
    case 121:
      return false;
    case 120:
      return true;
    case 119:
      return read_var_string();
    case 118: {
      const uint64_t len = read_var_uint();
      if (len > remaining()) throw DecodeError("length exceeds data");
      AnyObject obj;
      for (uint64_t i = 0; i < len; ++i) {
        std::string key = read_var_string();
        Any v = read_any_depth(depth + 1);
        auto it =
            std::find_if(obj.begin(), obj.end(), [&](const auto& kv) { return kv.first == key; });
        if (it != obj.end()) {
          it->second = std::move(v);  // a repeated key keeps its first position, as in JS
        } else {
          obj.emplace_back(std::move(key), std::move(v));
        }
      }
      std::stable_sort(obj.begin(), obj.end(), [](const auto& a, const auto& b) {
        uint64_t ia = 0, ib = 0;
        const bool xa = is_array_index(a.first, ia), xb = is_array_index(b.first, ib);
        if (xa && xb) return ia < ib;
        return xa && !xb;
      });
      return obj;
    }
    case 117: {
      const uint64_t len = read_var_uint();
      if (len > remaining()) throw DecodeError("length exceeds data");
      AnyArray arr;
      arr.reserve(len);
      for (uint64_t i = 0; i < len; ++i) arr.push_back(read_any_depth(depth + 1));
      return arr;
    }
    case 116: {
      const ByteView b = read_var_bytes();
      return Bytes(b.begin(), b.end());
    }
    default:
      throw DecodeError("unknown any type " + std::to_string(tag));
  }
}

}  // namespace crdt
