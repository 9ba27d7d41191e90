// static_files.hpp — serving the built web app (web/dist) over HTTP.
//
// Paths are resolved strictly inside the static directory (no "..", no absolute paths, no NUL),
// with MIME types by extension, a weak ETag from size and mtime (If-None-Match → 304), long-lived
// caching for Vite's hashed /assets/, and index.html for client-side routes (paths without a file
// extension that match no file), so that /doc/42 opens the app.
#pragma once

#include <boost/beast/http.hpp>
#include <string>

namespace weft {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

class StaticFiles {
 public:
  explicit StaticFiles(std::string root) : root_(std::move(root)) {}
  HttpResponse serve(const HttpRequest& req) const;

 private:
  std::string root_;
};

}  // namespace weft
