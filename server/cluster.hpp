// cluster.hpp — what instances of weft serve tell each other over the Bus (DESIGN.md §6).
//
// Every bus message is an envelope: the sender's instance id (so an instance ignores its own
// echoes) and a list of parts, so that one room's changes of one event-loop turn travel as one
// message. On a document's channel `weft:doc:<id>`:
//   update         a Yjs update applied by the sender (from its clients or an API edit)
//   awareness      an awareness update (presence) from the sender's clients
//   sync_request   the sender's state vector: "send me what I lack" — answered with an update;
//                  kSyncRequest also asks the receiver to send its own state vector back
//                  (kSyncReply), so that two instances cut off from each other both catch up
//   removed        the document was deleted: close its connections with 4404
//   access         a user's access changed (varUint user id, varUint 0 none / 1 viewer / 2 editor)
// On `weft:instances`: alive (every 5 s), bye (at shutdown), and signed_out (a user's tokens were
// revoked: every instance closes the connections it covers with 4401; envelope.hpp's SignOut). An
// instance not heard from for 15 s is presumed dead, and the awareness states its clients had are
// removed from every room, so nobody keeps seeing the cursors of a crashed instance's users.
//
// Rooms subscribe when they load and unsubscribe when they unload; Cluster routes incoming
// messages to loaded rooms and, after a bus reconnect, has every room ask for what it missed.
// With the default in-process bus and no --redis, nothing is published: there are no peers.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bus/bus.hpp"
#include "crdt/lib0.hpp"
#include "server/connection.hpp"
#include "server/envelope.hpp"

namespace weft {

struct Metrics;
class RoomRegistry;

class Cluster {
 public:
  Cluster(boost::asio::io_context& ioc, bus::Bus& bus, bool enabled, std::string instance_id,
          Metrics& metrics, RoomRegistry& rooms);

  // Installs the bus handlers and starts the heartbeat. Call once, before serving.
  void start();
  // Says bye (peers drop our clients' presence at once) and stops the heartbeat.
  void stop();

  bool enabled() const { return enabled_; }
  bool healthy() const { return !enabled_ || bus_.healthy(); }
  // The broker's own figures; nullopt without one (no --redis).
  std::optional<bus::Bus::Stats> bus_stats() const {
    return enabled_ ? std::optional(bus_.stats()) : std::nullopt;
  }
  void subscribe(int64_t document_id);
  void unsubscribe(int64_t document_id);
  // Publishes `parts` for the document (no-op when disabled or empty).
  void publish(int64_t document_id, std::vector<Part> parts);
  // Closes the connections `s` covers with 4401, here and on every other instance.
  void sign_out(const SignOut& s);

 private:
  void on_message(const std::string& channel, const bus::Payload& payload);
  void heartbeat();

  bus::Bus& bus_;
  const bool enabled_;
  const std::string instance_id_;
  Metrics& metrics_;
  RoomRegistry& rooms_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer timer_;
  bool bus_was_up_ = false;  // on_reconnect after the first counts as a reconnect (metrics)
  std::mutex mu_;  // guards peers_ (bus handlers and the heartbeat run on different strands)
  std::map<std::string, std::chrono::steady_clock::time_point> peers_;
  std::mutex subscriptions_mu_;
  std::map<int64_t, int> subscriptions_;  // loaded rooms per document (see subscribe())
};

}  // namespace weft
