// fuzz_awareness.cpp — libFuzzer target: awareness messages from several connections to one room,
// handled by the server's own Room (server/room.cpp) on a whole server (fuzz/world.hpp).
//
// The input is a script of steps, each [op][length, 2 bytes little-endian][payload]; op's low two
// bits say what, the next two which of three connections:
//   0  the payload as an awareness update (wrapped as a y-websocket awareness message)
//   1  the payload as a whole y-websocket message, when it decodes as an awareness or
//      query-awareness message (sync messages would change the document: fuzz_update's part)
//   2  a query-awareness message
//   3  the connection leaves, and a new one takes its place
// Every step goes to the room as WsSession hands it over (Room::receive), with
// --max-awareness-bytes at 256 so that the refusal is within reach, through the decoder, the
// JSON check of each state, y-protocols' clock rules, the presence owners, the lone-user echo
// and the removal of a leaving connection's states. A fourth connection only listens.
//
// Checked: the room sends only messages that decode, whose awareness updates a client applies
// (each connection keeps the client's view, protocol::Awareness); it closes a connection only
// with 1002, 1003 or 4413; Awareness::largest_state reads every update that apply() accepts and
// finds its largest state; and once every sender has left, no state is left anywhere — neither
// in the listener's view nor in what a newcomer is sent — and the room unloads. The presence tick
// is 0 ms here (fuzz_config), so that the end of every tick runs within settle(): changes handled
// in one turn are still merged, through the same code as a 50 ms tick's.
#include <spdlog/spdlog.h>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "fuzz/world.hpp"
#include "protocol/awareness.hpp"
#include "protocol/messages.hpp"
#include "server/room.hpp"

namespace {

namespace fs = std::filesystem;

void check(bool ok) {
  if (!ok) std::abort();
}

constexpr int64_t kDocument = 1;

// A client connection as the room sees it, keeping what the client would make of what it is sent.
class Peer : public weft::Connection {
 public:
  explicit Peer(int64_t user_id) : user_id_(user_id) {}

  void send(weft::Frame frame) override {
    protocol::Message msg;
    try {
      msg = protocol::decode_message(*frame);
    } catch (const protocol::ProtocolError&) {
      std::abort();  // the server sent a message a client cannot read
    }
    if (const auto* aw = std::get_if<protocol::AwarenessUpdate>(&msg)) {
      try {
        view.apply(aw->update);
      } catch (const crdt::DecodeError&) {
        std::abort();  // an update a client would refuse
      }
      ++awareness_received;
    }
  }
  void close(uint16_t code, std::string) override {
    check(code == weft::close_code::kProtocolError || code == weft::close_code::kUnsupported ||
          code == weft::close_code::kTooLarge);
    closed = true;
  }
  weft::Role role() const override { return weft::Role::kEditor; }
  void set_role(weft::Role) override {}
  int64_t user_id() const override { return user_id_; }

  protocol::Awareness view;  // the client's awareness, from what the server sent
  size_t awareness_received = 0;
  bool closed = false;

 private:
  int64_t user_id_;
};

// The server, made once: its World keeps a reference to the configuration, so it stays in place.
struct Setup {
  Setup() {
    spdlog::set_level(spdlog::level::err);
    config.max_awareness_bytes = 256;
    world = std::make_unique<fuzz::World>(config, (fs::path(dir.path()) / "weft.db").string());
    auto& accounts = world->services().accounts;
    user_id = accounts.create_user("alice", std::nullopt, "unused").id;
    store::NewDocument doc;
    doc.owner_id = user_id;
    doc.title = "main.py";
    check(accounts.create_document(doc).id == kDocument);
  }

  fuzz::TempDir dir{"awareness"};
  weft::Config config = fuzz::fuzz_config();
  std::unique_ptr<fuzz::World> world;
  int64_t user_id = 0;
};

weft::Frame frame_of(crdt::Bytes bytes) {
  return std::make_shared<const crdt::Bytes>(std::move(bytes));
}

// apply() and largest_state() read an update the same way.
void check_largest(crdt::ByteView update) {
  protocol::Awareness scratch;
  try {
    scratch.apply(update);
  } catch (const crdt::DecodeError&) {
    return;
  }
  size_t largest = 0;
  const crdt::Bytes held = scratch.encode_all();
  crdt::Decoder dec(held);
  for (uint64_t n = dec.read_var_uint(); n > 0; --n) {
    dec.read_var_uint();
    dec.read_var_uint();
    largest = std::max(largest, dec.read_var_string().size());
  }
  check(protocol::Awareness::largest_state(update) >= largest);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Setup s;
  fuzz::World& world = *s.world;
  weft::RoomRegistry& rooms = world.services().rooms;
  const std::shared_ptr<weft::Room> room = rooms.acquire(kDocument);

  auto listener = std::make_shared<Peer>(s.user_id);
  room->join(listener);
  std::vector<std::shared_ptr<Peer>> peers;
  for (int i = 0; i < 3; ++i) {
    peers.push_back(std::make_shared<Peer>(s.user_id));
    room->join(peers.back());
  }
  world.settle();

  size_t pos = 0;
  for (int steps = 0; pos + 3 <= size && steps < 64; ++steps) {
    const uint8_t op = data[pos];
    const size_t len = std::min<size_t>(data[pos + 1] | size_t{data[pos + 2]} << 8, size - pos - 3);
    const crdt::ByteView payload(data + pos + 3, len);
    pos += 3 + len;
    std::shared_ptr<Peer>& peer = peers[(op >> 2) % 3];
    switch (op & 3) {
      case 0:
        check_largest(payload);
        if (!peer->closed) room->receive(peer, frame_of(protocol::encode_awareness(payload)));
        break;
      case 1: {
        bool awareness = false;
        try {
          const protocol::Message msg = protocol::decode_message(payload);
          awareness = std::holds_alternative<protocol::AwarenessUpdate>(msg) ||
                      std::holds_alternative<protocol::QueryAwareness>(msg);
        } catch (const protocol::ProtocolError&) {
          awareness = !payload.empty() && payload[0] == 1;  // a broken awareness message
        }
        if (awareness && !peer->closed)
          room->receive(peer, frame_of(crdt::Bytes(payload.begin(), payload.end())));
        break;
      }
      case 2:
        if (!peer->closed) room->receive(peer, frame_of(protocol::encode_query_awareness()));
        break;
      case 3:
        room->leave(peer);
        peer = std::make_shared<Peer>(s.user_id);
        room->join(peer);
        break;
    }
    world.settle();
    // A connection the room closed is gone once its session finishes (WsSession::finish).
    if (peer->closed) room->leave(peer);
  }

  for (const auto& peer : peers) room->leave(peer);
  world.settle();
  check(listener->view.size() == 0);  // every removal reached the listener
  auto newcomer = std::make_shared<Peer>(s.user_id);
  room->join(newcomer);
  world.settle();
  check(newcomer->awareness_received == 0);  // and the room holds no state
  room->leave(newcomer);
  room->leave(listener);
  rooms.release(room);
  world.settle();
  check(rooms.all().empty());
  return 0;
}
