// static_files.cpp — file lookup, MIME types, ETags and the index.html fallback.
#include "server/static_files.hpp"

#include <sys/stat.h>

#include <cctype>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>
#include <unordered_map>

#include "server/security_headers.hpp"

namespace weft {

namespace http = boost::beast::http;

namespace {

std::string_view mime_type(std::string_view path) {
  static const std::unordered_map<std::string_view, std::string_view> kTypes = {
      {"html", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"ico", "image/x-icon"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
      {"ttf", "font/ttf"},
      {"txt", "text/plain; charset=utf-8"},
      {"wasm", "application/wasm"},
      {"webmanifest", "application/manifest+json"}};
  const size_t dot = path.rfind('.');
  if (dot == std::string_view::npos || path.find('/', dot) != std::string_view::npos) {
    return "application/octet-stream";
  }
  const auto it = kTypes.find(path.substr(dot + 1));
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

bool has_extension(std::string_view path) {
  const size_t slash = path.rfind('/');
  return path.find('.', slash == std::string_view::npos ? 0 : slash) != std::string_view::npos;
}

// Percent-decodes a URL path; empty optional on malformed escapes.
std::optional<std::string> url_decode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size() || !std::isxdigit(static_cast<unsigned char>(in[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      return std::nullopt;
    }
    out.push_back(static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
    i += 2;
  }
  return out;
}

// A safe relative path: segments without "." or ".." or NUL. Empty optional when unsafe.
std::optional<std::string> safe_relative(std::string_view decoded) {
  std::string out;
  size_t i = 0;
  while (i <= decoded.size()) {
    size_t j = decoded.find('/', i);
    if (j == std::string_view::npos) j = decoded.size();
    const std::string_view seg = decoded.substr(i, j - i);
    if (seg == ".." || seg == "." || seg.find('\0') != std::string_view::npos ||
        seg.find('\\') != std::string_view::npos) {
      return std::nullopt;
    }
    if (!seg.empty()) {
      if (!out.empty()) out.push_back('/');
      out.append(seg);
    }
    i = j + 1;
  }
  return out;
}

HttpResponse plain(const HttpRequest& req, http::status status, std::string body) {
  HttpResponse res{status, req.version()};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

}  // namespace

HttpResponse StaticFiles::serve(const HttpRequest& req) const {
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    return plain(req, http::status::method_not_allowed, "method not allowed\n");
  }
  std::string_view target = req.target();
  target = target.substr(0, target.find_first_of("?#"));
  const auto decoded = url_decode(target);
  const auto rel = decoded ? safe_relative(*decoded) : std::nullopt;
  if (!rel) return plain(req, http::status::bad_request, "bad path\n");

  std::string rel_path = rel->empty() ? "index.html" : *rel;
  std::string path = root_ + "/" + rel_path;
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    rel_path += "/index.html";
    path = root_ + "/" + rel_path;
  }
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    // A missing file with an extension is a 404, except under p/: a project's deep link names a
    // file (/p/<id>/src/main.py) and is a client-side route like any path without one.
    if (has_extension(rel_path) && rel_path.rfind("p/", 0) != 0)
      return plain(req, http::status::not_found, "not found\n");
    rel_path = "index.html";  // a client-side route of the single-page app
    path = root_ + "/index.html";
    if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return plain(req, http::status::not_found, "not found (the web app is not built)\n");
    }
  }
  const std::string etag =
      "W/\"" + std::to_string(st.st_size) + "-" + std::to_string(st.st_mtime) + "\"";
  HttpResponse res{http::status::ok, req.version()};
  res.set(http::field::etag, etag);
  res.set(http::field::cache_control,
          rel_path.rfind("assets/", 0) == 0 ? "public, max-age=31536000, immutable" : "no-cache");
  // Every file of the app, not only index.html: workers run under their own response's policy.
  res.set("Content-Security-Policy", kAppPolicy);
  res.keep_alive(req.keep_alive());
  if (req[http::field::if_none_match] == etag) {
    res.result(http::status::not_modified);
    res.prepare_payload();
    return res;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream body;
  body << in.rdbuf();
  res.set(http::field::content_type, mime_type(rel_path));
  res.body() = req.method() == http::verb::head ? std::string() : body.str();
  res.prepare_payload();
  if (req.method() == http::verb::head) res.content_length(static_cast<uint64_t>(st.st_size));
  return res;
}

}  // namespace weft
