// ws_session.hpp — one y-websocket client connection (Boost.Beast websocket over TCP or TLS).
//
// The session owns its socket, read buffer and send queue; its lifetime is carried by the pending
// asynchronous operations (shared_from_this). Every handler runs on the session's strand. Reads
// are done piecewise so that a message larger than --max-message-bytes is refused with 4413 as
// soon as it crosses the limit, without buffering it. The send queue holds shared immutable
// frames; when its bytes exceed --send-queue-bytes the peer is a slow consumer and is dropped, so
// one stuck client cannot grow server memory or slow the room.
//
// Before joining a room the session is authorized on the blocking pool: the token of `?token=`
// must name an existing user (else close 4401), the document must exist (4404) and the user must
// have access (4403); viewers join read-only. Each admitted connection has a row in the sessions
// table from join to close. Nothing is read from the peer until the session has joined, so no
// frame can arrive before the room knows the connection's role.
#pragma once

#include <atomic>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <memory>
#include <optional>

#include "server/connection.hpp"
#include "server/services.hpp"

namespace weft {

class Room;

// Stream: boost::beast::tcp_stream, or boost::beast::ssl_stream<tcp_stream> for wss://.
template <class Stream>
class WsSession : public Connection, public std::enable_shared_from_this<WsSession<Stream>> {
 public:
  WsSession(Stream&& stream, Services& services);
  ~WsSession() override;

  // Completes the upgrade for `req` (target /ws/<document-id>) and starts the session.
  void run(boost::beast::http::request<boost::beast::http::string_body> req);

  void send(Frame frame) override;
  void close(uint16_t code, std::string reason) override;
  Role role() const override { return role_.load(std::memory_order_relaxed); }
  void set_role(Role role) override { role_.store(role, std::memory_order_relaxed); }
  int64_t user_id() const override { return user_id_; }

 private:
  void on_accept(boost::beast::error_code ec, std::string target);
  void authorize(int64_t document_id, std::string token);
  void on_authorized(int64_t document_id, uint16_t refusal, std::string reason);
  void do_read();
  void on_read(boost::beast::error_code ec, size_t bytes);
  void do_write();
  void on_write(boost::beast::error_code ec, size_t bytes);
  void do_close(uint16_t code, std::string reason);
  void start_close();
  void drop();  // abrupt end: no close handshake (slow or dead peer)
  void finish();
  void close_session_row();

  boost::beast::websocket::stream<Stream> ws_;
  Services& services_;
  boost::beast::flat_buffer buffer_;
  std::deque<Frame> queue_;
  size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;
  bool finished_ = false;
  std::optional<boost::beast::websocket::close_reason> pending_close_;
  std::atomic<Role> role_{Role::kViewer};
  int64_t user_id_ = 0;     // set once, before joining
  int64_t session_id_ = 0;  // the sessions row, 0 until opened
  std::shared_ptr<Room> room_;
};

}  // namespace weft
