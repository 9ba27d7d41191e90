// connection.cpp — one simulated editor over Beast's WebSocket client (connection.hpp).
#include "bench/load/connection.hpp"

#include <netinet/in.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>

#include "protocol/messages.hpp"

namespace bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

constexpr const char* kText = "content";
// An empty state vector: varUint 0 clients.
constexpr uint8_t kEmptyStateVector[] = {0};

}  // namespace

Connection::Connection(asio::io_context& io, ConnectionEvents& events, uint32_t index, uint32_t doc,
                       Wire wire, std::string token)
    : ws_(io),
      events_(events),
      index_(index),
      doc_(doc),
      wire_(std::move(wire)),
      token_(std::move(token)) {}

void Connection::start(Endpoint endpoint) {
  endpoint_ = std::move(endpoint);
  state_ = State::kConnecting;
  started_at_ = Clock::now();
  auto& sock = ws_.next_layer();
  beast::error_code ec;
  sock.open(endpoint_.addr.protocol(), ec);
  // Choose the source port at connect() time (per 4-tuple), not at bind() time (per address):
  // otherwise every bound socket would use up a port of the source address for good.
  if (!ec) {
    int one = 1;
    setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sock.bind(asio::ip::tcp::endpoint(endpoint_.source, 0), ec);
  }
  if (ec) return fail("socket: " + ec.message());
  sock.async_connect(endpoint_.addr,
                     [self = shared_from_this()](beast::error_code e) { self->on_connect(e); });
}

void Connection::on_connect(beast::error_code ec) {
  if (ec) return fail("connect: " + ec.message());
  ws_.next_layer().set_option(asio::ip::tcp::no_delay(true));
  ws_.set_option(websocket::stream_base::timeout{std::chrono::seconds(60),
                                                 websocket::stream_base::none(), false});
  ws_.binary(true);
  ws_.read_message_max(64 * 1024 * 1024);
  ws_.async_handshake(endpoint_.host, endpoint_.target,
                      [self = shared_from_this()](beast::error_code e) { self->on_handshake(e); });
}

void Connection::on_handshake(beast::error_code ec) {
  if (ec) return fail("handshake: " + ec.message());
  state_ = State::kSyncing;
  if (wire_.dialect() == Dialect::kHocuspocus) {
    queue(wire_.hocuspocus_auth(token_));  // sync step 1 follows the Authenticated answer
  } else {
    send_sync_step1();
  }
  do_read();
}

void Connection::send_sync_step1() {
  queue(wire_.wrap(protocol::encode_sync_step1(kEmptyStateVector)));
}

void Connection::do_read() {
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t n) {
    self->on_read(ec, n);
  });
}

void Connection::on_read(beast::error_code ec, size_t) {
  if (ec) {
    if (ec == websocket::error::closed) {
      const auto& r = ws_.reason();
      return fail("closed by server: " + std::to_string(r.code) + " " + std::string(r.reason));
    }
    return fail("read: " + ec.message());
  }
  const auto data = buffer_.cdata();
  try {
    handle_frame({static_cast<const uint8_t*>(data.data()), data.size()});
  } catch (const protocol::ProtocolError& e) {
    return fail(std::string("bad frame from server: ") + e.what());
  }
  buffer_.consume(buffer_.size());
  if (state_ != State::kClosed) do_read();
}

void Connection::handle_frame(crdt::ByteView frame) {
  const Incoming in = wire_.unwrap(frame, scratch_);
  if (std::holds_alternative<Authenticated>(in)) return send_sync_step1();
  if (auto* denied = std::get_if<PermissionDenied>(&in)) {
    return fail("permission denied: " + denied->reason);
  }
  const auto* msg = std::get_if<protocol::Message>(&in);
  if (!msg) return;
  if (const auto* step1 = std::get_if<protocol::SyncStep1>(msg)) {
    // Answer as a y-websocket client does: what we have that the server lacks.
    const crdt::Bytes update =
        doc_state_ ? doc_state_->encode_state_as_update(step1->state_vector)
                   : crdt::Bytes{0, 0};  // an empty update: no structs, no deletions
    queue(wire_.wrap(protocol::encode_sync_step2(update)));
  } else if (const auto* step2 = std::get_if<protocol::SyncStep2>(msg)) {
    if (state_ == State::kSyncing) {
      state_ = State::kSynced;
      synced_at_ = Clock::now();
      events_.on_synced(*this, step2->update);
    } else {
      events_.on_update(*this, step2->update, true);
    }
  } else if (const auto* update = std::get_if<protocol::SyncUpdate>(msg)) {
    events_.on_update(*this, update->update, false);
  }
}

size_t Connection::send_insert(std::u16string_view text) {
  if (state_ != State::kSynced) return 0;
  if (!doc_state_) doc_state_ = std::make_unique<crdt::Doc>();
  const crdt::Bytes update = doc_state_->transact(
      [&](crdt::Transaction& tr) { doc_state_->insert_text(tr, kText, text_length_, text); });
  text_length_ += text.size();
  ++sent;
  queue(wire_.wrap(protocol::encode_sync_update(update)));
  return update.size();
}

void Connection::request_state() {
  if (state_ == State::kSynced) send_sync_step1();
}

void Connection::queue(crdt::Bytes frame) {
  out_.push_back(std::make_shared<const crdt::Bytes>(std::move(frame)));
  if (!writing_) do_write();
}

void Connection::do_write() {
  if (out_.empty() || state_ == State::kClosed) {
    writing_ = false;
    return;
  }
  writing_ = true;
  const auto& frame = *out_.front();
  ws_.async_write(
      asio::buffer(frame.data(), frame.size()),
      [self = shared_from_this()](beast::error_code ec, size_t n) { self->on_write(ec, n); });
}

void Connection::on_write(beast::error_code ec, size_t) {
  out_.pop_front();
  if (ec) return fail("write: " + ec.message());
  do_write();
}

void Connection::drop_queued() {
  // The frame being written must outlive its async_write; on_write pops it.
  out_.erase(writing_ ? std::next(out_.begin()) : out_.begin(), out_.end());
}

void Connection::close() {
  if (state_ == State::kClosed || state_ == State::kIdle) return;
  state_ = State::kClosed;
  drop_queued();
  if (!ws_.is_open()) {
    beast::error_code ec;
    ws_.next_layer().close(ec);
    return;
  }
  ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code) {});
}

void Connection::fail(const std::string& why) {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  drop_queued();
  beast::error_code ec;
  ws_.next_layer().close(ec);
  events_.on_closed(*this, why);
}

}  // namespace bench
