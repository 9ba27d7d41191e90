// http_session.hpp — one HTTP/1.1 connection: reads requests (keep-alive), answers the fixed
// routes (/healthz, /readyz, /metrics), serves the web app, hands /api/ requests to the API on the
// blocking pool (answering CORS preflights itself), and hands WebSocket upgrades on /ws/<id> to a
// WsSession. Request bodies are size-limited (--max-body-bytes); nothing about a request's query
// string (where tokens travel) is ever logged. One request at a time per connection: the next is
// read only after the answer is written. Every answer leaves with the headers of
// security_headers.hpp (write and refuse_body add them).
#pragma once

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "server/services.hpp"
#include "server/static_files.hpp"

namespace weft {

// Stream: boost::beast::tcp_stream, or boost::beast::ssl_stream<tcp_stream> for https://.
template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(Stream&& stream, Services& services, const StaticFiles& files);
  void run();

 private:
  void do_read();
  void shutdown();
  void on_read(boost::beast::error_code ec, size_t bytes);
  void on_write(bool keep_alive, boost::beast::error_code ec, size_t bytes);
  // A body over --max-body-bytes: the 413, then a lingering close (refuse_body).
  void refuse_body();
  void on_refused(boost::beast::error_code ec);
  void do_discard();
  void on_discard(boost::beast::error_code ec, size_t bytes);
  HttpResponse handle(const HttpRequest& req);
  void call_api(HttpRequest req);
  void write(HttpResponse res);
  // The allowed origin to echo in Access-Control-Allow-Origin, or empty.
  std::string allowed_origin(const HttpRequest& req) const;
  HttpResponse preflight(const HttpRequest& req) const;

  Stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::shared_ptr<HttpResponse> response_;
  // Lingering close after a 413: body bytes still to read and throw away, and until when.
  uint64_t discard_left_ = 0;
  std::chrono::steady_clock::time_point discard_until_{};
  Services& services_;
  const StaticFiles& files_;
};

}  // namespace weft
