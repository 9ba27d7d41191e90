// security_headers.cpp — the baseline of security_headers.hpp on one response.
#include "server/security_headers.hpp"

namespace weft {

namespace http = boost::beast::http;

const std::string_view kAppPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self' blob:; "
    "manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

const std::string_view kNoContentPolicy =
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const std::string_view kHstsValue = "max-age=31536000";

void add_security_headers(HttpResponse& res, bool tls) {
  res.set("X-Content-Type-Options", "nosniff");
  res.set(http::field::x_frame_options, "DENY");
  res.set("Referrer-Policy", "no-referrer");
  // Features the app never uses, refused for it and anything it could embed. Only names Chromium
  // knows: an unknown one is a console error on every page (csp.test.mjs fails on it).
  res.set("Permissions-Policy",
          "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=()");
  res.set("Cross-Origin-Opener-Policy", "same-origin");
  // Other sites may not load these bytes as images, scripts or frames (no-cors); CORS requests
  // from --cors-origins are not affected.
  res.set("Cross-Origin-Resource-Policy", "same-origin");
  if (res["Content-Security-Policy"].empty()) res.set("Content-Security-Policy", kNoContentPolicy);
  if (tls) res.set(http::field::strict_transport_security, kHstsValue);
}

}  // namespace weft
