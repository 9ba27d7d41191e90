// connection.hpp — one connection to one Redis server: an Asio TCP socket, RESP written here and
// read by hiredis's reply parser (redisReader). hiredis's own asynchronous client cannot take
// sharded pub/sub (0.14, Debian's, aborts on an `smessage` it does not expect), and a connection
// of our own is small: a write queue, a read loop, and the replies handed out in order.
//
// A Connection is one attempt: it connects (resolving the host, with a timeout), authenticates
// when a password is set, and is up until it is lost or closed; reconnecting means opening a new
// one. Its handlers and every method run on the strand it was given, and it keeps itself alive
// (shared_from_this) while an operation is pending, so dropping the last reference is safe at any
// time: after close() no handler is called.
//
// Replies: every command() gets exactly one, in order. The confirmations of subscription()
// commands ((S)SUBSCRIBE, (S)UNSUBSCRIBE) and the messages that follow are pushes (on_push), told
// apart by their first element; an error with no command waiting for it (a refused SSUBSCRIBE:
// MOVED while a slot migrates) is logged and loses the connection, so that its owner starts over
// with a fresh view of the cluster.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <deque>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "bus/redis/redis_address.hpp"

struct redisReader;
struct redisReply;

namespace bus::redis {

using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // nullptr when the connection went before the reply came.
  using OnReply = std::function<void(const redisReply* reply)>;
  struct Handlers {
    std::function<void()> on_up;    // connected (and AUTH accepted, with a password)
    std::function<void()> on_lost;  // could not connect, or lost; once, and never after close()
    std::function<void(const redisReply& push)> on_push;
  };

  static std::shared_ptr<Connection> open(Strand strand, RedisAddress address, Handlers handlers);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Binary-safe arguments. Sent once up (queued before that).
  void command(std::initializer_list<std::string_view> args, OnReply on_reply = {});
  // A (S)SUBSCRIBE or (S)UNSUBSCRIBE of one channel: answered by a push, not a reply.
  void subscription(std::string_view verb, std::string_view channel);
  // No handler is called afterwards; replies still awaited get nullptr.
  void close();
  bool up() const { return up_; }
  const RedisAddress& address() const { return address_; }

  static constexpr auto kConnectTimeout = std::chrono::seconds(3);

 private:
  Connection(Strand strand, RedisAddress address, Handlers handlers);
  void start();
  void on_connected();
  void read();
  void flush();
  void dispatch(const redisReply& reply);
  void fail(std::string_view why);
  void append(std::initializer_list<std::string_view> args);

  Strand strand_;
  const RedisAddress address_;
  Handlers handlers_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer connect_timer_;
  redisReader* reader_;
  std::string outbox_;    // formatted commands not yet handed to the socket
  std::string inflight_;  // being written
  std::deque<OnReply> waiting_;
  std::array<char, 16384> in_{};
  bool connected_ = false;  // TCP up (AUTH may still be pending)
  bool up_ = false;
  bool subscribed_ = false;  // a subscription() was sent: array replies may be pushes
  bool closed_ = false;
};

}  // namespace bus::redis
