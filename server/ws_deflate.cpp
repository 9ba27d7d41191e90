// ws_deflate.cpp — the offer's answer, and raw deflate through zlib with a deflater and an
// inflater per thread (reset for every message: no context takeover).
#include "server/ws_deflate.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

namespace weft::ws_deflate {

namespace {

constexpr int kWindowBits = 15;  // 32 KiB; negative in zlib's calls: raw deflate, no header
constexpr std::array<uint8_t, 4> kTail = {0x00, 0x00, 0xFF, 0xFF};  // §7.2.1

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether one offer ("permessage-deflate; p1; p2=v") can be kept as the header explains.
bool acceptable(std::string_view offer) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    const size_t semi = offer.find(';', start);
    parts.push_back(trim(offer.substr(start, semi - start)));
    if (semi == std::string_view::npos) break;
    start = semi + 1;
  }
  if (parts.front() != "permessage-deflate") return false;
  bool seen_server_nct = false, seen_client_nct = false, seen_server_bits = false,
       seen_client_bits = false;
  for (size_t i = 1; i < parts.size(); ++i) {
    std::string_view name = parts[i];
    std::string_view value;
    bool has_value = false;
    if (const size_t eq = name.find('='); eq != std::string_view::npos) {
      value = trim(name.substr(eq + 1));
      name = trim(name.substr(0, eq));
      has_value = true;
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
    }
    const auto bits = [&]() -> int {
      if (value.size() < 1 || value.size() > 2) return 0;
      int n = 0;
      for (const char ch : value) {
        if (ch < '0' || ch > '9') return 0;
        n = n * 10 + (ch - '0');
      }
      return n >= 8 && n <= 15 && value.front() != '0' ? n : 0;
    };
    const auto once = [](bool& seen) { return !std::exchange(seen, true); };
    if (name == "server_no_context_takeover") {
      if (has_value || !once(seen_server_nct)) return false;
    } else if (name == "client_no_context_takeover") {
      if (has_value || !once(seen_client_nct)) return false;
    } else if (name == "server_max_window_bits") {
      // The shared frames use a 32 KiB window: an offer asking for less is declined.
      if (!has_value || bits() != kWindowBits || !once(seen_server_bits)) return false;
    } else if (name == "client_max_window_bits") {
      // The client may use any window up to its bound; the inflater takes every size.
      if ((has_value && bits() == 0) || !once(seen_client_bits)) return false;
    } else {
      return false;
    }
  }
  return true;
}

struct Deflater {
  z_stream z{};
  Deflater() {
    // Level 1: the room's thread compresses a 20 MiB document's sync without stalling; text
    // still shrinks several times.
    if (deflateInit2(&z, 1, Z_DEFLATED, -kWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      throw std::runtime_error("deflateInit2 failed");
  }
  ~Deflater() { deflateEnd(&z); }
};

struct Inflater {
  z_stream z{};
  Inflater() {
    if (inflateInit2(&z, -kWindowBits) != Z_OK) throw std::runtime_error("inflateInit2 failed");
  }
  ~Inflater() { inflateEnd(&z); }
};

// The frames this thread compressed last, by identity of their payload (a weak pointer: an entry
// whose frame is gone never matches a new frame at the same address).
struct Remembered {
  std::weak_ptr<const crdt::Bytes> source;
  const crdt::Bytes* raw = nullptr;
  Frame compressed;  // nullptr: not worth compressing
};
constexpr size_t kRemembered = 8;

Frame deflate_now(const crdt::Bytes& in) {
  thread_local Deflater d;
  deflateReset(&d.z);
  crdt::Bytes out(deflateBound(&d.z, in.size()) + 16);
  d.z.next_in = const_cast<Bytef*>(in.data());
  d.z.avail_in = static_cast<uInt>(in.size());
  d.z.next_out = out.data();
  d.z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&d.z, Z_SYNC_FLUSH) != Z_OK || d.z.avail_in != 0) return nullptr;
  size_t n = out.size() - d.z.avail_out;
  // A sync flush ends with an empty stored block, 00 00 FF FF: the sender drops it (§7.2.1).
  if (n < 4 || !std::equal(kTail.begin(), kTail.end(), out.begin() + static_cast<ptrdiff_t>(n - 4)))
    return nullptr;
  n -= 4;
  if (n >= in.size()) return nullptr;
  out.resize(n);
  out.shrink_to_fit();
  return std::make_shared<const crdt::Bytes>(std::move(out));
}

}  // namespace

std::optional<std::string> accept(std::string_view offers) {
  // Offers are comma-separated (a quoted value holds no comma in any parameter defined here).
  for (size_t start = 0; start <= offers.size();) {
    const size_t comma = offers.find(',', start);
    const std::string_view offer = trim(offers.substr(start, comma - start));
    if (!offer.empty() && acceptable(offer))
      return "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return std::nullopt;
}

Frame compressed(const Frame& frame) {
  if (!frame || frame->size() < kMinBytes || frame->size() > uInt(-1) / 2) return nullptr;
  thread_local std::array<Remembered, kRemembered> remembered;
  thread_local size_t next = 0;
  for (const Remembered& r : remembered) {
    if (r.raw == frame.get() && r.source.lock() == frame) return r.compressed;
  }
  Frame out = deflate_now(*frame);
  remembered[next] = {frame, frame.get(), out};
  next = (next + 1) % kRemembered;
  return out;
}

Inflated inflate(crdt::ByteView message, size_t limit, crdt::Bytes& out) {
  thread_local Inflater f;
  inflateReset(&f.z);
  out.clear();
  if (message.size() > uInt(-1) / 2) return Inflated::kTooLarge;
  constexpr size_t kChunk = 64 * 1024;
  // The message, then the tail the sender removed.
  for (int part = 0; part < 2; ++part) {
    const crdt::ByteView in = part == 0 ? message : crdt::ByteView(kTail.data(), kTail.size());
    f.z.next_in = const_cast<Bytef*>(in.data());
    f.z.avail_in = static_cast<uInt>(in.size());
    // Until the input is used up and the output buffer was not filled (nothing left pending).
    do {
      const size_t have = out.size();
      const size_t room = std::min(kChunk, limit + 1 - have);
      out.resize(have + room);
      f.z.next_out = out.data() + have;
      f.z.avail_out = static_cast<uInt>(room);
      const int rc = ::inflate(&f.z, Z_SYNC_FLUSH);
      out.resize(have + (room - f.z.avail_out));
      if (out.size() > limit) return Inflated::kTooLarge;
      // A final block (BFINAL): nothing may follow it, and the tail is not needed.
      if (rc == Z_STREAM_END) return f.z.avail_in == 0 ? Inflated::kOk : Inflated::kBad;
      if (rc == Z_BUF_ERROR) {  // no progress: all input taken and no output pending
        if (f.z.avail_in != 0) return Inflated::kBad;
        break;
      }
      if (rc != Z_OK) return Inflated::kBad;
    } while (f.z.avail_in > 0 || f.z.avail_out == 0);
  }
  return Inflated::kOk;
}

}  // namespace weft::ws_deflate
