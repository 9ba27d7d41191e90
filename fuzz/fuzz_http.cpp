// fuzz_http.cpp — libFuzzer target: arbitrary bytes as what a client sends on an HTTP connection,
// through the server's request parsing, routing and every route of the API.
//
// The bytes are parsed as HttpSession reads them (Beast's request parser, --max-body-bytes as the
// body limit), up to four requests kept alive on one connection; each goes where HttpSession
// sends it: /api/ (not OPTIONS) to handle_api, with the Authorization header, the body and the
// address as call_api passes them, and anything else but /ws/ upgrades to the static files. The
// API runs on a whole server (fuzz/world.hpp) over a SQLite database that every input gets
// afresh, copied from one made at start-up: users alice and bob, alice's document 1 (bob its
// editor, one named version), her project 1 with the file src/a.js (document 2). So an input's
// effect never depends on the inputs before it, and a failing input replays alone.
//
// A request carries a token by naming it: "$ALICE" and "$BOB" anywhere in the input become a
// valid bearer token of that user (the seeds say "Authorization: Bearer $ALICE"), so the fuzzer
// reaches the routes behind sign-in without having to forge an HS256 signature.
//
// Checked: no route answers 500 (an exception the API did not turn into a 4xx: a bug), every
// status is 2xx–5xx, a JSON answer parses as JSON, and the answer becomes an HTTP response the
// way call_api builds it. bcrypt is replaced by fuzz/fake_password.cpp (see there).
#include <spdlog/spdlog.h>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "fuzz/world.hpp"
#include "server/api.hpp"
#include "server/static_files.hpp"
#include "server/url.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using json = nlohmann::json;

void check(bool ok) {
  if (!ok) std::abort();
}

// Requests handled per input (keep-alive), so that one input stays cheap.
constexpr int kMaxRequests = 4;

weft::ApiRequest api_request(const weft::HttpRequest& req) {
  weft::ApiRequest api;
  api.method = std::string(req.method_string());
  api.target = std::string(req.target());
  api.body = req.body();
  api.authorization = std::string(req[http::field::authorization]);
  api.client_ip = "127.0.0.1";
  api.user_agent = std::string(req[http::field::user_agent].substr(0, 256));
  return api;
}

// One API request through handle_api, waited for.
weft::ApiResponse call(fuzz::World& world, weft::ApiRequest req) {
  std::optional<weft::ApiResponse> answer;
  weft::handle_api(world.services(), std::move(req),
                   [&answer](weft::ApiResponse r) { answer = std::move(r); });
  // The answer may come from a room's strand or the blocking pool: run both until it is there.
  world.run_until([&answer] { return answer.has_value(); });
  world.settle();
  return std::move(*answer);
}

weft::ApiResponse call(fuzz::World& world, std::string method, std::string target, std::string body,
                       const std::string& token = {}) {
  weft::ApiRequest req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.body = std::move(body);
  if (!token.empty()) req.authorization = "Bearer " + token;
  req.client_ip = "127.0.0.1";
  return call(world, std::move(req));
}

struct Setup {
  fuzz::TempDir dir{"http"};
  fs::path template_db;
  fs::path live_db;
  fs::path static_dir;
  weft::Config config = fuzz::fuzz_config();
  std::string alice;  // tokens
  std::string bob;
};

std::string token_of(const weft::ApiResponse& r) {
  check(r.status == 201);
  return json::parse(r.body).at("token").get<std::string>();
}

// The database every input starts from, and the web app's files.
Setup make_setup() {
  Setup s;
  s.template_db = fs::path(s.dir.path()) / "template.db";
  s.live_db = fs::path(s.dir.path()) / "live.db";
  s.static_dir = fs::path(s.dir.path()) / "static";
  fs::create_directories(s.static_dir / "assets");
  {
    std::FILE* f = std::fopen((s.static_dir / "index.html").c_str(), "w");
    std::fputs("<!doctype html><title>Weft</title>\n", f);
    std::fclose(f);
    f = std::fopen((s.static_dir / "assets" / "index-abc123.js").c_str(), "w");
    std::fputs("console.log('weft');\n", f);
    std::fclose(f);
  }
  fuzz::World w(s.config, s.template_db);
  s.alice = token_of(
      call(w, "POST", "/api/auth/register",
           R"({"username":"alice","email":"alice@example.com","password":"correct horse"})"));
  s.bob = token_of(
      call(w, "POST", "/api/auth/register", R"({"username":"bob","password":"battery staple"})"));
  check(
      call(w, "POST", "/api/documents", R"({"title":"main.py","content":"print('hi')\n"})", s.alice)
          .status == 201);
  check(call(w, "PUT", "/api/documents/1/members/bob", R"({"role":"editor"})", s.alice).status ==
        200);
  check(call(w, "POST", "/api/documents/1/versions", R"({"name":"first"})", s.alice).status == 201);
  check(call(w, "POST", "/api/projects", R"({"name":"demo"})", s.alice).status == 201);
  check(call(w, "POST", "/api/projects/1/files", R"({"path":"src/a.js","content":"let a = 1;\n"})",
             s.alice)
            .status == 201);
  return s;
}

const Setup& setup() {
  static const Setup s = [] {
    spdlog::set_level(spdlog::level::err);  // the API's 500s are logged at error
    return make_setup();
  }();
  return s;
}

void replace_all(std::string& s, std::string_view from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

// What HttpSession does with one parsed request.
void dispatch(fuzz::World& world, const weft::StaticFiles& files, const weft::HttpRequest& req) {
  const std::string_view path = weft::path_of(req.target());
  if (path.rfind("/ws/", 0) == 0 && beast::websocket::is_upgrade(req)) return;  // fuzz_ws_frames
  if (path.rfind("/api/", 0) == 0) {
    if (req.method() == http::verb::options) return;  // the CORS preflight: headers only
    const weft::ApiResponse r = call(world, api_request(req));
    check(r.status != 500);
    check(r.status >= 200 && r.status <= 599);
    if (r.content_type == "application/json" && !r.body.empty()) check(json::accept(r.body));
    // As call_api turns it into the HTTP answer.
    weft::HttpResponse res{static_cast<http::status>(r.status), req.version()};
    if (!r.content_type.empty()) res.set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) res.set(name, value);
    res.keep_alive(req.keep_alive());
    res.body() = r.body;
    res.prepare_payload();
    return;
  }
  if (path == "/healthz" || path == "/readyz" || path == "/metrics") return;  // no input read
  (void)files.serve(req);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Setup& s = setup();
  std::string input(reinterpret_cast<const char*>(data), size);
  replace_all(input, "$ALICE", s.alice);
  replace_all(input, "$BOB", s.bob);

  std::error_code ignored;
  fs::remove(s.live_db.string() + "-wal", ignored);
  fs::remove(s.live_db.string() + "-shm", ignored);
  fs::copy_file(s.template_db, s.live_db, fs::copy_options::overwrite_existing);
  fuzz::World world(s.config, s.live_db);
  const weft::StaticFiles files(s.static_dir);

  size_t pos = 0;
  for (int i = 0; i < kMaxRequests && pos < input.size(); ++i) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(s.config.max_body_bytes);
    beast::error_code ec;
    // Everything left is handed over each time, so "need more" with nothing taken means the
    // connection ends here (put_eof: a message without a length ends, anything else is partial).
    while (!parser.is_done()) {
      const size_t n = parser.put(boost::asio::buffer(input.data() + pos, input.size() - pos), ec);
      pos += n;
      if (ec != http::error::need_more) break;
      ec = {};
      if (n == 0) {
        parser.put_eof(ec);
        break;
      }
    }
    if (ec || !parser.is_done()) break;  // HttpSession answers 413 or closes: nothing routed
    const weft::HttpRequest req = parser.release();
    dispatch(world, files, req);
    if (!req.keep_alive()) break;
  }
  return 0;
}
