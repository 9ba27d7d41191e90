// payload.cpp — benchmark markers in update text (payload.hpp).
#include "bench/load/payload.hpp"

#include <cstring>

namespace bench {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void put_hex(std::u16string& out, uint64_t v, int digits) {
  for (int i = digits - 1; i >= 0; --i)
    out.push_back(static_cast<char16_t>(kHex[(v >> (4 * i)) & 0xf]));
}

bool read_hex(const uint8_t* p, int digits, uint64_t& out) {
  out = 0;
  for (int i = 0; i < digits; ++i) {
    const uint8_t c = p[i];
    uint64_t d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return false;
    }
    out = (out << 4) | d;
  }
  return true;
}

}  // namespace

std::u16string make_marker(const Marker& m) {
  std::u16string s;
  s.reserve(kMarkerLength);
  s.push_back(u'#');
  put_hex(s, m.sender, 8);
  put_hex(s, m.seq, 8);
  put_hex(s, static_cast<uint64_t>(m.sent_us), 12);
  s.push_back(u'\n');
  return s;
}

size_t scan_markers(crdt::ByteView bytes, const std::function<void(const Marker&)>& fn) {
  size_t found = 0;
  const uint8_t* p = bytes.data();
  const uint8_t* end = p + bytes.size();
  while (end - p >= static_cast<ptrdiff_t>(kMarkerLength)) {
    const void* hash = std::memchr(p, '#', static_cast<size_t>(end - p) - kMarkerLength + 1);
    if (!hash) break;
    p = static_cast<const uint8_t*>(hash);
    uint64_t sender, seq, sent;
    if (p[kMarkerLength - 1] == '\n' && read_hex(p + 1, 8, sender) && read_hex(p + 9, 8, seq) &&
        read_hex(p + 17, 12, sent)) {
      fn(Marker{static_cast<uint32_t>(sender), static_cast<uint32_t>(seq),
                static_cast<int64_t>(sent)});
      ++found;
      p += kMarkerLength;
    } else {
      ++p;
    }
  }
  return found;
}

}  // namespace bench
