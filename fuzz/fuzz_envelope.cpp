// fuzz_envelope.cpp — libFuzzer target: arbitrary bytes as a message from another instance on the
// bus (server/envelope.hpp). decode_envelope, decode_access and decode_sign_out must return or
// throw crdt::DecodeError, nothing else; what decodes encodes to bytes that decode to the same
// envelope.
#include <cstdint>
#include <cstdlib>

#include "server/envelope.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  weft::Envelope e;
  try {
    e = weft::decode_envelope(crdt::ByteView(data, size));
  } catch (const crdt::DecodeError&) {
    return 0;
  }
  const weft::Envelope again = weft::decode_envelope(weft::encode_envelope(e));
  check(again.instance == e.instance && again.parts.size() == e.parts.size());
  for (size_t i = 0; i < e.parts.size(); ++i) {
    check(again.parts[i].kind == e.parts[i].kind && again.parts[i].data == e.parts[i].data);
    if (e.parts[i].kind == weft::PartKind::kSignedOut) {
      try {
        const weft::SignOut out = weft::decode_sign_out(e.parts[i].data);
        const weft::SignOut back = weft::decode_sign_out(weft::encode_sign_out(out));
        check(back.user_id == out.user_id && back.only == out.only && back.except == out.except);
      } catch (const crdt::DecodeError&) {
      }
      continue;
    }
    if (e.parts[i].kind != weft::PartKind::kAccess) continue;
    try {
      const auto [user, role] = weft::decode_access(e.parts[i].data);
      (void)user;
      (void)role;
    } catch (const crdt::DecodeError&) {
    }
  }
  return 0;
}
