// ws_session.cpp — accept, read loop, send queue and closing of a WebSocket connection.
#include "server/ws_session.hpp"

#include <prometheus/histogram.h>
#include <spdlog/spdlog.h>

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <charconv>
#include <utility>

#include "server/api.hpp"
#include "server/room.hpp"
#include "server/room_registry.hpp"
#include "server/url.hpp"
#include "server/ws_deflate.hpp"
#include "store/projects.hpp"

namespace weft {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

// "/ws/123?token=…" → 123; "/ws/projects/7?token=…" → -7, the key of project 7's room
// (Room::project_key); 0 when the id is not a positive integer.
int64_t document_id_of(std::string_view target) {
  target.remove_prefix(std::string_view("/ws/").size());
  target = target.substr(0, target.find('?'));
  int64_t sign = 1;
  if (constexpr std::string_view kProjects = "projects/"; target.rfind(kProjects, 0) == 0) {
    target.remove_prefix(kProjects.size());
    sign = -1;
  }
  int64_t id = 0;
  const auto [ptr, ec] = std::from_chars(target.data(), target.data() + target.size(), id);
  if (ec != std::errc() || ptr != target.data() + target.size() || id <= 0) return 0;
  return sign * id;
}

constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kSmallRead = 4 * 1024;

}  // namespace

template <class Stream>
WsSession<Stream>::WsSession(Stream&& stream, Services& services)
    : services_(services),
      strand_(*stream.get_executor().template target<Strand>()),
      timer_(strand_),
      handshake_(std::in_place, std::move(stream)),
      reader_(services.config.max_message_bytes) {}

template <class Stream>
WsSession<Stream>::~WsSession() = default;

template <class Stream>
asio::ip::tcp::socket& WsSession<Stream>::lowest_socket() {
  if constexpr (kPlain) {
    return *io_;
  } else {
    return beast::get_lowest_layer(*io_).socket();
  }
}

template <class Stream>
void WsSession<Stream>::run(beast::http::request<beast::http::string_body> req) {
  upgrade_at_ = std::chrono::steady_clock::now();
  beast::get_lowest_layer(*handshake_).expires_never();
  websocket::stream_base::timeout timeout{};
  timeout.handshake_timeout = std::chrono::seconds(30);
  timeout.idle_timeout = websocket::stream_base::none();
  timeout.keep_alive_pings = false;
  handshake_->set_option(timeout);
  // permessage-deflate: Beast's own is off (the session writes its frames itself); the answer to
  // the client's offer is written into the response here.
  std::optional<std::string> deflate;
  if (services_.config.ws_deflate) {
    std::string offers;
    const auto [first, last] = req.equal_range(beast::http::field::sec_websocket_extensions);
    for (auto it = first; it != last; ++it)
      offers.append(offers.empty() ? "" : ", ").append(it->value());
    deflate = ws_deflate::accept(offers);
  }
  deflate_ = deflate.has_value();
  reader_.set_deflate(deflate_);
  handshake_->set_option(
      websocket::stream_base::decorator([deflate](websocket::response_type& res) {
        res.set(beast::http::field::server, "weft");
        if (deflate) res.set(beast::http::field::sec_websocket_extensions, *deflate);
      }));
  std::string target(req.target());
  forwarded_for_ = forwarded_for(req);
  handshake_->async_accept(
      req, [self = this->shared_from_this(), target = std::move(target)](
               beast::error_code ec) mutable { self->on_accept(ec, std::move(target)); });
}

template <class Stream>
void WsSession<Stream>::on_accept(beast::error_code ec, std::string target) {
  if (ec) return;
  // From here on the session reads and writes frames itself (see the header).
  if constexpr (kPlain) {
    io_.emplace(std::move(beast::get_lowest_layer(*handshake_).socket()));
    fd_ = io_->native_handle();
    io_->non_blocking(true);  // do_read reads what the wait said is there, never blocking
  } else {
    io_.emplace(std::move(handshake_->next_layer()));
  }
  handshake_.reset();
  {
    beast::error_code ignored;
    const auto remote = lowest_socket().remote_endpoint(ignored);
    remote_ip_ =
        ignored ? "unknown" : services_.trusted_proxies.client(remote.address(), forwarded_for_);
    forwarded_for_.clear();
  }
  services_.metrics.connections.fetch_add(1, std::memory_order_relaxed);
  services_.metrics.connections_total.fetch_add(1, std::memory_order_relaxed);
  const int64_t id = document_id_of(target);
  if (id == 0) {
    start_timer();
    do_close(close_code::kNotFound, "no such document");
    do_read();
    return;
  }
  authorize(id, query_param(target, "token").value_or(""));
}

// On the blocking pool: who is this, and what may they do with the document?
template <class Stream>
void WsSession<Stream>::authorize(int64_t document_id, std::string token) {
  asio::post(services_.blocking, [self = this->shared_from_this(), document_id,
                                  token = std::move(token)] {
    Admission a;
    try {
      const auto signed_in = authenticate(self->services_, token);
      const auto user = signed_in ? std::optional(signed_in->user) : std::nullopt;
      const bool project = document_id < 0;
      std::optional<store::Access> access;
      if (user && project) {
        access = store::Projects(self->services_.store).access(-document_id, user->id);
      } else if (user) {
        access = self->services_.accounts.access(document_id, user->id);
      }
      // A project's live channel is written by the server only.
      auto role = access ? role_for(*access) : std::nullopt;
      if (project && role) role = Role::kViewer;
      if (!user) {
        a.refusal = close_code::kUnauthorized;
        a.reason = token.empty() ? "sign in first" : "invalid, expired or revoked token";
      } else if (!access) {
        a.refusal = close_code::kNotFound;
        a.reason = project ? "no such project" : "no such document";
      } else if (!role) {
        a.refusal = close_code::kForbidden;
        a.reason = project ? "no access to this project" : "no access to this document";
      } else if (auto limited =
                     self->services_.connection_limits.acquire(self->remote_ip_, user->id);
                 !limited.slot) {
        const bool by_ip = limited.refusal == ConnectionLimits::Refusal::kIp;
        auto& counter = by_ip ? self->services_.metrics.connections_refused_ip
                              : self->services_.metrics.connections_refused_user;
        counter.fetch_add(1, std::memory_order_relaxed);
        a.refusal = close_code::kRateLimited;
        a.reason = by_ip ? "too many connections from this address (limit " +
                               std::to_string(self->services_.connection_limits.per_ip()) + ")"
                         : "too many connections of this user (limit " +
                               std::to_string(self->services_.connection_limits.per_user()) + ")";
      } else {
        a.slot.emplace(std::move(*limited.slot));
        a.user_id = user->id;
        a.sign_in_id = signed_in->session_id;
        a.role = *role;
        // The sessions table lists who edits which document; a project's channel is not one.
        if (!project) {
          a.session_id = self->services_.accounts.open_session(document_id, user->id,
                                                               self->services_.instance_id);
        }
      }
    } catch (const std::exception& e) {
      spdlog::error("document {}: authorizing a connection failed: {}", document_id, e.what());
      a.refusal = 1011;
      a.reason = "internal error";
    }
    // The session's fields are set on its strand, not here.
    asio::post(self->strand_, [self, document_id, a = std::move(a)]() mutable {
      self->on_authorized(document_id, std::move(a));
    });
  });
}

template <class Stream>
void WsSession<Stream>::on_authorized(int64_t document_id, Admission a) {
  user_id_ = a.user_id;
  sign_in_id_ = a.sign_in_id;
  role_.store(a.role, std::memory_order_relaxed);
  session_id_ = a.session_id;
  if (a.slot) slot_.emplace(std::move(*a.slot));
  if (finished_) {  // dropped meanwhile
    slot_.reset();
    close_session_row();
    return;
  }
  // The idle timer starts once the session reads (a ping could not be answered before).
  heard_at_ = std::chrono::steady_clock::now();
  start_timer();
  if (a.refusal != 0) {
    if (a.refusal == close_code::kUnauthorized || a.refusal == close_code::kForbidden)
      services_.metrics.rejected_connections.fetch_add(1, std::memory_order_relaxed);
    do_close(a.refusal, std::move(a.reason));
    do_read();
    return;
  }
  room_ = services_.rooms.try_acquire(document_id);
  if (!room_) {
    do_close(close_code::kTryAgainLater,
             "too many documents are open on this server; try again later");
    do_read();
    return;
  }
  room_->join(this->shared_from_this());
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - upgrade_at_;
  services_.metrics.handshake_seconds->Observe(took.count());
  do_read();
}

// ---- Reading -------------------------------------------------------------------------------

template <class Stream>
size_t WsSession<Stream>::read_size() const {
  // Small reads while idle; a large frame in progress is read in big chunks.
  size_t want = kSmallRead;
  if (const uint64_t left = reader_.frame_left(); left > want)
    want = static_cast<size_t>(std::min<uint64_t>(left, kReadChunk));
  return want;
}

// Plain TCP waits for the socket to be readable and only then gives the read its buffer, so an
// idle connection holds none (the buffer is freed whenever everything read was parsed): 4 KiB
// less per idle connection. TLS reads through the stream, which may hold decrypted bytes of its
// own, so it keeps a pending read with its buffer.
template <class Stream>
void WsSession<Stream>::do_read() {
  if constexpr (kPlain) {
    io_->async_wait(
        asio::ip::tcp::socket::wait_read, [self = this->shared_from_this()](beast::error_code ec) {
          if (ec) return self->on_read(ec, 0);
          const size_t n = self->io_->read_some(self->buffer_.prepare(self->read_size()), ec);
          if (ec == asio::error::would_block || ec == asio::error::try_again) {
            ec = {};
            if (n == 0) return self->do_read();  // woken with nothing to read
          }
          self->on_read(ec, n);
        });
  } else {
    io_->async_read_some(buffer_.prepare(read_size()),
                         [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                           self->on_read(ec, n);
                         });
  }
}

template <class Stream>
void WsSession<Stream>::on_read(beast::error_code ec, size_t bytes) {
  if (ec) {
    finish();
    return;
  }
  buffer_.commit(bytes);
  heard_at_ = std::chrono::steady_clock::now();
  pinged_ = false;
  parse_frames();
  if (finished_) return;
  // Give back the read buffer once everything in it was parsed (plain TCP reads into a fresh one
  // when bytes arrive), and a large message's memory in any case.
  if (buffer_.size() == 0 && (kPlain || buffer_.capacity() > kReadChunk)) buffer_.shrink_to_fit();
  do_read();
}

// Consumes every complete header and every payload byte in the buffer (WsReader: a control frame
// once it is whole, data payload unmasked into the message as it arrives).
template <class Stream>
void WsSession<Stream>::parse_frames() {
  if (failed_) {  // after bad input nothing more is parsed, only read until the peer closes
    buffer_.consume(buffer_.size());
    return;
  }
  using Kind = WsReader::Event::Kind;
  auto* data = static_cast<uint8_t*>(buffer_.data().data());
  const size_t size = buffer_.size();
  size_t pos = 0;
  while (!finished_) {
    const WsReader::Event e = reader_.next(data, size, pos, /*discard=*/closing_);
    if (e.kind == Kind::kNeedMore) break;
    if (e.kind == Kind::kBadFrame) {
      if (closing_) {  // a broken stream cannot carry the close handshake further
        drop();
      } else {
        fail(close_code::kProtocolError, "malformed frame");
        buffer_.consume(size);
      }
      return;
    }
    if (e.kind == Kind::kRefused) {
      services_.metrics.rejected_messages.fetch_add(1, std::memory_order_relaxed);
      fail(e.code, e.reason);
      buffer_.consume(size);
      return;
    }
    if (e.kind == Kind::kControl) {
      on_control(e.opcode, e.payload, e.size);
    } else {
      deliver(reader_.take_message());
    }
    if (failed_) {
      buffer_.consume(size);
      return;
    }
  }
  buffer_.consume(pos);
}

// One message (or ping/pong) from the peer against --ws-rate-limit; false (and closing with 4429)
// when the bucket is empty.
template <class Stream>
bool WsSession<Stream>::take_token() {
  const size_t rate = services_.config.ws_rate_limit;
  if (rate == 0) return true;
  const auto now = std::chrono::steady_clock::now();
  const double burst = 10.0 * static_cast<double>(rate);
  if (refilled_at_ == std::chrono::steady_clock::time_point{}) {
    tokens_ = burst;
  } else {
    const std::chrono::duration<double> elapsed = now - refilled_at_;
    tokens_ = std::min(burst, tokens_ + elapsed.count() * static_cast<double>(rate));
  }
  refilled_at_ = now;
  if (tokens_ < 1) {
    services_.metrics.rate_limited_disconnects.fetch_add(1, std::memory_order_relaxed);
    fail(close_code::kRateLimited, "too many messages");
    return false;
  }
  tokens_ -= 1;
  return true;
}

template <class Stream>
void WsSession<Stream>::deliver(crdt::Bytes message) {
  if (!take_token()) return;
  if (reader_.message_compressed()) {
    crdt::Bytes inflated;
    const auto status = ws_deflate::inflate(message, services_.config.max_message_bytes, inflated);
    if (status != ws_deflate::Inflated::kOk) {
      services_.metrics.rejected_messages.fetch_add(1, std::memory_order_relaxed);
      const bool large = status == ws_deflate::Inflated::kTooLarge;
      fail(large ? close_code::kTooLarge : close_code::kInvalidPayload,
           large ? "message too large" : "invalid compressed data");
      return;
    }
    services_.metrics.ws_inflated_messages.fetch_add(1, std::memory_order_relaxed);
    message = std::move(inflated);
  }
  services_.metrics.messages_received.fetch_add(1, std::memory_order_relaxed);
  services_.metrics.bytes_received.fetch_add(message.size(), std::memory_order_relaxed);
  auto frame = std::make_shared<const crdt::Bytes>(std::move(message));
  if (room_) room_->receive(this->shared_from_this(), std::move(frame));
}

template <class Stream>
void WsSession<Stream>::on_control(ws::Opcode op, const uint8_t* payload, size_t size) {
  if (op != ws::Opcode::kClose) {
    if (closing_ || !take_token()) return;  // pings and pongs count against the rate limit too
    if (op == ws::Opcode::kPing) {
      queue_control(ws::Opcode::kPong,
                    std::make_shared<const crdt::Bytes>(payload, payload + size));
    }
    return;  // a pong: heard_at_ is already set
  }
  peer_closed_ = true;
  if (closing_) {
    // The answer to our close; the server closes the TCP connection first (RFC 6455 §7.1.1),
    // once our close frame is out.
    std::lock_guard lock(out_mutex_);
    if (!close_written_) return;  // after_flush finishes
  } else {
    // The peer closes: answer with its status code (§5.5.1) and close once that is written.
    uint16_t code = 1000;
    if (size == 1) {
      fail(close_code::kProtocolError, "malformed close frame");
      return;
    }
    if (size >= 2) code = static_cast<uint16_t>(payload[0] << 8 | payload[1]);
    const bool valid = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
                       (code >= 3000 && code <= 4999);
    if (!valid) {
      fail(close_code::kProtocolError, "invalid close code");
      return;
    }
    do_close(code, "");
    return;
  }
  finish();
}

template <class Stream>
void WsSession<Stream>::fail(uint16_t code, std::string reason) {
  if (closing_) return;
  failed_ = true;
  do_close(code, std::move(reason));
}

// Measured from the last byte the peer sent: silent for half of --idle-timeout-ms, it is pinged;
// silent for all of it, dropped. The timer wakes when the next of those moments is due (reads
// only move the moment, they do not touch the timer), so a silent peer goes at the idle timeout,
// not up to half as late again. While closing, the peer has two half timeouts to answer the close.
template <class Stream>
std::chrono::milliseconds WsSession<Stream>::idle_timeout() const {
  return std::chrono::milliseconds(std::max<uint64_t>(services_.config.idle_timeout_ms, 2));
}

template <class Stream>
void WsSession<Stream>::start_timer() {
  const auto whole = idle_timeout();
  const auto half = whole / 2;
  if (closing_) {
    timer_.expires_after(half);
  } else {
    timer_.expires_at(heard_at_ + (pinged_ ? whole : half));
  }
  timer_.async_wait(
      [self = this->shared_from_this()](beast::error_code ec) { self->on_timer(ec); });
}

template <class Stream>
void WsSession<Stream>::on_timer(beast::error_code ec) {
  if (ec || finished_) return;
  if (closing_) {
    if (++close_ticks_ >= 2) {
      drop();
      return;
    }
  } else {
    const auto silent = std::chrono::steady_clock::now() - heard_at_;
    if (silent >= idle_timeout()) {
      spdlog::debug("dropping a peer silent for {} ms", services_.config.idle_timeout_ms);
      drop();
      return;
    }
    if (!pinged_ && silent >= idle_timeout() / 2) {
      queue_control(ws::Opcode::kPing, std::make_shared<const crdt::Bytes>());
      pinged_ = true;
    }
  }
  start_timer();
}

// ---- Writing -------------------------------------------------------------------------------

template <class Stream>
void WsSession<Stream>::send(Frame frame) {
  // Outside the lock: the first receiver of a broadcast compresses it, the others find it done.
  if (deflate_) {
    if (Frame z = ws_deflate::compressed(frame)) {
      services_.metrics.ws_deflated_messages.fetch_add(1, std::memory_order_relaxed);
      services_.metrics.ws_deflate_in_bytes.fetch_add(frame->size(), std::memory_order_relaxed);
      services_.metrics.ws_deflate_out_bytes.fetch_add(z->size(), std::memory_order_relaxed);
      std::lock_guard lock(out_mutex_);
      queue_locked(ws::Opcode::kBinary, std::move(z), /*rsv1=*/true);
      return;
    }
  }
  std::lock_guard lock(out_mutex_);
  queue_locked(ws::Opcode::kBinary, std::move(frame));
}

template <class Stream>
void WsSession<Stream>::queue_control(ws::Opcode op, Frame payload) {
  std::lock_guard lock(out_mutex_);
  // A pong not yet started answers the newer ping instead (RFC 6455 §5.5.3), so a flood of pings
  // into a full socket queues one pong, not one per ping.
  if (op == ws::Opcode::kPong && out_.size() > out_pinned_ && out_.back().written == 0 &&
      out_.back().header.bytes[0] == (0x80 | static_cast<uint8_t>(ws::Opcode::kPong))) {
    Out& pending = out_.back();
    out_bytes_ -= pending.size();
    pending = Out{ws::frame_header(op, payload->size()), std::move(payload)};
    out_bytes_ += pending.size();
    return;
  }
  queue_locked(op, std::move(payload));
}

template <class Stream>
bool WsSession<Stream>::queue_locked(ws::Opcode op, Frame payload, bool rsv1) {
  if (out_closed_) return false;
  // The frame at the head does not count: a single frame larger than the limit (the sync of a
  // big document) still goes through when nothing else is waiting.
  const size_t head = out_.empty() ? 0 : out_.front().size() - out_.front().written;
  const size_t backlog = out_bytes_ - head;
  if (backlog > 0 && backlog + payload->size() > services_.config.send_queue_bytes) {
    services_.metrics.slow_consumer_disconnects.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("dropping a slow consumer ({} bytes queued)", out_bytes_);
    out_closed_ = true;
    asio::post(strand_, [self = this->shared_from_this()] { self->drop(); });
    return false;
  }
  Out out{ws::frame_header(op, payload->size(), nullptr, rsv1), std::move(payload)};
  out_bytes_ += out.size();
  out_.push_back(std::move(out));
  if (!flushing_) kick_locked();
  return true;
}

template <class Stream>
void WsSession<Stream>::kick_locked() {
  if constexpr (kPlain) {
    const Flush result = flush_locked();
    if (result == Flush::kDone) {
      if (close_written_)
        asio::post(strand_, [self = this->shared_from_this()] { self->after_flush(); });
      return;
    }
    flushing_ = true;
    if (result == Flush::kError) {
      out_closed_ = true;
      asio::post(strand_, [self = this->shared_from_this()] { self->drop(); });
    } else {
      asio::post(strand_, [self = this->shared_from_this()] { self->wait_writable(); });
    }
  } else {
    flushing_ = true;
    asio::post(strand_, [self = this->shared_from_this()] { self->tls_write(); });
  }
}

template <class Stream>
typename WsSession<Stream>::Flush WsSession<Stream>::flush_locked() {
  constexpr size_t kMaxIov = 64;
  while (!out_.empty()) {
    if (fd_ < 0) return Flush::kError;
    iovec iov[kMaxIov];
    size_t count = 0;
    size_t total = 0;
    for (const Out& o : out_) {
      if (count + 2 > kMaxIov) break;
      o.unwritten([&](const uint8_t* data, size_t n) {
        iov[count++] = {const_cast<uint8_t*>(data), n};
      });
      total += o.size() - o.written;
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = count;
    const ssize_t n = ::sendmsg(fd_, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return Flush::kBlocked;
      return Flush::kError;
    }
    consume_locked(static_cast<size_t>(n));
    if (static_cast<size_t>(n) < total) return Flush::kBlocked;
  }
  return Flush::kDone;
}

template <class Stream>
void WsSession<Stream>::consume_locked(size_t bytes) {
  out_bytes_ -= bytes;
  services_.metrics.bytes_sent.fetch_add(bytes, std::memory_order_relaxed);
  while (bytes > 0) {
    Out& o = out_.front();
    const size_t left = o.size() - o.written;
    if (bytes < left) {
      o.written += bytes;
      return;
    }
    bytes -= left;
    if (o.header.bytes[0] == (0x80 | static_cast<uint8_t>(ws::Opcode::kClose)))
      close_written_ = true;
    services_.metrics.messages_sent.fetch_add(1, std::memory_order_relaxed);
    out_.pop_front();
  }
}

template <class Stream>
void WsSession<Stream>::wait_writable() {
  if constexpr (kPlain) {
    io_->async_wait(
        asio::ip::tcp::socket::wait_write,
        [self = this->shared_from_this()](beast::error_code ec) { self->on_writable(ec); });
  }
}

template <class Stream>
void WsSession<Stream>::on_writable(beast::error_code ec) {
  if (finished_) return;
  if (ec) {
    drop();
    return;
  }
  Flush result;
  {
    std::lock_guard lock(out_mutex_);
    result = flush_locked();
    if (result == Flush::kDone) flushing_ = false;
  }
  if (result == Flush::kBlocked) {
    wait_writable();
  } else if (result == Flush::kError) {
    drop();
  } else {
    after_flush();
  }
}

template <class Stream>
void WsSession<Stream>::tls_write() {
  if constexpr (!kPlain) {
    if (finished_) return;
    // The write works on copies of the entries (headers by value, payloads shared): finish() may
    // clear the queue while the write is in flight.
    std::vector<Out> keep;
    {
      std::lock_guard lock(out_mutex_);
      if (out_.empty()) {
        flushing_ = false;
        return;
      }
      for (const Out& o : out_) {
        if (keep.size() >= 32) break;
        keep.push_back(o);
      }
      out_pinned_ = keep.size();
    }
    std::vector<asio::const_buffer> buffers;
    for (const Out& o : keep) {
      o.unwritten([&](const uint8_t* data, size_t n) { buffers.emplace_back(data, n); });
    }
    asio::async_write(*io_, buffers,
                      [self = this->shared_from_this(), keep = std::move(keep)](
                          beast::error_code ec, size_t n) { self->on_tls_written(ec, n); });
  }
}

template <class Stream>
void WsSession<Stream>::on_tls_written(beast::error_code ec, size_t bytes) {
  if (finished_) return;
  if (ec) {
    drop();
    return;
  }
  bool more;
  {
    std::lock_guard lock(out_mutex_);
    out_pinned_ = 0;
    consume_locked(bytes);
    more = !out_.empty();
    if (!more) flushing_ = false;
  }
  if (more) {
    tls_write();
  } else {
    after_flush();
  }
}

template <class Stream>
void WsSession<Stream>::after_flush() {
  if (finished_) return;
  bool close_written;
  {
    std::lock_guard lock(out_mutex_);
    close_written = close_written_;
  }
  if (!close_written) return;
  if (peer_closed_) {
    finish();
  } else if (failed_) {
    // FIN after the close frame; the read loop ends the session when the peer closes too. A
    // full close now could turn into a reset that discards the close frame before it is read.
    beast::error_code ignored;
    lowest_socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  }
}

// ---- Closing -------------------------------------------------------------------------------

template <class Stream>
void WsSession<Stream>::close(uint16_t code, std::string reason) {
  asio::post(strand_,
             [self = this->shared_from_this(), code, reason = std::move(reason)]() mutable {
               self->do_close(code, std::move(reason));
             });
}

template <class Stream>
void WsSession<Stream>::do_close(uint16_t code, std::string reason) {
  if (closing_ || finished_) return;
  closing_ = true;
  close_ticks_ = 0;
  if (reason.size() > 120) reason.resize(120);  // a close frame's payload is at most 125 bytes
  auto payload = std::make_shared<crdt::Bytes>(2 + reason.size());
  (*payload)[0] = static_cast<uint8_t>(code >> 8);
  (*payload)[1] = static_cast<uint8_t>(code);
  std::copy(reason.begin(), reason.end(), payload->begin() + 2);
  std::lock_guard lock(out_mutex_);
  if (out_closed_) return;
  // Frames not yet started are dropped; one partly written (or in a TLS write) finishes first.
  size_t keep = out_pinned_;
  if (!out_.empty() && out_.front().written > 0) keep = std::max<size_t>(keep, 1);
  while (out_.size() > keep) {
    out_bytes_ -= out_.back().size() - out_.back().written;
    out_.pop_back();
  }
  queue_locked(ws::Opcode::kClose, std::move(payload));
  out_closed_ = true;
}

template <class Stream>
void WsSession<Stream>::drop() {
  closing_ = true;
  finish();
}

template <class Stream>
void WsSession<Stream>::finish() {
  if (finished_) return;
  finished_ = true;
  timer_.cancel();
  {
    std::lock_guard lock(out_mutex_);
    out_closed_ = true;
    out_.clear();
    out_bytes_ = 0;
    fd_ = -1;  // no sendmsg from another thread after the descriptor is closed (and reused)
    beast::error_code ignored;
    auto& socket = lowest_socket();
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }
  services_.metrics.connections.fetch_sub(1, std::memory_order_relaxed);
  slot_.reset();  // the limits count connections that are open
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
