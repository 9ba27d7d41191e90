// ws_session.cpp — accept, read loop, send queue and closing of a WebSocket connection.
#include "server/ws_session.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <utility>

#include "server/api.hpp"
#include "server/room.hpp"
#include "server/room_registry.hpp"
#include "server/url.hpp"

namespace weft {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

// "/ws/123?token=…" → 123; 0 when the id is not a positive integer.
int64_t document_id_of(std::string_view target) {
  target.remove_prefix(std::string_view("/ws/").size());
  target = target.substr(0, target.find('?'));
  int64_t id = 0;
  const auto [ptr, ec] = std::from_chars(target.data(), target.data() + target.size(), id);
  if (ec != std::errc() || ptr != target.data() + target.size() || id <= 0) return 0;
  return id;
}

constexpr size_t kReadChunk = 64 * 1024;

}  // namespace

template <class Stream>
WsSession<Stream>::WsSession(Stream&& stream, Services& services)
    : ws_(std::move(stream)), services_(services) {}

template <class Stream>
WsSession<Stream>::~WsSession() = default;

template <class Stream>
void WsSession<Stream>::run(beast::http::request<beast::http::string_body> req) {
  beast::get_lowest_layer(ws_).expires_never();  // the websocket timeouts take over
  websocket::stream_base::timeout timeout{};
  timeout.handshake_timeout = std::chrono::seconds(30);
  timeout.idle_timeout = std::chrono::milliseconds(services_.config.idle_timeout_ms);
  timeout.keep_alive_pings = true;
  ws_.set_option(timeout);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(beast::http::field::server, "weft"); }));
  ws_.read_message_max(0);  // enforced in on_read, to answer with 4413
  ws_.binary(true);
  std::string target(req.target());
  ws_.async_accept(req,
                   [self = this->shared_from_this(), target = std::move(target)](
                       beast::error_code ec) mutable { self->on_accept(ec, std::move(target)); });
}

template <class Stream>
void WsSession<Stream>::on_accept(beast::error_code ec, std::string target) {
  if (ec) return;
  services_.metrics.connections.fetch_add(1, std::memory_order_relaxed);
  services_.metrics.connections_total.fetch_add(1, std::memory_order_relaxed);
  const int64_t id = document_id_of(target);
  if (id == 0) {
    do_close(close_code::kNotFound, "no such document");
    do_read();
    return;
  }
  authorize(id, query_param(target, "token").value_or(""));
}

// On the blocking pool: who is this, and what may they do with the document?
template <class Stream>
void WsSession<Stream>::authorize(int64_t document_id, std::string token) {
  asio::post(
      services_.blocking, [self = this->shared_from_this(), document_id, token = std::move(token)] {
        uint16_t refusal = 0;
        std::string reason;
        try {
          const auto user = authenticate(self->services_, token);
          const auto access =
              user ? self->services_.accounts.access(document_id, user->id) : std::nullopt;
          const auto role = access ? role_for(*access) : std::nullopt;
          if (!user) {
            refusal = close_code::kUnauthorized;
            reason = token.empty() ? "sign in first" : "invalid or expired token";
          } else if (!access) {
            refusal = close_code::kNotFound;
            reason = "no such document";
          } else if (!role) {
            refusal = close_code::kForbidden;
            reason = "no access to this document";
          } else {
            self->user_id_ = user->id;
            self->role_.store(*role, std::memory_order_relaxed);
            self->session_id_ = self->services_.accounts.open_session(document_id, user->id,
                                                                      self->services_.instance_id);
          }
        } catch (const std::exception& e) {
          spdlog::error("document {}: authorizing a connection failed: {}", document_id, e.what());
          refusal = 1011;
          reason = "internal error";
        }
        asio::post(self->ws_.get_executor(),
                   [self, document_id, refusal, reason = std::move(reason)]() mutable {
                     self->on_authorized(document_id, refusal, std::move(reason));
                   });
      });
}

template <class Stream>
void WsSession<Stream>::on_authorized(int64_t document_id, uint16_t refusal, std::string reason) {
  if (refusal != 0) {
    if (refusal == close_code::kUnauthorized || refusal == close_code::kForbidden)
      services_.metrics.rejected_connections.fetch_add(1, std::memory_order_relaxed);
    do_close(refusal, std::move(reason));
    do_read();
    return;
  }
  if (finished_) {  // dropped meanwhile
    close_session_row();
    return;
  }
  room_ = services_.rooms.acquire(document_id);
  room_->join(this->shared_from_this());
  do_read();
}

template <class Stream>
void WsSession<Stream>::do_read() {
  ws_.async_read_some(
      buffer_, kReadChunk,
      [self = this->shared_from_this()](beast::error_code ec, size_t n) { self->on_read(ec, n); });
}

template <class Stream>
void WsSession<Stream>::on_read(beast::error_code ec, size_t) {
  if (ec) {
    finish();
    return;
  }
  if (closing_) {  // keep reading until the peer answers our close
    buffer_.consume(buffer_.size());
    do_read();
    return;
  }
  if (buffer_.size() > services_.config.max_message_bytes) {
    services_.metrics.rejected_messages.fetch_add(1, std::memory_order_relaxed);
    buffer_.consume(buffer_.size());
    do_close(close_code::kTooLarge, "message too large");
    do_read();
    return;
  }
  if (!ws_.is_message_done()) {
    do_read();
    return;
  }
  services_.metrics.messages_received.fetch_add(1, std::memory_order_relaxed);
  services_.metrics.bytes_received.fetch_add(buffer_.size(), std::memory_order_relaxed);
  if (!ws_.got_binary()) {
    services_.metrics.rejected_messages.fetch_add(1, std::memory_order_relaxed);
    buffer_.consume(buffer_.size());
    do_close(close_code::kUnsupported, "text frames are not supported");
    do_read();
    return;
  }
  const auto data = static_cast<const uint8_t*>(buffer_.data().data());
  auto frame = std::make_shared<const crdt::Bytes>(data, data + buffer_.size());
  buffer_.consume(buffer_.size());
  if (room_) room_->receive(this->shared_from_this(), std::move(frame));
  do_read();
}

template <class Stream>
void WsSession<Stream>::send(Frame frame) {
  asio::post(ws_.get_executor(), [self = this->shared_from_this(), frame = std::move(frame)] {
    if (self->closing_ || self->finished_) return;
    // The frame being written does not count: a single frame larger than the limit (the sync of a
    // big document) still goes through when nothing else is waiting.
    const size_t in_flight = self->writing_ ? self->queue_.front()->size() : 0;
    const size_t backlog = self->queued_bytes_ - in_flight;
    if (backlog > 0 && backlog + frame->size() > self->services_.config.send_queue_bytes) {
      self->services_.metrics.slow_consumer_disconnects.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("dropping a slow consumer ({} bytes queued)", self->queued_bytes_);
      self->drop();
      return;
    }
    self->queued_bytes_ += frame->size();
    self->queue_.push_back(std::move(frame));
    if (!self->writing_) self->do_write();
  });
}

template <class Stream>
void WsSession<Stream>::do_write() {
  writing_ = true;
  // The handler holds the frame too: drop() may clear the queue while the write is in flight.
  Frame frame = queue_.front();
  ws_.async_write(asio::buffer(*frame),
                  [self = this->shared_from_this(), frame](beast::error_code ec, size_t n) {
                    self->on_write(ec, n);
                  });
}

template <class Stream>
void WsSession<Stream>::on_write(beast::error_code ec, size_t bytes) {
  writing_ = false;
  if (finished_) return;  // dropped while this write was in flight
  if (ec) {
    drop();
    return;
  }
  services_.metrics.messages_sent.fetch_add(1, std::memory_order_relaxed);
  services_.metrics.bytes_sent.fetch_add(bytes, std::memory_order_relaxed);
  queued_bytes_ -= queue_.front()->size();
  queue_.pop_front();
  if (closing_) {
    if (pending_close_) start_close();
  } else if (!queue_.empty()) {
    do_write();
  }
}

template <class Stream>
void WsSession<Stream>::close(uint16_t code, std::string reason) {
  asio::post(ws_.get_executor(),
             [self = this->shared_from_this(), code, reason = std::move(reason)]() mutable {
               self->do_close(code, std::move(reason));
             });
}

template <class Stream>
void WsSession<Stream>::do_close(uint16_t code, std::string reason) {
  if (closing_ || finished_) return;
  closing_ = true;
  // Frames not yet started are dropped; one in flight finishes before the close frame.
  while (queue_.size() > (writing_ ? 1u : 0u)) {
    queued_bytes_ -= queue_.back()->size();
    queue_.pop_back();
  }
  if (reason.size() > 120) reason.resize(120);  // a close frame's payload is at most 125 bytes
  pending_close_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
  if (!writing_) start_close();
}

template <class Stream>
void WsSession<Stream>::start_close() {
  ws_.async_close(*pending_close_, [self = this->shared_from_this()](beast::error_code ec) {
    if (ec) self->finish();  // otherwise the read loop ends when the peer answers
  });
}

template <class Stream>
void WsSession<Stream>::drop() {
  closing_ = true;
  pending_close_.reset();
  queue_.clear();
  queued_bytes_ = 0;
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(ws_).close();
  finish();
}

template <class Stream>
void WsSession<Stream>::finish() {
  if (finished_) return;
  finished_ = true;
  services_.metrics.connections.fetch_sub(1, std::memory_order_relaxed);
  if (room_) {
    room_->leave(this->shared_from_this());
    services_.rooms.release(room_);
  }
  close_session_row();
}

template <class Stream>
void WsSession<Stream>::close_session_row() {
  if (session_id_ != 0) {
    asio::post(services_.blocking, [&services = services_, id = std::exchange(session_id_, 0)] {
      try {
        services.accounts.close_session(id);
      } catch (const std::exception& e) {
        spdlog::warn("closing session row {} failed: {}", id, e.what());
      }
    });
  }
}

template class WsSession<beast::tcp_stream>;
template class WsSession<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace weft
