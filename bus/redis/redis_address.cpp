// redis_address.cpp — parsing --redis.
#include "bus/redis/redis_address.hpp"

#include <charconv>
#include <stdexcept>
#include <string_view>

namespace bus {

namespace {

// %XX escapes of a URL's user and password ("p%40ss" → "p@ss").
std::string url_decode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    int value = 0;
    const char* first = in.data() + i + 1;
    const auto [ptr, ec] = i + 2 < in.size()
                               ? std::from_chars(first, first + 2, value, 16)
                               : std::from_chars_result{first, std::errc::invalid_argument};
    if (ec != std::errc() || ptr != first + 2)
      throw std::invalid_argument("bad %-escape in the user or password of --redis");
    out.push_back(static_cast<char>(value));
    i += 2;
  }
  return out;
}

}  // namespace

RedisAddress parse_redis_url(const std::string& url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.rfind(kScheme, 0) != 0)
    throw std::invalid_argument("expected redis://[[user]:password@]host[:port][/db]");
  std::string_view rest = std::string_view(url).substr(kScheme.size());
  rest = rest.substr(0, rest.find('/'));
  RedisAddress address;
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const size_t colon = userinfo.find(':');
    address.username = url_decode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) address.password = url_decode(userinfo.substr(colon + 1));
  }
  // Error messages name the host part only: the URL may hold a password.
  const std::string shown(rest);
  const size_t colon = rest.rfind(':');
  address.host = std::string(rest.substr(0, colon));
  if (colon != std::string_view::npos) {
    const std::string_view port = rest.substr(colon + 1);
    int value = 0;
    const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || ptr != port.data() + port.size() || value <= 0 || value > 65535)
      throw std::invalid_argument("bad port in redis://…" + shown);
    address.port = value;
  }
  if (address.host.empty()) throw std::invalid_argument("no host in --redis");
  return address;
}

std::vector<RedisAddress> parse_redis_nodes(const std::string& list) {
  std::vector<RedisAddress> nodes;
  size_t from = 0;
  for (;;) {
    const size_t comma = list.find(',', from);
    std::string part =
        list.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
    while (!part.empty() && part.front() == ' ') part.erase(part.begin());
    while (!part.empty() && part.back() == ' ') part.pop_back();
    if (part.empty()) throw std::invalid_argument("an empty node in --redis");
    if (nodes.empty() || part.rfind("redis://", 0) == 0) {
      nodes.push_back(parse_redis_url(part));
    } else {
      RedisAddress node = parse_redis_url("redis://" + part);
      if (!node.username.empty() || !node.password.empty())
        throw std::invalid_argument("credentials in a node of --redis without redis://");
      node.username = nodes.front().username;
      node.password = nodes.front().password;
      nodes.push_back(std::move(node));
    }
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  return nodes;
}

}  // namespace bus
