// chain.cpp — rebuilding a version from its deltas, and merging two deltas.
#include "server/history/chain.hpp"

#include <algorithm>

#include "crdt/doc.hpp"
#include "crdt/update.hpp"

namespace weft::history {

std::unique_ptr<crdt::Doc> version_doc(store::Store& store, int64_t document_id,
                                       int64_t version_id) {
  const store::Rebuild r = store::History(store).rebuild(document_id, version_id);
  if (r.updates.empty()) return nullptr;
  auto doc = std::make_unique<crdt::Doc>();
  for (const auto& update : r.updates) doc->apply_update(update);
  return doc;
}

std::optional<std::string> version_text(store::Store& store, int64_t document_id,
                                        int64_t version_id) {
  const auto doc = version_doc(store, document_id, version_id);
  if (!doc) return std::nullopt;
  return doc->text("content");
}

std::pair<std::optional<std::string>, std::optional<std::string>> version_texts(store::Store& store,
                                                                                int64_t document_id,
                                                                                int64_t a,
                                                                                int64_t b) {
  const int64_t newer = std::max(a, b);
  const int64_t older = std::min(a, b);
  const store::Rebuild r = store::History(store).rebuild(document_id, newer);
  std::optional<std::string> older_text;
  std::optional<std::string> newer_text;
  if (!r.updates.empty()) {
    crdt::Doc doc;
    for (size_t i = 0; i < r.updates.size(); ++i) {
      doc.apply_update(r.updates[i]);
      if (r.ids[i] == older) older_text = doc.text("content");
    }
    newer_text = doc.text("content");
  }
  // The older one is on the newer one's way unless a checkpoint after it starts that way (or it
  // is gone): then it is rebuilt on its own.
  if (!older_text && older != newer && (r.ids.empty() || older < r.ids.front())) {
    older_text = version_text(store, document_id, older);
  }
  return a <= b ? std::pair{std::move(older_text), std::move(newer_text)}
                : std::pair{std::move(newer_text), std::move(older_text)};
}

store::Bytes fingerprint_of(const store::Bytes& state_vector, const store::Bytes& state) {
  crdt::Encoder enc;
  enc.write_var_uint(state_vector.size());
  enc.write_bytes(state_vector);
  crdt::DeleteSet ds = crdt::decode_update(state).ds;
  ds.sort_and_merge();
  ds.write(enc);
  return enc.take();
}

store::Bytes capture_delta(const store::Bytes& state, const std::optional<store::Bytes>& head_sv,
                           const std::optional<store::Bytes>& head_fingerprint) {
  if (!head_sv) return state;
  if (!head_fingerprint) return crdt::diff_update(state, *head_sv);
  crdt::Decoder dec(*head_fingerprint);
  const uint64_t sv_length = dec.read_var_uint();
  dec.read_bytes(sv_length);  // the head's state vector, as head_sv
  crdt::DeleteSet known = crdt::DeleteSet::read(dec);
  known.sort_and_merge();
  return crdt::diff_update(state, *head_sv, known);
}

bool covers_head(const store::Bytes& base, const std::optional<store::Bytes>& head_sv) {
  if (base.empty()) return true;
  if (!head_sv) return false;
  const crdt::StateVector head = crdt::decode_state_vector(*head_sv);
  for (const auto& [client, clock] : crdt::decode_state_vector(base)) {
    if (crdt::state_of(head, client) < clock) return false;
  }
  return true;
}

std::optional<store::Bytes> whole_state(store::Store& store, int64_t document_id,
                                        const store::Bytes& update) {
  const std::optional<store::Version> head = store::History(store).head(document_id);
  if (!head) return std::nullopt;
  const auto doc = version_doc(store, document_id, head->id);
  if (!doc) return std::nullopt;  // thinned or deleted since
  doc->apply_update(update);
  if (doc->has_pending()) return std::nullopt;
  return doc->encode_state_as_update();
}

store::Bytes merge_deltas(const store::Bytes& older, const store::Bytes& newer) {
  return crdt::merge_updates({crdt::ByteView(older), crdt::ByteView(newer)});
}

store::Bytes merge_all(const std::vector<store::Bytes>& updates) {
  return crdt::merge_updates(std::vector<crdt::ByteView>(updates.begin(), updates.end()));
}

}  // namespace weft::history
