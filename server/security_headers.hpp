// security_headers.hpp — the HTTP response headers that tell a browser what it may do with what
// Weft serves: the one place that knows their values (docs/SECURITY.md explains each choice).
//
// Every HTTP response gets the baseline (add_security_headers, called by HttpSession just before
// it writes): nosniff, no framing (X-Frame-Options and CSP frame-ancestors), no Referer ever
// (page URLs carry no token today, but a WebSocket URL does, and no-referrer can never leak one),
// a closed Permissions-Policy, COOP and CORP same-origin, and HSTS when this server speaks TLS
// itself. A response without a Content-Security-Policy of its own gets kNoContentPolicy: JSON,
// text and metrics load nothing, so they may do nothing if a browser ever renders one.
//
// The web app's files carry kAppPolicy instead (StaticFiles sets it): every file, not only
// index.html, because a worker script (Monaco's, and the service worker sw.js) runs under the
// policy of its own response.
#pragma once

#include <string_view>

#include "server/static_files.hpp"

namespace weft {

// The web app (web/dist: Vite's bundle, Monaco). Scripts only from this origin, no eval, no
// inline script. 'unsafe-inline' for styles only: Monaco and the remote-cursor colors write
// <style> elements at run time. blob: workers: loadEditorResources starts Monaco's workers from
// in-memory copies (web/src/editor/monaco.ts). data: images: Monaco's CSS inlines its squiggles
// and a few icons. connect-src 'self' covers ws: and wss: to the same host and port (CSP Level 3),
// which is where y-websocket connects. The value is in security_headers.cpp.
extern const std::string_view kAppPolicy;

// Everything that is not the web app (API, /healthz, /metrics, error pages): nothing may load.
extern const std::string_view kNoContentPolicy;

// Only sent over TLS (RFC 6797 §7.2: ignored over plain HTTP). One year, no includeSubDomains:
// this server cannot know what else runs under the parent domain.
extern const std::string_view kHstsValue;

// Sets the baseline on `res`; kNoContentPolicy unless it already has a policy; HSTS when `tls`.
void add_security_headers(HttpResponse& res, bool tls);

}  // namespace weft
