// connection.hpp — one simulated editor: a WebSocket client that speaks y-websocket (or
// Hocuspocus's dialect) to the server under test and edits through its own crdt::Doc.
//
// Life: connect from a chosen loopback source address → WebSocket handshake → (Hocuspocus:
// authenticate the document) → sync step 1 with an empty state vector → the server's sync step 2
// marks the connection *synced* (connect-to-synced is the handshake time). A server's sync step 1
// is answered with step 2 of the local doc, as y-websocket clients do. Every later frame is handed
// to the Events owner as an update (sync update, or a step 2 asked for with request_state()).
//
// Threading: everything runs on one io_context driven by one thread (the Runner's), so there are
// no locks; the pending asynchronous read or write holds the connection (shared_from_this), as in
// Beast's client examples. Writes go through a queue of shared frames, one async_write at a time.
//
// The WebSocket layer is written out here (upgrade request, masked client frames, parsing the
// server's unmasked frames, answering pings) rather than taken from Beast: the generator's own
// cost per delivery is part of every latency it reports (one thread reads all deliveries), and
// Beast's read path was a third of it. Its frames are read straight from the socket buffer.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "bench/load/dialect.hpp"
#include "crdt/doc.hpp"
#include "protocol/ws_frame.hpp"

namespace bench {

class Connection;

// What a connection reports to its owner. All calls come from the event-loop thread.
class ConnectionEvents {
 public:
  virtual ~ConnectionEvents() = default;
  // The answer to the first sync step 1 arrived: `state` is the server's whole document.
  virtual void on_synced(Connection& c, crdt::ByteView state) = 0;
  // A document update (sync update, or sync step 2 after the first) from the server.
  virtual void on_update(Connection& c, crdt::ByteView update, bool is_state) = 0;
  // The connection failed or was closed; `why` says by whom and with which code.
  virtual void on_closed(Connection& c, const std::string& why) = 0;
  // An awareness update from the server (the soak's cursors; other scenarios ignore them).
  virtual void on_awareness(Connection& /*c*/, crdt::ByteView /*update*/) {}
};

struct Endpoint {
  std::string host;                     // for the Host header
  boost::asio::ip::tcp::endpoint addr;  // the server
  boost::asio::ip::address source;      // local address to bind (127.0.0.x)
  std::string target;                   // request target, e.g. /ws/12?token=…
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Clock = std::chrono::steady_clock;
  enum class State { kIdle, kConnecting, kSyncing, kSynced, kClosed };

  Connection(boost::asio::io_context& io, ConnectionEvents& events, uint32_t index, uint32_t doc,
             Wire wire, std::string token);

  void start(Endpoint endpoint);
  // A reconnection: this connection continues `previous` (closed), taking its document — so it
  // answers the server's sync step 1 with the edits the server lacks, as a y-websocket provider
  // does — and its counters. Call before start().
  void continue_from(Connection& previous);
  // The state vector of the first sync step 1 (default: empty, i.e. "send me everything"). A
  // reconnecting client names what it already received, and gets only the rest.
  void set_sync_state_vector(crdt::Bytes state_vector) { sync_sv_ = std::move(state_vector); }
  // Inserts `text` at the end of this client's Y.Text `content` and sends the update. Returns the
  // update's size in bytes (0 when the connection is not synced).
  size_t send_insert(std::u16string_view text) { return send_edit(text, 0); }
  // One transaction: deletes the first `delete_front` characters of this client's own text, then
  // appends `text`; sends the update. Returns its size (0 when not synced).
  size_t send_edit(std::u16string_view text, uint64_t delete_front);
  // Sends an awareness update (protocol::Awareness::encode_state) when synced.
  void send_awareness(crdt::ByteView update);
  // Asks the server for its whole document (sync step 1, empty state vector); the answer arrives as
  // on_update(…, is_state = true).
  void request_state();
  void close();

  uint32_t index() const { return index_; }
  uint32_t doc() const { return doc_; }
  State state() const { return state_; }
  Clock::time_point started_at() const { return started_at_; }
  Clock::time_point synced_at() const { return synced_at_; }
  const Endpoint& endpoint() const { return endpoint_; }
  // The Yjs client id of this client's edits (0 before the first edit).
  uint64_t yjs_client() const { return doc_state_ ? doc_state_->client_id() : 0; }
  // UTF-16 length of this client's own text.
  uint64_t text_length() const { return text_length_; }

  // Counters the owner reads and resets.
  uint64_t received = 0;  // markers from other clients delivered to this one
  uint64_t sent = 0;      // updates this client sent
  uint32_t next_seq = 0;  // sequence number of this client's next marker (never reset)

 private:
  void on_connect(boost::beast::error_code ec);
  void on_handshake();
  void do_read();
  void on_read(boost::beast::error_code ec, size_t bytes);
  bool read_upgrade_response();  // false: not complete yet (or failed)
  void read_frames();
  void handle_frame(crdt::ByteView frame);
  void queue_raw(crdt::Bytes bytes);
  void queue_frame(protocol::ws::Opcode opcode, crdt::ByteView payload);
  void send_sync_step1();
  void queue(crdt::Bytes frame);
  void do_write();
  void on_write(boost::beast::error_code ec, size_t bytes);
  void fail(const std::string& why);
  void drop_queued();

  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  bool upgraded_ = false;
  crdt::Bytes fragments_;  // a fragmented message so far
  std::deque<std::shared_ptr<const crdt::Bytes>> out_;
  bool writing_ = false;
  ConnectionEvents& events_;
  uint32_t index_;
  uint32_t doc_;
  Wire wire_;
  std::string token_;
  Endpoint endpoint_;
  State state_ = State::kIdle;
  Clock::time_point started_at_{};
  Clock::time_point synced_at_{};
  std::unique_ptr<crdt::Doc> doc_state_;  // created on the first edit (idle clients never edit)
  uint64_t text_length_ = 0;              // UTF-16 length of this client's own text
  crdt::Bytes sync_sv_{0};                // state vector of the first sync step 1
  crdt::Bytes scratch_;
  uint32_t mask_state_;  // xorshift state for the frames' masking keys
};

}  // namespace bench
