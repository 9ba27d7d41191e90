// client_address.hpp — who a request comes from when it arrives through proxies
// (--trusted-proxies).
//
// Behind nginx or a Kubernetes ingress every connection's peer is the proxy, so the limits that
// count by address (--max-connections-per-ip, the login and API rate limits) would count the
// proxy: one instance would take at most 512 WebSockets in all, and ten failed logins a minute
// from anyone would lock everyone out. A peer inside a trusted network is a proxy: the client is
// then the rightmost X-Forwarded-For entry that is not itself a trusted proxy (each proxy
// appends the address it saw; entries further left are the client's to write, so they count only
// while every hop to their right is trusted). Without trusted proxies (the default) the header is
// ignored: anyone could write it.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace weft {

class TrustedProxies {
 public:
  TrustedProxies() = default;
  // A comma-separated list of addresses and CIDR networks ("10.0.0.0/8, 127.0.0.1, fd00::/8").
  // Throws std::invalid_argument naming the entry that is neither.
  static TrustedProxies parse(std::string_view list);

  bool empty() const { return nets_.empty(); }
  bool contains(const boost::asio::ip::address& address) const;
  // The client's address for a request from `peer` carrying `forwarded_for` (every
  // X-Forwarded-For header, joined with commas; empty when there was none).
  std::string client(const boost::asio::ip::address& peer, std::string_view forwarded_for) const;

 private:
  struct Net {
    boost::asio::ip::address base;  // IPv4 for IPv4 networks (mapped IPv6 peers are unmapped)
    unsigned prefix;
  };
  std::vector<Net> nets_;
};

// Every X-Forwarded-For header of `fields` (a Beast request's), joined with commas in order.
template <class Fields>
std::string forwarded_for(const Fields& fields) {
  std::string out;
  const auto [first, last] = fields.equal_range("X-Forwarded-For");
  for (auto it = first; it != last; ++it) {
    if (!out.empty()) out += ',';
    out.append(it->value().data(), it->value().size());
  }
  return out;
}

}  // namespace weft
