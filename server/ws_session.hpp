// ws_session.hpp — one y-websocket client connection (WebSocket over TCP or TLS).
//
// Boost.Beast answers the upgrade; after that the session speaks the frame format itself
// (protocol/ws_frame.hpp) on the bare socket, because the broadcast path wants what Beast's stream
// cannot give: writing from the room's thread without a hop per receiver, and several frames in one
// system call. Reads, control frames, timers and the close handshake run on the session's strand
// (do_read → on_read, named handlers as in Beast's examples); the lifetime is carried by the
// pending operations (shared_from_this).
//
// Send path (the room's broadcast, any thread): the frame's header is built per receiver (2–10
// bytes) and queued beside the shared payload under a small mutex. When nothing is queued ahead
// of it, a plain-TCP session writes it at once with one non-blocking sendmsg on the calling
// thread; only when the socket is full does the rest wait for writability on the strand, and then
// every queued frame goes out in one gathered sendmsg. TLS sessions always write on the strand
// (SSL state is not thread-safe). When the queued bytes exceed --send-queue-bytes the peer is a
// slow consumer and is dropped, so one stuck client cannot grow server memory or slow the room.
//
// permessage-deflate (ws_deflate.hpp) is answered in the upgrade when the client offers it and
// --ws-deflate is on: a broadcast is compressed once (its receivers share the compressed frame),
// a compressed message from the client is inflated before the room sees it (beyond
// --max-message-bytes inflated: 4413; not deflate data: 1007).
//
// Reads are parsed as they arrive (ws_reader.hpp): a message larger than --max-message-bytes is
// refused with 4413 as soon as a frame header announces it, text frames with 1003, malformed frames
// with 1002. A connection sending more than --ws-rate-limit messages per second (beyond a burst of
// 10 s worth) is closed with 4429. Pings are answered; a peer silent for --idle-timeout-ms is
// pinged and then dropped. After bad input the session sends its close frame and half-closes at
// once; otherwise it waits (two timer ticks at most) for the peer's close frame, as the close
// handshake asks.
//
// Before joining a room the session is authorized on the blocking pool: the token of `?token=`
// must name an existing user and one of their current sign-ins (else close 4401), the document
// must exist (4404) and the user must have access (4403); viewers join read-only. The session
// keeps the token's sign-in (sign_in_id) so that revoking it closes the connection with 4401. Each
// admitted connection has a row in the sessions table from join to close. Nothing is read from the
// peer until the session has joined, so no frame can arrive before the room knows the connection's
// role.
#pragma once

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>

#include "protocol/ws_frame.hpp"
#include "server/connection.hpp"
#include "server/services.hpp"
#include "server/ws_reader.hpp"

namespace weft {

namespace ws = protocol::ws;

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
  int64_t sign_in_id() const override { return sign_in_id_; }

 private:
  static constexpr bool kPlain = std::is_same_v<Stream, boost::beast::tcp_stream>;
  // After the handshake: the bare socket for plain TCP, the TLS stream otherwise.
  using Io = std::conditional_t<kPlain, boost::asio::ip::tcp::socket, Stream>;
  using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

  // One frame waiting to be written: its header and the shared payload.
  struct Out {
    ws::Header header;
    Frame payload;
    size_t written = 0;  // bytes of header + payload already sent
    size_t size() const { return header.size + payload->size(); }
    // Calls add(data, size) for what is still to be written: the rest of the header, then the
    // rest of the payload.
    template <class Add>
    void unwritten(Add&& add) const {
      if (written < header.size) add(header.bytes.data() + written, header.size - written);
      const size_t from = written > header.size ? written - header.size : 0;
      if (payload->size() > from) add(payload->data() + from, payload->size() - from);
    }
  };
  enum class Flush { kDone, kBlocked, kError };

  boost::asio::ip::tcp::socket& lowest_socket();
  void on_accept(boost::beast::error_code ec, std::string target);
  void authorize(int64_t document_id, std::string token);
  // What authorization found (on the blocking pool), applied on the strand by on_authorized.
  struct Admission {
    uint16_t refusal = 0;  // a close code, 0 when admitted
    std::string reason;
    int64_t user_id = 0;
    int64_t sign_in_id = 0;
    Role role = Role::kViewer;
    int64_t session_id = 0;
    std::optional<ConnectionLimits::Slot> slot;  // this connection's share of the limits
  };
  void on_authorized(int64_t document_id, Admission a);
  void do_read();
  size_t read_size() const;  // how much to read next
  void on_read(boost::beast::error_code ec, size_t bytes);
  void parse_frames();
  void on_control(ws::Opcode op, const uint8_t* payload, size_t size);
  bool take_token();
  void deliver(crdt::Bytes message);
  // Bad input: the close frame, then a half-close without waiting for the peer's answer (the
  // rest of its stream is not worth reading, and may not even be frames).
  void fail(uint16_t code, std::string reason);
  std::chrono::milliseconds idle_timeout() const;  // --idle-timeout-ms, at least 2 ms
  void start_timer();
  void on_timer(boost::beast::error_code ec);

  // The write queue; every *_locked function runs with out_mutex_ held.
  // false: the session is closing or closed. `rsv1`: `payload` is compressed (permessage-deflate).
  bool queue_locked(ws::Opcode op, Frame payload, bool rsv1 = false);
  void queue_control(ws::Opcode op, Frame payload);  // on the strand
  void kick_locked();    // write now (plain) or schedule the strand to write
  Flush flush_locked();  // plain TCP: as much as the socket takes, without blocking
  void consume_locked(size_t bytes);
  void wait_writable();  // on the strand
  void on_writable(boost::beast::error_code ec);
  void tls_write();  // on the strand
  void on_tls_written(boost::beast::error_code ec, size_t bytes);
  void after_flush();  // on the strand, once the queue emptied: finish a sent close

  void do_close(uint16_t code, std::string reason);
  void drop();  // abrupt end: no close handshake (slow, silent or dead peer)
  void finish();
  void close_session_row();

  Services& services_;
  Strand strand_;
  boost::asio::steady_timer timer_;
  std::optional<boost::beast::websocket::stream<Stream>> handshake_;  // until the upgrade is done
  std::optional<Io> io_;                                              // from then on

  // Read side, on the strand.
  boost::beast::flat_buffer buffer_;
  WsReader reader_;  // the frame and the message in progress
  // Token bucket of --ws-rate-limit: whole messages, refilled continuously.
  double tokens_ = 0;
  std::chrono::steady_clock::time_point refilled_at_{};
  std::chrono::steady_clock::time_point heard_at_{};    // when the peer last sent anything
  std::chrono::steady_clock::time_point upgrade_at_{};  // the upgrade request (handshake metric)
  bool pinged_ = false;                                 // a ping went out and nothing arrived since
  bool closing_ = false;      // our close frame is queued (or sent): only the peer's close matters
  bool peer_closed_ = false;  // the peer's close frame arrived
  bool failed_ = false;       // closing because of bad input: half-close once the frame is out
  int close_ticks_ = 0;
  bool finished_ = false;

  // Write side, any thread, under out_mutex_.
  std::mutex out_mutex_;
  std::deque<Out> out_;
  size_t out_bytes_ = 0;     // queued bytes not yet written
  size_t out_pinned_ = 0;    // TLS: entries in the write in flight
  bool flushing_ = false;    // the strand owns the writing (blocked socket, or TLS write)
  bool out_closed_ = false;  // nothing more may be queued (close frame queued, or dropped)
  bool close_written_ = false;
  int fd_ = -1;  // plain TCP: the socket's descriptor while open

  std::atomic<Role> role_{Role::kViewer};
  int64_t user_id_ = 0;        // set once, before joining
  int64_t sign_in_id_ = 0;     // the token's sign-in; set with user_id_
  int64_t session_id_ = 0;     // the sessions row, 0 until opened
  std::string remote_ip_;      // for --max-connections-per-ip
  std::string forwarded_for_;  // the upgrade's X-Forwarded-For, until accepted
  bool deflate_ = false;       // permessage-deflate negotiated (set before joining, then only read)
  std::optional<ConnectionLimits::Slot> slot_;  // held while the session lives
  std::shared_ptr<Room> room_;
};

}  // namespace weft
