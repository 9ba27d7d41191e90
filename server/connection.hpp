// connection.hpp — what a Room needs from a client connection, independent of sockets.
//
// The WebSocket session implements it; a room only sends frames, closes, asks and changes the
// role, and asks who is connected. send() and close() may be called from any thread (the session
// hops to its own strand); role() and set_role() are atomic.
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
inline constexpr uint16_t kServiceRestart = 1012;  // the instance drains (SIGTERM): reconnect
inline constexpr uint16_t kProtocolError = 1002;   // malformed frame or update
inline constexpr uint16_t kUnsupported = 1003;     // unknown message type, text frame
inline constexpr uint16_t kInvalidPayload = 1007;  // a compressed message that does not inflate
inline constexpr uint16_t kTryAgainLater = 1013;   // overloaded
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
  // The role changes when the owner changes a member's role while they are connected.
  virtual void set_role(Role role) = 0;
  // The signed-in user behind the connection.
  virtual int64_t user_id() const = 0;
  // The sign-in (auth_sessions row, the token's sid) it was opened with; 0 when none.
  virtual int64_t sign_in_id() const { return 0; }
};

}  // namespace weft
