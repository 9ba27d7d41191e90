// redis_address.hpp — where Redis is, from --redis: one server, or several nodes of a Redis
// Cluster (comma-separated; any one of them is enough to discover the rest).
#pragma once

#include <string>
#include <vector>

namespace bus {

struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string username{};  // Redis 6 ACL user (empty: the default user)
  std::string password{};  // sent with AUTH on every connection when set
};

// Parses redis://[[user]:password@]host[:port][/db] (%XX escapes in the user and password; the db
// is accepted and ignored: pub/sub is not per database). Throws std::invalid_argument for
// anything else, with a message that never repeats the password.
RedisAddress parse_redis_url(const std::string& url);

// Parses --redis: one URL as above, or comma-separated nodes, each a redis:// URL or a bare
// host[:port] that takes the first node's credentials:
//   redis://:pw@10.0.0.1:7000,10.0.0.2:7000,10.0.0.3:7000
// (a comma in a password must be written %2C). Throws as parse_redis_url does.
std::vector<RedisAddress> parse_redis_nodes(const std::string& list);

}  // namespace bus
