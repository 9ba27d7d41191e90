// connection.cpp — one simulated editor: a minimal WebSocket client (connection.hpp).
#include "bench/load/connection.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>
#include <string_view>

#include "protocol/messages.hpp"

namespace bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ws = protocol::ws;

namespace {

constexpr const char* kText = "content";
// An empty state vector: varUint 0 clients.
constexpr uint8_t kEmptyStateVector[] = {0};
constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kMaxResponseHeader = 16 * 1024;
constexpr size_t kMaxFrame = 256u << 20;

}  // namespace

Connection::Connection(asio::io_context& io, ConnectionEvents& events, uint32_t index, uint32_t doc,
                       Wire wire, std::string token)
    : socket_(io),
      events_(events),
      index_(index),
      doc_(doc),
      wire_(std::move(wire)),
      token_(std::move(token)),
      mask_state_(index * 2654435761u + 1) {}

void Connection::start(Endpoint endpoint) {
  endpoint_ = std::move(endpoint);
  state_ = State::kConnecting;
  started_at_ = Clock::now();
  auto& sock = socket_;
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
  socket_.set_option(asio::ip::tcp::no_delay(true));
  // The key is fixed: the generator checks the 101, not Sec-WebSocket-Accept.
  const std::string request = "GET " + endpoint_.target + " HTTP/1.1\r\nHost: " + endpoint_.host +
                              "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                              "Sec-WebSocket-Version: 13\r\n\r\n";
  queue_raw(crdt::Bytes(request.begin(), request.end()));
  do_read();
}

void Connection::on_handshake() {
  state_ = State::kSyncing;
  if (wire_.dialect() == Dialect::kHocuspocus) {
    queue(wire_.hocuspocus_auth(token_));  // sync step 1 follows the Authenticated answer
  } else {
    send_sync_step1();
  }
}

void Connection::send_sync_step1() {
  // The first step 1 names what this client holds (a reconnection); later ones ask for the whole
  // document (request_state).
  const crdt::ByteView sv =
      state_ == State::kSyncing ? crdt::ByteView(sync_sv_) : crdt::ByteView(kEmptyStateVector);
  queue(wire_.wrap(protocol::encode_sync_step1(sv)));
}

void Connection::continue_from(Connection& previous) {
  doc_state_ = std::move(previous.doc_state_);
  text_length_ = previous.text_length_;
  received = previous.received;
  sent = previous.sent;
  next_seq = previous.next_seq;
}

void Connection::do_read() {
  socket_.async_read_some(
      buffer_.prepare(kReadChunk),
      [self = shared_from_this()](beast::error_code ec, size_t n) { self->on_read(ec, n); });
}

void Connection::on_read(beast::error_code ec, size_t n) {
  if (ec) return fail(state_ == State::kClosed ? "closed" : "read: " + ec.message());
  buffer_.commit(n);
  if (!upgraded_ && !read_upgrade_response()) {
    if (state_ != State::kClosed) do_read();
    return;
  }
  try {
    read_frames();
  } catch (const protocol::ProtocolError& e) {
    return fail(std::string("bad frame from server: ") + e.what());
  }
  if (socket_.is_open()) do_read();
}

bool Connection::read_upgrade_response() {
  const std::string_view text(static_cast<const char*>(buffer_.data().data()), buffer_.size());
  const size_t end = text.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (text.size() > kMaxResponseHeader) fail("handshake: response header too large");
    return false;
  }
  const std::string_view status = text.substr(0, text.find("\r\n"));
  if (status.substr(0, 13) != "HTTP/1.1 101 ") {
    fail("handshake: " + std::string(status));
    return false;
  }
  buffer_.consume(end + 4);
  upgraded_ = true;
  on_handshake();
  return true;
}

// The server's frames: never masked. Data frames of one message are joined (servers here do not
// fragment, but may); pings are answered; a close frame ends the connection.
void Connection::read_frames() {
  while (socket_.is_open()) {
    const auto* p = static_cast<const uint8_t*>(buffer_.data().data());
    ws::FrameHeader h;
    const auto status = ws::parse_header(p, buffer_.size(), /*from_client=*/false, h);
    if (status == ws::ParseStatus::kNeedMore) return;
    if (status == ws::ParseStatus::kBadFrame) return fail("malformed frame from the server");
    if (h.length > kMaxFrame) return fail("frame too large");
    if (buffer_.size() < h.size + h.length) {
      buffer_.reserve(h.size + h.length);  // one read per chunk, not one per growth step
      return;
    }
    const crdt::ByteView payload(p + h.size, static_cast<size_t>(h.length));
    if (h.opcode == ws::Opcode::kClose) {
      std::string why = "closed by server:";
      if (payload.size() >= 2) {
        why += " " + std::to_string(payload[0] << 8 | payload[1]) + " " +
               std::string(payload.begin() + 2, payload.end());
      }
      if (state_ != State::kClosed) {
        queue_frame(ws::Opcode::kClose, payload.subspan(0, std::min<size_t>(2, payload.size())));
      }
      return fail(why);
    }
    if (h.opcode == ws::Opcode::kPing) {
      queue_frame(ws::Opcode::kPong, payload);
    } else if (h.opcode == ws::Opcode::kBinary || h.opcode == ws::Opcode::kContinuation) {
      if (h.fin && fragments_.empty()) {
        handle_frame(payload);
      } else {
        fragments_.insert(fragments_.end(), payload.begin(), payload.end());
        if (h.fin) {
          const crdt::Bytes whole = std::move(fragments_);
          fragments_.clear();
          handle_frame(whole);
        }
      }
    }
    buffer_.consume(h.size + static_cast<size_t>(h.length));
  }
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
  } else if (const auto* aw = std::get_if<protocol::AwarenessUpdate>(msg)) {
    events_.on_awareness(*this, aw->update);
  }
}

size_t Connection::send_edit(std::u16string_view text, uint64_t delete_front) {
  if (state_ != State::kSynced) return 0;
  if (!doc_state_) doc_state_ = std::make_unique<crdt::Doc>();
  delete_front = std::min(delete_front, text_length_);
  const crdt::Bytes update = doc_state_->transact([&](crdt::Transaction& tr) {
    if (delete_front > 0) doc_state_->delete_text(tr, kText, 0, delete_front);
    doc_state_->insert_text(tr, kText, text_length_ - delete_front, text);
  });
  text_length_ += text.size() - delete_front;
  ++sent;
  queue(wire_.wrap(protocol::encode_sync_update(update)));
  return update.size();
}

void Connection::send_awareness(crdt::ByteView update) {
  if (state_ == State::kSynced) queue(wire_.wrap(protocol::encode_awareness(update)));
}

void Connection::request_state() {
  if (state_ == State::kSynced) send_sync_step1();
}

void Connection::queue(crdt::Bytes frame) { queue_frame(ws::Opcode::kBinary, frame); }

// A client frame: FIN, the opcode, the masked payload (RFC 6455 §5.3).
void Connection::queue_frame(ws::Opcode opcode, crdt::ByteView payload) {
  mask_state_ ^= mask_state_ << 13;  // xorshift32: a fresh masking key per frame
  mask_state_ ^= mask_state_ >> 17;
  mask_state_ ^= mask_state_ << 5;
  ws::Mask mask;
  for (size_t i = 0; i < 4; ++i) mask[i] = static_cast<uint8_t>(mask_state_ >> (8 * i));
  const ws::Header header = ws::frame_header(opcode, payload.size(), &mask);
  crdt::Bytes f(header.bytes.begin(), header.bytes.begin() + header.size);
  f.insert(f.end(), payload.begin(), payload.end());
  ws::apply_mask(f.data() + header.size, payload.size(), mask, 0);
  queue_raw(std::move(f));
}

void Connection::queue_raw(crdt::Bytes bytes) {
  out_.push_back(std::make_shared<const crdt::Bytes>(std::move(bytes)));
  if (!writing_) do_write();
}

void Connection::do_write() {
  if (out_.empty() || !socket_.is_open()) {
    writing_ = false;
    return;
  }
  writing_ = true;
  const auto& frame = *out_.front();
  asio::async_write(
      socket_, asio::buffer(frame.data(), frame.size()),
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
  const bool open = upgraded_;
  state_ = State::kClosed;
  drop_queued();
  if (!open) {
    beast::error_code ec;
    socket_.close(ec);
    return;
  }
  // Close 1000; the server answers with its close frame (read_frames), then the socket closes.
  const uint8_t normal[] = {0x03, 0xE8};
  queue_frame(ws::Opcode::kClose, normal);
}

void Connection::fail(const std::string& why) {
  beast::error_code ec;
  socket_.close(ec);
  if (state_ == State::kClosed) return;  // closed by us: the end was expected
  state_ = State::kClosed;
  drop_queued();
  events_.on_closed(*this, why);
}

}  // namespace bench
