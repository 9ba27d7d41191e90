// connection.cpp — connect, AUTH, the write queue, the read loop and the order of replies.
#include "bus/redis/connection.hpp"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <cctype>

namespace bus::redis {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// The kinds of pub/sub pushes (RESP2: arrays whose first element names them).
bool is_push_kind(std::string_view kind) {
  static constexpr std::string_view kKinds[] = {"message",     "smessage",     "pmessage",
                                                "subscribe",   "ssubscribe",   "psubscribe",
                                                "unsubscribe", "sunsubscribe", "punsubscribe"};
  for (std::string_view k : kKinds) {
    if (kind.size() == k.size() &&
        std::equal(kind.begin(), kind.end(), k.begin(),
                   [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; }))
      return true;
  }
  return false;
}

}  // namespace

std::shared_ptr<Connection> Connection::open(Strand strand, RedisAddress address,
                                             Handlers handlers) {
  std::shared_ptr<Connection> c(
      new Connection(std::move(strand), std::move(address), std::move(handlers)));
  asio::post(c->strand_, [c] { c->start(); });
  return c;
}

Connection::Connection(Strand strand, RedisAddress address, Handlers handlers)
    : strand_(std::move(strand)),
      address_(std::move(address)),
      handlers_(std::move(handlers)),
      resolver_(strand_),
      socket_(strand_),
      connect_timer_(strand_),
      reader_(redisReaderCreate()) {}

Connection::~Connection() { redisReaderFree(reader_); }

void Connection::start() {
  if (closed_) return;
  connect_timer_.expires_after(kConnectTimeout);
  connect_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec && !self->connected_) self->fail("connect timed out");
  });
  resolver_.async_resolve(
      address_.host, std::to_string(address_.port),
      [self = shared_from_this()](boost::system::error_code ec, tcp::resolver::results_type r) {
        if (self->closed_) return;
        if (ec) return self->fail("cannot resolve the host");
        asio::async_connect(self->socket_, r,
                            [self](boost::system::error_code ec, const tcp::endpoint&) {
                              if (self->closed_) return;
                              if (ec) return self->fail(ec.message());
                              self->on_connected();
                            });
      });
}

void Connection::on_connected() {
  connected_ = true;
  connect_timer_.cancel();
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  read();
  if (address_.password.empty()) {
    up_ = true;
    flush();
    if (handlers_.on_up) handlers_.on_up();
    return;
  }
  // AUTH goes first, ahead of anything queued before the connection was up.
  std::string queued = std::move(outbox_);
  std::deque<OnReply> queued_replies = std::move(waiting_);
  outbox_.clear();
  waiting_.clear();
  const auto on_auth = [this](const redisReply* reply) {
    if (reply == nullptr) return;
    if (reply->type == REDIS_REPLY_ERROR) {
      // The reply names no secret ("WRONGPASS invalid username-password pair…").
      spdlog::error("redis refused the credentials of --redis ({}:{}): {}", address_.host,
                    address_.port, std::string_view(reply->str, reply->len));
      return fail("authentication refused");
    }
    up_ = true;
    if (handlers_.on_up) handlers_.on_up();
  };
  if (address_.username.empty()) {
    command({"AUTH", address_.password}, on_auth);
  } else {
    command({"AUTH", address_.username, address_.password}, on_auth);
  }
  outbox_ += queued;
  for (auto& r : queued_replies) waiting_.push_back(std::move(r));
  flush();
}

void Connection::append(std::initializer_list<std::string_view> args) {
  outbox_ += '*';
  outbox_ += std::to_string(args.size());
  outbox_ += "\r\n";
  for (std::string_view a : args) {
    outbox_ += '$';
    outbox_ += std::to_string(a.size());
    outbox_ += "\r\n";
    outbox_ += a;
    outbox_ += "\r\n";
  }
}

void Connection::command(std::initializer_list<std::string_view> args, OnReply on_reply) {
  if (closed_) {
    if (on_reply) on_reply(nullptr);
    return;
  }
  append(args);
  waiting_.push_back(std::move(on_reply));
  flush();
}

void Connection::subscription(std::string_view verb, std::string_view channel) {
  if (closed_) return;
  subscribed_ = true;
  append({verb, channel});
  flush();
}

void Connection::flush() {
  if (!connected_ || closed_ || !inflight_.empty() || outbox_.empty()) return;
  inflight_.swap(outbox_);
  asio::async_write(socket_, asio::buffer(inflight_),
                    [self = shared_from_this()](boost::system::error_code ec, size_t) {
                      if (self->closed_) return;
                      if (ec) return self->fail(ec.message());
                      self->inflight_.clear();
                      self->flush();
                    });
}

void Connection::read() {
  socket_.async_read_some(
      asio::buffer(in_), [self = shared_from_this()](boost::system::error_code ec, size_t n) {
        if (self->closed_) return;
        if (ec) return self->fail(ec == asio::error::eof ? "closed by the server" : ec.message());
        if (redisReaderFeed(self->reader_, self->in_.data(), n) != REDIS_OK)
          return self->fail("cannot buffer the reply");
        for (;;) {
          void* parsed = nullptr;
          if (redisReaderGetReply(self->reader_, &parsed) != REDIS_OK)
            return self->fail("malformed reply");
          if (parsed == nullptr) break;
          const std::unique_ptr<redisReply, void (*)(void*)> reply(static_cast<redisReply*>(parsed),
                                                                   freeReplyObject);
          self->dispatch(*reply);
          if (self->closed_) return;
        }
        self->read();
      });
}

void Connection::dispatch(const redisReply& reply) {
  if (subscribed_ && reply.type == REDIS_REPLY_ARRAY && reply.elements >= 2 &&
      reply.element[0]->type == REDIS_REPLY_STRING &&
      is_push_kind(std::string_view(reply.element[0]->str, reply.element[0]->len))) {
    if (handlers_.on_push) handlers_.on_push(reply);
    return;
  }
  if (waiting_.empty()) {
    if (reply.type == REDIS_REPLY_ERROR) {
      spdlog::warn("redis {}:{}: {}", address_.host, address_.port,
                   std::string_view(reply.str, reply.len));
      fail("refused a subscription");
    }
    return;
  }
  OnReply on_reply = std::move(waiting_.front());
  waiting_.pop_front();
  if (on_reply) on_reply(&reply);
}

void Connection::fail(std::string_view why) {
  if (closed_) return;
  spdlog::debug("redis {}:{}: connection lost: {}", address_.host, address_.port, why);
  auto on_lost = std::move(handlers_.on_lost);
  close();
  if (on_lost) on_lost();
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  up_ = false;
  handlers_ = {};
  connect_timer_.cancel();
  resolver_.cancel();
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  std::deque<OnReply> waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& r : waiting) {
    if (r) r(nullptr);
  }
}

}  // namespace bus::redis
