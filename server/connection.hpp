// connection.hpp — what a Room needs from a client connection, independent of sockets.
//
// The WebSocket session implements it; a room only sends frames, closes, and asks the role.
// send() and close() may be called from any thread (the session hops to its own strand).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "crdt/lib0.hpp"

namespace weft {

using Frame = std::shared_ptr<const crdt::Bytes>;

enum class Role { kEditor, kViewer };

// WebSocket close codes of the design (§3) plus the standard ones used for bad frames.
namespace close_code {
inline constexpr uint16_t kGoingAway = 1001;      // server shutting down
inline constexpr uint16_t kProtocolError = 1002;  // malformed frame or update
inline constexpr uint16_t kUnsupported = 1003;    // unknown message type, text frame
inline constexpr uint16_t kTryAgainLater = 1013;  // overloaded
inline constexpr uint16_t kUnauthorized = 4401;
inline constexpr uint16_t kForbidden = 4403;
inline constexpr uint16_t kNotFound = 4404;
inline constexpr uint16_t kTooLarge = 4413;
inline constexpr uint16_t kRateLimited = 4429;
}  // namespace close_code

class Connection {
 public:
  virtual ~Connection() = default;
  virtual void send(Frame frame) = 0;
  virtual void close(uint16_t code, std::string reason) = 0;
  virtual Role role() const = 0;
};

}  // namespace weft
