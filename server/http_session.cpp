// http_session.cpp — request loop and routing.
#include "server/http_session.hpp"

#include <spdlog/spdlog.h>

#include <charconv>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>

#include "server/api.hpp"
#include "server/cluster.hpp"
#include "server/room_registry.hpp"
#include "server/security_headers.hpp"
#include "server/url.hpp"
#include "server/ws_session.hpp"

namespace weft {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

namespace {

template <class Stream>
constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

HttpResponse text(const HttpRequest& req, http::status status, std::string body,
                  std::string_view type = "text/plain; charset=utf-8") {
  HttpResponse res{status, req.version()};
  res.set(http::field::content_type, type);
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

bool origin_listed(const std::string& list, std::string_view origin) {
  std::string_view rest = list;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == "*" || item == origin) return true;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

// Password requests that may wait for each --bcrypt-threads thread (4 s of bcrypt); more are
// refused at once (503, Retry-After: 1) rather than answered after the client gave up.
constexpr int64_t kBcryptQueuePerThread = 16;

// The API routes that check or hash a password (bcrypt).
bool hashes_a_password(std::string_view method, std::string_view path) {
  if (method == "POST")
    return path == "/api/auth/login" || path == "/api/auth/register" || path == "/api/me/password";
  return method == "DELETE" && path == "/api/me";
}

}  // namespace

template <class Stream>
HttpSession<Stream>::HttpSession(Stream&& stream, Services& services, const StaticFiles& files)
    : stream_(std::move(stream)), services_(services), files_(files) {}

template <class Stream>
void HttpSession<Stream>::run() {
  boost::asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
    if constexpr (kTls<Stream>) {
      beast::get_lowest_layer(self->stream_).expires_after(std::chrono::seconds(30));
      self->stream_.async_handshake(boost::asio::ssl::stream_base::server,
                                    [self](beast::error_code ec) {
                                      if (!ec) self->do_read();
                                    });
    } else {
      self->do_read();
    }
  });
}

template <class Stream>
void HttpSession<Stream>::shutdown() {
  if constexpr (kTls<Stream>) {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
  } else {
    beast::error_code ignored;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  }
}

template <class Stream>
void HttpSession<Stream>::do_read() {
  parser_.emplace();
  parser_->body_limit(services_.config.max_body_bytes);
  beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(60));
  http::async_read(
      stream_, buffer_, *parser_,
      [self = this->shared_from_this()](beast::error_code ec, size_t n) { self->on_read(ec, n); });
}

template <class Stream>
void HttpSession<Stream>::on_read(beast::error_code ec, size_t) {
  if (ec == http::error::end_of_stream) {
    shutdown();
    return;
  }
  if (ec == http::error::body_limit) {
    refuse_body();
    return;
  }
  if (ec) return;
  HttpRequest req = parser_->release();
  const std::string_view path = path_of(req.target());
  if (path.rfind("/ws/", 0) == 0 && beast::websocket::is_upgrade(req)) {
    if (services_.draining.load()) {
      // Refused before the upgrade, so that a load balancer passes the client to another instance.
      write(text(req, http::status::service_unavailable, "draining\n"));
      return;
    }
    std::make_shared<WsSession<Stream>>(std::move(stream_), services_)->run(std::move(req));
    return;
  }
  if (path.rfind("/api/", 0) == 0 && req.method() != http::verb::options) {
    call_api(std::move(req));
    return;
  }
  write(handle(req));
}

// A body over --max-body-bytes is refused as soon as its header (or its chunks) say so, while the
// client is still sending it. Closing then, with its bytes unread, would make the kernel answer
// with a reset that destroys the 413 before most clients read it (Node's fetch and curl report a
// reset, not the status). So the close lingers: the 413, a half-close (plain TCP; TLS sends its
// close_notify at the end), then the rest of the body is read and thrown away — what its
// Content-Length announced, at most kDiscardBytes, for at most kDiscardTime — and only then is
// the connection closed.
namespace {
constexpr uint64_t kDiscardBytes = 64u << 20;
constexpr auto kDiscardTime = std::chrono::seconds(15);
constexpr auto kDiscardIdle = std::chrono::seconds(3);
constexpr size_t kDiscardChunk = 64u << 10;
}  // namespace

template <class Stream>
void HttpSession<Stream>::refuse_body() {
  // Beast refuses a Content-Length over the limit before it marks the header done, and the
  // parser's own count may only be read after that (an assert in Debug builds): the field, then.
  std::optional<uint64_t> announced;
  if (parser_->is_header_done()) {
    if (const auto n = parser_->content_length_remaining()) announced = *n;
  } else if (const auto field = parser_->get()[http::field::content_length]; !field.empty()) {
    uint64_t n = 0;
    const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), n);
    if (ec == std::errc() && end == field.data() + field.size()) announced = n;
  }
  // What the body still has to send: the parser's remaining count includes the bytes already
  // in buffer_, which are thrown away here.
  const uint64_t buffered = buffer_.size();
  discard_left_ = std::min<uint64_t>(
      announced ? *announced - std::min<uint64_t>(*announced, buffered) : kDiscardBytes,
      kDiscardBytes);
  discard_until_ = std::chrono::steady_clock::now() + kDiscardTime;
  buffer_.consume(buffer_.size());
  HttpRequest req;
  req.version(11);
  response_ = std::make_shared<HttpResponse>(
      text(req, http::status::payload_too_large,
           error_body("payload_too_large", "request body too large"), "application/json"));
  response_->keep_alive(false);
  add_security_headers(*response_, kTls<Stream>);
  http::async_write(
      stream_, *response_,
      [self = this->shared_from_this()](beast::error_code e, size_t) { self->on_refused(e); });
}

template <class Stream>
void HttpSession<Stream>::on_refused(beast::error_code ec) {
  if (ec) return;
  if constexpr (!kTls<Stream>) shutdown();  // FIN now: the response is complete
  do_discard();
}

template <class Stream>
void HttpSession<Stream>::do_discard() {
  const auto now = std::chrono::steady_clock::now();
  if (discard_left_ == 0 || now >= discard_until_) {
    if constexpr (kTls<Stream>) shutdown();
    return;  // the last handler: the session and its socket go
  }
  beast::get_lowest_layer(stream_).expires_at(std::min(now + kDiscardIdle, discard_until_));
  stream_.async_read_some(
      buffer_.prepare(static_cast<size_t>(std::min<uint64_t>(discard_left_, kDiscardChunk))),
      [self = this->shared_from_this()](beast::error_code e, size_t n) { self->on_discard(e, n); });
}

template <class Stream>
void HttpSession<Stream>::on_discard(beast::error_code ec, size_t bytes) {
  discard_left_ -= std::min<uint64_t>(bytes, discard_left_);
  if (ec) return;  // the client closed (or went quiet): done
  do_discard();
}

template <class Stream>
void HttpSession<Stream>::write(HttpResponse res) {
  response_ = std::make_shared<HttpResponse>(std::move(res));
  add_security_headers(*response_, kTls<Stream>);
  const bool keep_alive = response_->keep_alive();
  http::async_write(stream_, *response_,
                    [self = this->shared_from_this(), keep_alive](beast::error_code e, size_t n) {
                      self->on_write(keep_alive, e, n);
                    });
}

template <class Stream>
void HttpSession<Stream>::call_api(HttpRequest req) {
  ApiRequest api;
  api.method = std::string(req.method_string());
  api.target = std::string(req.target());
  api.body = std::move(req.body());
  api.authorization = std::string(req[http::field::authorization]);
  beast::error_code ec;
  const auto remote = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
  api.client_ip =
      ec ? "unknown" : services_.trusted_proxies.client(remote.address(), forwarded_for(req));
  api.user_agent = std::string(req[http::field::user_agent].substr(0, 256));
  const unsigned version = req.version();
  const bool keep_alive = req.keep_alive();
  const std::string origin = allowed_origin(req);
  auto self = this->shared_from_this();
  auto respond = [self, version, keep_alive, origin](ApiResponse r) {
    HttpResponse res{static_cast<http::status>(r.status), version};
    if (!r.content_type.empty()) res.set(http::field::content_type, r.content_type);
    res.set(http::field::cache_control, "no-store");
    // Never rendered by a browser that navigates here (ASVS 14.4.2); a route naming a file
    // (the zip export) replaces it with its own.
    res.set(http::field::content_disposition, "attachment");
    for (const auto& [name, value] : r.headers) res.set(name, value);
    if (!origin.empty()) {
      res.set(http::field::access_control_allow_origin, origin);
      res.set(http::field::vary, "Origin");
    }
    res.keep_alive(keep_alive);
    res.body() = std::move(r.body);
    res.prepare_payload();
    asio::dispatch(self->stream_.get_executor(),
                   [self, res = std::move(res)]() mutable { self->write(std::move(res)); });
  };
  if (!hashes_a_password(api.method, path_of(api.target))) {
    asio::post(services_.blocking, [self, api = std::move(api), respond]() mutable {
      handle_api(self->services_, std::move(api), std::move(respond));
    });
    return;
  }
  // A password to check or hash (~0.25 s of bcrypt): on the --bcrypt-threads pool, which a flood
  // of logins fills without touching `blocking`; beyond kBcryptQueuePerThread a thread, refused.
  Metrics& m = services_.metrics;
  const auto bound = static_cast<int64_t>(services_.config.bcrypt_threads) * kBcryptQueuePerThread;
  if (m.bcrypt_queued.fetch_add(1) >= bound) {
    --m.bcrypt_queued;
    ++m.bcrypt_refused_busy;
    respond({503,
             error_body("busy", "too many sign-ins at once; try again in a moment"),
             "application/json",
             {{"Retry-After", "1"}}});
    return;
  }
  asio::post(services_.bcrypt, [self, api = std::move(api), respond]() mutable {
    handle_api(self->services_, std::move(api), [self, respond](ApiResponse r) {
      --self->services_.metrics.bcrypt_queued;
      respond(std::move(r));
    });
  });
}

template <class Stream>
std::string HttpSession<Stream>::allowed_origin(const HttpRequest& req) const {
  const auto origin = req[http::field::origin];
  if (origin.empty() || !origin_listed(services_.config.cors_origins, origin)) return {};
  return std::string(origin);
}

// A CORS preflight: allowed origins get the methods and headers the API uses; others a 403 (the
// browser then refuses the real request). Same-origin requests never preflight.
template <class Stream>
HttpResponse HttpSession<Stream>::preflight(const HttpRequest& req) const {
  const std::string origin = allowed_origin(req);
  if (origin.empty()) {
    return text(req, http::status::forbidden,
                error_body("forbidden", "this origin may not call the API"), "application/json");
  }
  HttpResponse res{http::status::no_content, req.version()};
  res.set(http::field::access_control_allow_origin, origin);
  res.set(http::field::access_control_allow_methods, "GET, POST, PUT, PATCH, DELETE");
  res.set(http::field::access_control_allow_headers, "Authorization, Content-Type");
  res.set(http::field::access_control_max_age, "600");
  res.set(http::field::vary, "Origin");
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

template <class Stream>
void HttpSession<Stream>::on_write(bool keep_alive, beast::error_code ec, size_t) {
  if (ec) return;
  if (!keep_alive) {
    shutdown();
    return;
  }
  response_.reset();
  do_read();
}

template <class Stream>
HttpResponse HttpSession<Stream>::handle(const HttpRequest& req) {
  const std::string_view path = path_of(req.target());
  if (path == "/healthz") return text(req, http::status::ok, "ok\n");
  if (path == "/readyz") {
    if (services_.draining.load())
      return text(req, http::status::service_unavailable, "draining\n");
    bool db = false;
    try {
      db = services_.store.ping();
    } catch (const std::exception&) {
    }
    const bool bus = services_.cluster.healthy();
    if (db && bus) return text(req, http::status::ok, "ready\n");
    return text(req, http::status::service_unavailable,
                !db ? "database unreachable\n" : "redis unreachable\n");
  }
  if (path == "/metrics") {
    Metrics::Scrape scrape{.users_per_room = services_.rooms.users(),
                           .database_up = false,
                           .bus_up = services_.cluster.healthy(),
                           .broker = services_.cluster.bus_stats(),
                           .draining = services_.draining.load()};
    try {
      scrape.database_up = services_.store.ping();
    } catch (const std::exception&) {
    }
    const store::PoolStats pool = services_.store.pool_stats();
    scrape.pool = {
        .size = pool.size, .in_use = pool.in_use, .waiting = pool.waiting, .waits = pool.waits};
    const store::ReadStats reads = services_.store.read_stats();
    for (const auto& r : reads.replicas) scrape.replicas.push_back({r.up, r.lag_seconds});
    scrape.replica_reads = reads.replica_reads;
    scrape.primary_reads = reads.primary_reads;
    return text(req, http::status::ok, services_.metrics.render(scrape),
                "text/plain; version=0.0.4; charset=utf-8");
  }
  if (path.rfind("/ws/", 0) == 0)
    return text(req, http::status::upgrade_required, "WebSocket upgrade required\n");
  if (path.rfind("/api/", 0) == 0) return preflight(req);  // OPTIONS; the rest went to call_api
  return files_.serve(req);
}

template class HttpSession<beast::tcp_stream>;
template class HttpSession<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace weft
