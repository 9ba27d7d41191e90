// weft_api.cpp — synchronous Beast HTTP client for Weft's API (weft_api.hpp).
#include "bench/load/weft_api.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct WeftApi::Impl {
  std::string host;
  uint16_t port = 0;
  asio::io_context io;
  beast::tcp_stream stream{io};
  bool connected = false;

  // One request; reconnects once if the kept-alive connection was closed.
  http::response<http::string_body> call(http::verb verb, const std::string& target,
                                         const nlohmann::json& body, const std::string& token) {
    for (int attempt = 0;; ++attempt) {
      try {
        if (!connected) {
          asio::ip::tcp::resolver resolver(io);
          stream.connect(resolver.resolve(host, std::to_string(port)));
          connected = true;
        }
        http::request<http::string_body> req{verb, target, 11};
        req.set(http::field::host, host);
        if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
        if (!body.is_null()) {
          req.set(http::field::content_type, "application/json");
          req.body() = body.dump();
        }
        req.prepare_payload();
        http::write(stream, req);
        beast::flat_buffer buf;
        http::response<http::string_body> res;
        http::read(stream, buf, res);
        if (!res.keep_alive()) {
          beast::error_code ec;
          stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
          stream.close();
          connected = false;
        }
        return res;
      } catch (const beast::system_error&) {
        stream.close();
        connected = false;
        if (attempt > 0) throw;
      }
    }
  }
};

WeftApi::WeftApi(std::string host, uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
}
WeftApi::~WeftApi() = default;

std::string WeftApi::sign_in(const std::string& username, const std::string& password) {
  const nlohmann::json creds = {{"username", username}, {"password", password}};
  auto res = impl_->call(http::verb::post, "/api/auth/register", creds, "");
  if (res.result() == http::status::conflict) {
    res = impl_->call(http::verb::post, "/api/auth/login", creds, "");
  }
  if (res.result() != http::status::ok && res.result() != http::status::created) {
    throw std::runtime_error("signing in as " + username + ": HTTP " +
                             std::to_string(res.result_int()) + " " + res.body());
  }
  return nlohmann::json::parse(res.body()).at("token").get<std::string>();
}

std::vector<std::string> WeftApi::create_documents(const std::string& token, size_t count,
                                                   const std::string& prefix) {
  std::vector<std::string> ids;
  ids.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const nlohmann::json body = {{"title", prefix + std::to_string(i) + ".txt"},
                                 {"is_public", true}};
    auto res = impl_->call(http::verb::post, "/api/documents", body, token);
    if (res.result() != http::status::created) {
      throw std::runtime_error("creating a document: HTTP " + std::to_string(res.result_int()) +
                               " " + res.body());
    }
    ids.push_back(std::to_string(nlohmann::json::parse(res.body()).at("id").get<int64_t>()));
  }
  return ids;
}

std::string WeftApi::document_content(const std::string& token, const std::string& id) {
  auto res = impl_->call(http::verb::get, "/api/documents/" + id + "/content", nullptr, token);
  if (res.result() != http::status::ok) {
    throw std::runtime_error("reading document " + id + ": HTTP " +
                             std::to_string(res.result_int()) + " " + res.body());
  }
  return res.body();
}

}  // namespace bench
