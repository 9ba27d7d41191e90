// json.cpp — JSON as JavaScript reads and writes it: printing `any` values (JSON.stringify),
// numbers as Number.prototype.toString, and canonical_json, which computes
// JSON.stringify(JSON.parse(text)) without a JavaScript engine.
//
// yjs keeps the JSON of embeds, format attributes and ContentJSON as parsed values and writes them
// back with JSON.stringify, so an update from another implementation that carries `{ "a" : 1.0 }`
// comes out of yjs as `{"a":1}`. Weft keeps these payloads as text; canonical_json turns the text
// into exactly what yjs would write, once, when the content is decoded.
//
// The parser is iterative (an explicit stack of open arrays and objects), so nesting depth costs
// heap, not C++ stack: JSON.parse has no depth limit either.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <unordered_map>

#include "crdt/lib0.hpp"

namespace crdt {

bool is_array_index(std::string_view k, uint64_t& index) {
  if (k.empty() || k.size() > 10 || (k.size() > 1 && k[0] == '0')) return false;
  uint64_t n = 0;
  for (const char c : k) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (n >= 4294967295ull) return false;
  index = n;
  return true;
}

// ---- printing -------------------------------------------------------------------------------

namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_u_escape(std::string& out, unsigned code_unit) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(code_unit >> shift) & 15]);
}

// The escape JSON.stringify writes for a code unit below 0x80, or nothing when it needs none.
const char* short_escape(unsigned c) {
  switch (c) {
    case '"':
      return "\\\"";
    case '\\':
      return "\\\\";
    case '\b':
      return "\\b";
    case '\f':
      return "\\f";
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    default:
      return nullptr;
  }
}

// Appends ASCII code unit `c` as JSON.stringify writes it inside a string literal.
void append_json_ascii(std::string& out, unsigned c) {
  if (const char* e = short_escape(c)) {
    out += e;
  } else if (c < 0x20) {
    append_u_escape(out, c);
  } else {
    out.push_back(static_cast<char>(c));
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<uint8_t>(ch);
    if (c < 0x80) {
      append_json_ascii(out, c);
    } else {
      out.push_back(ch);  // UTF-8 holds no lone surrogates, and JSON.stringify escapes nothing else
    }
  }
  out.push_back('"');
}

void append_json_number(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  if (d == 0) {
    out += "0";  // -0 too
    return;
  }
  // The shortest digits that read back as d ("d.ddde±x"), then ECMA-262 Number::toString's layout:
  // k digits, decimal exponent n (the value is 0.digits × 10^n).
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view s(buf, static_cast<size_t>(res.ptr - buf));
  if (s.front() == '-') {
    out.push_back('-');
    s.remove_prefix(1);
  }
  const size_t e = s.find('e');
  std::string digits(1, s[0]);
  if (e > 1) digits.append(s.substr(2, e - 2));
  const int k = static_cast<int>(digits.size());
  const int n = std::atoi(std::string(s.substr(e + 1)).c_str()) + 1;
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, static_cast<size_t>(n));
    out.push_back('.');
    out.append(digits, static_cast<size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-n), '0');
    out += digits;
  } else {
    out.push_back(digits[0]);
    if (k > 1) {
      out.push_back('.');
      out.append(digits, 1);
    }
    out += n - 1 >= 0 ? "e+" : "e-";
    out += std::to_string(std::abs(n - 1));
  }
}

namespace {

void append_json_value(std::string& out, const Any& value) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Undefined> || std::is_same_v<T, Null>) {
          out += "null";
        } else if constexpr (std::is_same_v<T, double>) {
          append_json_number(out, x);
        } else if constexpr (std::is_same_v<T, BigInt>) {
          out += std::to_string(x.value);
        } else if constexpr (std::is_same_v<T, bool>) {
          out += x ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::string>) {
          append_json_string(out, x);
        } else if constexpr (std::is_same_v<T, AnyArray>) {
          out.push_back('[');
          for (size_t i = 0; i < x.size(); ++i) {
            if (i) out.push_back(',');
            append_json_value(out, x[i]);
          }
          out.push_back(']');
        } else if constexpr (std::is_same_v<T, AnyObject>) {
          out.push_back('{');
          bool first = true;
          for (const auto& [k, v] : x) {
            if (std::holds_alternative<Undefined>(v.v)) continue;
            if (!first) out.push_back(',');
            first = false;
            append_json_string(out, k);
            out.push_back(':');
            append_json_value(out, v);
          }
          out.push_back('}');
        } else if constexpr (std::is_same_v<T, Bytes>) {
          out.push_back('[');
          for (size_t i = 0; i < x.size(); ++i) {
            if (i) out.push_back(',');
            out += std::to_string(x[i]);
          }
          out.push_back(']');
        }
      },
      value.v);
}

}  // namespace

void append_json(std::string& out, const Any& value) { append_json_value(out, value); }

// ---- JSON.stringify(JSON.parse(text)) -------------------------------------------------------

namespace {

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

unsigned hex_value(char c) {
  if (c <= '9') return static_cast<unsigned>(c - '0');
  return static_cast<unsigned>((c | 0x20) - 'a' + 10);
}

// Parses strict JSON (RFC 8259, what JSON.parse accepts) and writes what JSON.stringify would
// write for the parsed value, in one pass into `out_`. Objects are written as they are read; an
// object with a repeated key or an array-index key is rewritten at its close into JavaScript's
// property order. Cost: linear in the text, plus one copy of each object that needs reordering.
class Canonicalizer {
 public:
  explicit Canonicalizer(std::string_view s) : s_(s) { out_.reserve(s.size()); }

  std::optional<std::string> run() {
    if (!is_valid_utf8(s_) || !parse()) return std::nullopt;
    return std::move(out_);
  }

 private:
  // One member of an open object: its key text out_[begin, colon) and value (colon, end).
  struct Member {
    size_t begin = 0, colon = 0, end = 0;
  };
  static constexpr size_t kNone = static_cast<size_t>(-1);
  struct Frame {
    bool object = false;
    size_t start = 0;                               // offset of the opening bracket in out_
    std::vector<Member> members;                    // objects: in JavaScript order once reordered
    std::unordered_map<std::string, size_t> slots;  // key text → index in members
    Member current;                                 // the member being read
    size_t replaces = kNone;  // members index the current member replaces (a repeated key)
    bool reorder = false;     // a repeated or array-index key: rewrite at the close
  };

  bool parse() {
    for (;;) {
      skip_ws();
      if (i_ >= s_.size()) return false;
      const char c = s_[i_];
      if (c == '{' || c == '[') {
        ++i_;
        out_.push_back(c);
        Frame f;
        f.object = c == '{';
        f.start = out_.size() - 1;
        stack_.push_back(std::move(f));
        skip_ws();
        const char close = c == '{' ? '}' : ']';
        if (i_ < s_.size() && s_[i_] == close) {
          ++i_;
          out_.push_back(close);
          stack_.pop_back();
        } else {
          if (c == '{' && !member_key(stack_.back())) return false;
          continue;  // read the first value
        }
      } else if (!scalar()) {
        return false;
      }
      // A value ended: close the arrays and objects that end here, or go on after a comma.
      for (;;) {
        if (stack_.empty()) {
          skip_ws();
          return i_ == s_.size();
        }
        Frame& f = stack_.back();
        if (f.object) end_member(f);
        skip_ws();
        if (i_ >= s_.size()) return false;
        if (s_[i_] == ',') {
          ++i_;
          out_.push_back(',');
          if (f.object && !member_key(f)) return false;
          break;
        }
        if (s_[i_] != (f.object ? '}' : ']')) return false;
        ++i_;
        if (f.reorder) rewrite(f);
        out_.push_back(f.object ? '}' : ']');
        stack_.pop_back();
      }
    }
  }

  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }

  // Reads `"key" :` into out_ and notes where the member starts.
  bool member_key(Frame& f) {
    skip_ws();
    if (i_ >= s_.size() || s_[i_] != '"') return false;
    f.current.begin = out_.size();
    if (!string()) return false;
    f.current.colon = out_.size();
    skip_ws();
    if (i_ >= s_.size() || s_[i_] != ':') return false;
    ++i_;
    out_.push_back(':');
    std::string key = out_.substr(f.current.begin, f.current.colon - f.current.begin);
    uint64_t index = 0;
    if (is_array_index(std::string_view(key).substr(1, key.size() - 2), index)) f.reorder = true;
    const auto [it, inserted] = f.slots.try_emplace(std::move(key), f.members.size());
    f.replaces = inserted ? kNone : it->second;
    if (!inserted) f.reorder = true;
    return true;
  }

  // JSON.parse keeps a repeated key where it first appeared, with the value it had last.
  void end_member(Frame& f) {
    f.current.end = out_.size();
    if (f.replaces == kNone) {
      f.members.push_back(f.current);
    } else {
      f.members[f.replaces] = f.current;
    }
  }

  // Rewrites an object's members in JavaScript property order: array indices ascending, then the
  // other keys in order of first appearance.
  void rewrite(Frame& f) {
    auto index_of = [&](const Member& m) {
      uint64_t index = 0;
      const bool is_index =
          is_array_index(std::string_view(out_).substr(m.begin + 1, m.colon - m.begin - 2), index);
      return is_index ? index : kNone;
    };
    std::vector<std::pair<uint64_t, Member>> order;
    order.reserve(f.members.size());
    for (const Member& m : f.members) order.emplace_back(index_of(m), m);
    std::stable_sort(order.begin(), order.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string body;
    for (const auto& [index, m] : order) {
      if (!body.empty()) body.push_back(',');
      body.append(out_, m.begin, m.end - m.begin);
    }
    out_.resize(f.start + 1);
    out_ += body;
  }

  bool scalar() {
    switch (s_[i_]) {
      case '"':
        return string();
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        return number();
    }
  }

  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    out_ += word;
    return true;
  }

  // Reads \uXXXX at s_[i_] (the backslash) into `code_unit`.
  bool u_escape_at(size_t at, unsigned& code_unit) const {
    if (at + 6 > s_.size() || s_[at] != '\\' || s_[at + 1] != 'u') return false;
    code_unit = 0;
    for (size_t k = at + 2; k < at + 6; ++k) {
      if (!is_hex(s_[k])) return false;
      code_unit = code_unit << 4 | hex_value(s_[k]);
    }
    return true;
  }

  // A string literal, re-escaped as JSON.stringify does: only ", \, control characters and lone
  // surrogates; everything else (including what the text had escaped) as UTF-8.
  bool string() {
    ++i_;  // opening quote
    out_.push_back('"');
    while (i_ < s_.size()) {
      const auto c = static_cast<uint8_t>(s_[i_]);
      if (c == '"') {
        ++i_;
        out_.push_back('"');
        return true;
      }
      if (c < 0x20) return false;
      if (c != '\\') {
        out_.push_back(static_cast<char>(c));  // raw UTF-8, validated up front
        ++i_;
        continue;
      }
      if (i_ + 1 >= s_.size()) return false;
      const char e = s_[i_ + 1];
      if (e != 'u') {
        static constexpr std::string_view kEscapes = "\"\\/bfnrt";
        static constexpr std::string_view kValues = "\"\\/\b\f\n\r\t";
        const size_t at = kEscapes.find(e);
        if (at == std::string_view::npos) return false;
        append_json_ascii(out_, static_cast<uint8_t>(kValues[at]));
        i_ += 2;
        continue;
      }
      unsigned cu = 0;
      if (!u_escape_at(i_, cu)) return false;
      i_ += 6;
      if (cu < 0x80) {
        append_json_ascii(out_, cu);
      } else if (cu < 0xD800 || cu > 0xDFFF) {
        const char16_t unit = static_cast<char16_t>(cu);
        append_utf8(out_, std::u16string_view(&unit, 1));
      } else if (unsigned low = 0;
                 cu <= 0xDBFF && u_escape_at(i_, low) && low >= 0xDC00 && low <= 0xDFFF) {
        const char16_t pair[2] = {static_cast<char16_t>(cu), static_cast<char16_t>(low)};
        append_utf8(out_, std::u16string_view(pair, 2));
        i_ += 6;
      } else {
        append_u_escape(out_, cu);  // a lone surrogate
      }
    }
    return false;
  }

  bool digits() {
    const size_t start = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    return i_ > start;
  }

  bool number() {
    const size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    if (i_ < s_.size() && s_[i_] == '0') {
      ++i_;
    } else if (!digits()) {
      return false;
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!digits()) return false;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digits()) return false;
    }
    const std::string_view token = s_.substr(start, i_ - start);
    double d = 0;
    const auto res = std::from_chars(token.data(), token.data() + token.size(), d);
    if (res.ec == std::errc::result_out_of_range) {
      d = overflows(token) ? HUGE_VAL : 0;  // JSON.parse rounds to ±Infinity or ±0
    } else if (res.ec != std::errc() || res.ptr != token.data() + token.size()) {
      return false;
    }
    append_json_number(out_, d);
    return true;
  }

  // For a number from_chars found out of range: true when it is too large (not too small). Such a
  // number is below 1e-300 or above 1e300, so the decimal exponent of its first digit decides.
  static bool overflows(std::string_view token) {
    if (token.front() == '-') token.remove_prefix(1);
    const size_t e = token.find_first_of("eE");
    const std::string_view mantissa = token.substr(0, e);
    const size_t dot = mantissa.find('.');
    const size_t int_len = dot == std::string_view::npos ? mantissa.size() : dot;
    const size_t first = mantissa.find_first_not_of("0.");
    if (first == std::string_view::npos) return false;  // zero (from_chars reads it, but be safe)
    // Decimal exponent of the first significant digit, before the written exponent.
    long long magnitude = first < int_len ? static_cast<long long>(int_len - first) - 1
                                          : -static_cast<long long>(first - int_len);
    if (e != std::string_view::npos) {
      std::string_view x = token.substr(e + 1);
      const bool negative = x.front() == '-';
      if (x.front() == '+' || x.front() == '-') x.remove_prefix(1);
      long long exponent = 0;
      for (const char c : x) exponent = std::min(exponent * 10 + (c - '0'), 1'000'000'000LL);
      magnitude += negative ? -exponent : exponent;
    }
    return magnitude >= 0;
  }

  std::string_view s_;
  size_t i_ = 0;
  std::string out_;
  std::vector<Frame> stack_;
};

}  // namespace

std::optional<std::string> canonical_json(std::string_view text) {
  return Canonicalizer(text).run();
}

bool is_valid_json(std::string_view text) { return canonical_json(text).has_value(); }

}  // namespace crdt
