// client_address.cpp — trusted proxies and X-Forwarded-For (see client_address.hpp).
#include "server/client_address.hpp"

#include <array>
#include <charconv>
#include <optional>
#include <stdexcept>

namespace weft {

namespace {

namespace ip = boost::asio::ip;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// An IPv4 address in IPv6 clothing (::ffff:a.b.c.d, as a dual-stack socket reports it) is IPv4.
ip::address unmapped(const ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  return a;
}

std::optional<ip::address> parse_address(std::string_view text) {
  boost::system::error_code ec;
  const ip::address a = ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  return unmapped(a);
}

template <size_t N>
bool same_prefix(const std::array<unsigned char, N>& a, const std::array<unsigned char, N>& b,
                 unsigned bits) {
  for (size_t i = 0; i < N && bits > 0; ++i) {
    const unsigned take = bits >= 8 ? 8 : bits;
    const auto mask = static_cast<unsigned char>(0xff << (8 - take));
    if ((a[i] & mask) != (b[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

}  // namespace

TrustedProxies TrustedProxies::parse(std::string_view list) {
  TrustedProxies out;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view entry = trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (entry.empty()) continue;
    const size_t slash = entry.find('/');
    const auto base = parse_address(entry.substr(0, slash));
    if (!base) {
      throw std::invalid_argument("\"" + std::string(entry) +
                                  "\" is not an IP address or CIDR network");
    }
    const unsigned max = base->is_v4() ? 32 : 128;
    unsigned prefix = max;
    if (slash != std::string_view::npos) {
      const std::string_view bits = entry.substr(slash + 1);
      const auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
      if (ec != std::errc() || end != bits.data() + bits.size() || bits.empty() || prefix > max) {
        throw std::invalid_argument("\"" + std::string(entry) + "\": the prefix length must be 0–" +
                                    std::to_string(max));
      }
    }
    out.nets_.push_back({*base, prefix});
  }
  return out;
}

bool TrustedProxies::contains(const ip::address& address) const {
  const ip::address a = unmapped(address);
  for (const Net& n : nets_) {
    if (a.is_v4() && n.base.is_v4()) {
      if (same_prefix(a.to_v4().to_bytes(), n.base.to_v4().to_bytes(), n.prefix)) return true;
    } else if (a.is_v6() && n.base.is_v6()) {
      if (same_prefix(a.to_v6().to_bytes(), n.base.to_v6().to_bytes(), n.prefix)) return true;
    }
  }
  return false;
}

std::string TrustedProxies::client(const ip::address& peer, std::string_view forwarded_for) const {
  ip::address client = unmapped(peer);
  if (!contains(client)) return client.to_string();
  // From the right: each entry was appended by the hop to its right, trusted so far.
  while (!forwarded_for.empty()) {
    const size_t comma = forwarded_for.rfind(',');
    const std::string_view entry =
        trim(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
    forwarded_for =
        comma == std::string_view::npos ? std::string_view() : forwarded_for.substr(0, comma);
    const auto hop = parse_address(entry);
    if (!hop) break;  // not an address (a typo, "unknown", a port): the last good hop stands
    client = *hop;
    if (!contains(client)) break;
  }
  return client.to_string();
}

}  // namespace weft
