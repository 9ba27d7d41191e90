// http_session.cpp — request loop and routing.
#include "server/http_session.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>

#include "server/room_registry.hpp"
#include "server/ws_session.hpp"

namespace weft {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr size_t kBodyLimit = 1 << 20;

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

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

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
  parser_->body_limit(kBodyLimit);
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
    HttpRequest req;
    req.version(11);
    response_ = std::make_shared<HttpResponse>(
        text(req, http::status::payload_too_large, "request body too large\n"));
    response_->keep_alive(false);
    http::async_write(stream_, *response_,
                      [self = this->shared_from_this()](beast::error_code e, size_t n) {
                        self->on_write(false, e, n);
                      });
    return;
  }
  if (ec) return;
  HttpRequest req = parser_->release();
  const std::string_view path = path_of(req.target());
  if (path.rfind("/ws/", 0) == 0 && beast::websocket::is_upgrade(req)) {
    std::make_shared<WsSession<Stream>>(std::move(stream_), services_)->run(std::move(req));
    return;
  }
  response_ = std::make_shared<HttpResponse>(handle(req));
  const bool keep_alive = response_->keep_alive();
  http::async_write(stream_, *response_,
                    [self = this->shared_from_this(), keep_alive](beast::error_code e, size_t n) {
                      self->on_write(keep_alive, e, n);
                    });
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
    bool ok = false;
    try {
      ok = services_.store.ping();
    } catch (const std::exception&) {
    }
    return ok ? text(req, http::status::ok, "ready\n")
              : text(req, http::status::service_unavailable, "database unreachable\n");
  }
  if (path == "/metrics") {
    return text(req, http::status::ok, services_.metrics.render(services_.rooms.users()),
                "text/plain; version=0.0.4; charset=utf-8");
  }
  if (path.rfind("/ws/", 0) == 0)
    return text(req, http::status::upgrade_required, "WebSocket upgrade required\n");
  if (path.rfind("/api/", 0) == 0) {
    return text(req, http::status::not_found,
                R"({"error":{"code":"not_found","message":"no such route"}})", "application/json");
  }
  return files_.serve(req);
}

template class HttpSession<beast::tcp_stream>;
template class HttpSession<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace weft
