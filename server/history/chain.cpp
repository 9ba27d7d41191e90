// chain.cpp — rebuilding a version from its deltas, and merging two deltas.
#include "server/history/chain.hpp"

#include "crdt/doc.hpp"
#include "crdt/update.hpp"

namespace weft::history {

std::unique_ptr<crdt::Doc> version_doc(store::Store& store, int64_t document_id,
                                       int64_t version_id) {
  const auto chain = store::History(store).chain(document_id, version_id);
  if (chain.empty()) return nullptr;
  auto doc = std::make_unique<crdt::Doc>();
  for (const auto& delta : chain) doc->apply_update(delta);
  return doc;
}

std::optional<std::string> version_text(store::Store& store, int64_t document_id,
                                        int64_t version_id) {
  const auto doc = version_doc(store, document_id, version_id);
  if (!doc) return std::nullopt;
  return doc->text("content");
}

store::Bytes merge_deltas(const store::Bytes& older, const store::Bytes& newer) {
  return crdt::merge_updates({crdt::ByteView(older), crdt::ByteView(newer)});
}

}  // namespace weft::history
