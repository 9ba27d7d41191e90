// ws_deflate.hpp — permessage-deflate (RFC 7692) as Weft speaks it: without context takeover in
// either direction, so that a message is compressed on its own.
//
// Why no context takeover: a broadcast then compresses once and the same compressed frame goes to
// every receiver (with context takeover each receiver's stream would need its own compression and
// its own 32 KiB window), and a connection keeps no zlib state between messages — one deflater
// and one inflater per thread serve every connection, so an idle connection costs nothing more.
// The answer to an offer therefore always names server_no_context_takeover and
// client_no_context_takeover (a server may ask the latter of any client, §7.1.1.2), and declines
// an offer it cannot keep: server_max_window_bits below 15 (the shared frame is compressed with
// a 32 KiB window), an unknown or repeated parameter, a malformed value.
//
// Messages below kMinBytes are sent as they are: the deflate block's own bytes and the work are
// not worth it (see docs/BENCHMARKS.md "Compression" for the measurement), nor is a message that
// does not shrink.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "crdt/lib0.hpp"
#include "server/connection.hpp"

namespace weft::ws_deflate {

// The smallest payload sent compressed.
inline constexpr size_t kMinBytes = 128;

// The Sec-WebSocket-Extensions value to answer `offers` (the request's header values, joined by
// ", "), or nullopt when none of its permessage-deflate offers can be accepted.
std::optional<std::string> accept(std::string_view offers);

// The compressed payload for `frame`'s payload (a whole message, the trailing 00 00 FF FF removed
// as §7.2.1 says), or nullptr when it is below kMinBytes or does not shrink. The last few frames
// each thread compressed are remembered, so a broadcast's receivers share one compression.
Frame compressed(const Frame& frame);

enum class Inflated { kOk, kTooLarge, kBad };
// Decompresses a message received with RSV1 into `out`; kTooLarge once it would exceed `limit`
// bytes (an inflation bomb stops there), kBad when it is not valid deflate data.
Inflated inflate(crdt::ByteView message, size_t limit, crdt::Bytes& out);

}  // namespace weft::ws_deflate
