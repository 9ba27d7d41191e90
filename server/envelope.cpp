// envelope.cpp — see envelope.hpp.
#include "server/envelope.hpp"

#include <algorithm>

namespace weft {

namespace {

constexpr size_t kMaxParts = 1 << 16;

}  // namespace

crdt::Bytes encode_envelope(const Envelope& e) {
  crdt::Encoder enc;
  enc.write_var_string(e.instance);
  enc.write_var_uint(e.parts.size());
  for (const Part& p : e.parts) {
    enc.write_var_uint(static_cast<uint64_t>(p.kind));
    enc.write_var_bytes(p.data);
  }
  return enc.take();
}

Envelope decode_envelope(crdt::ByteView bytes) {
  crdt::Decoder dec(bytes);
  Envelope e;
  e.instance = dec.read_var_string();
  const uint64_t n = dec.read_var_uint();
  if (n > kMaxParts) throw crdt::DecodeError("envelope: too many parts");
  e.parts.reserve(static_cast<size_t>(std::min<uint64_t>(n, bytes.size() / 2)));  // ≥ 2 bytes each
  for (uint64_t i = 0; i < n; ++i) {
    const auto kind = static_cast<PartKind>(dec.read_var_uint());
    const crdt::ByteView data = dec.read_var_bytes();
    e.parts.push_back({kind, crdt::Bytes(data.begin(), data.end())});
  }
  return e;
}

// Roles on the wire: 0 none, 1 viewer, 2 editor.
crdt::Bytes encode_access(int64_t user_id, std::optional<Role> role) {
  crdt::Encoder enc;
  enc.write_var_uint(static_cast<uint64_t>(user_id));
  enc.write_var_uint(!role ? 0 : *role == Role::kViewer ? 1 : 2);
  return enc.take();
}

crdt::Bytes encode_sign_out(const SignOut& s) {
  crdt::Encoder enc;
  enc.write_var_uint(static_cast<uint64_t>(s.user_id));
  enc.write_var_uint(static_cast<uint64_t>(s.only));
  enc.write_var_uint(static_cast<uint64_t>(s.except));
  return enc.take();
}

SignOut decode_sign_out(crdt::ByteView data) {
  crdt::Decoder dec(data);
  SignOut s;
  s.user_id = static_cast<int64_t>(dec.read_var_uint());
  s.only = static_cast<int64_t>(dec.read_var_uint());
  s.except = static_cast<int64_t>(dec.read_var_uint());
  if (s.user_id <= 0 || s.only < 0 || s.except < 0) throw crdt::DecodeError("sign-out: bad ids");
  return s;
}

std::pair<int64_t, std::optional<Role>> decode_access(crdt::ByteView data) {
  crdt::Decoder dec(data);
  const auto user = static_cast<int64_t>(dec.read_var_uint());
  const uint64_t role = dec.read_var_uint();
  if (role > 2) throw crdt::DecodeError("access: unknown role");
  if (role == 0) return {user, std::nullopt};
  return {user, role == 1 ? Role::kViewer : Role::kEditor};
}

}  // namespace weft
