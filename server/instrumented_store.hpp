// instrumented_store.hpp — the store as the server uses it: every operation of store::Store timed
// into weft_db_operation_seconds{operation}, its failures counted by kind
// (weft_db_errors_total{kind}: conflict | store | other), and those slower than --slow-query-ms
// logged with the operation's name — for transact(), each statement slower than that too, as its
// SQL text with $1, $2, … placeholders: parameters (passwords' hashes, tokens, texts) are never
// logged. A decorator, so the adapters (sqlite/, postgres/) stay free of metrics.
#pragma once

#include <chrono>
#include <memory>

#include "server/metrics.hpp"
#include "store/store.hpp"

namespace weft {

class InstrumentedStore final : public store::Store {
 public:
  // `slow`: 0 logs nothing.
  InstrumentedStore(std::unique_ptr<store::Store> inner, Metrics& metrics,
                    std::chrono::milliseconds slow);

  void ensure_document(int64_t id) override;
  bool document_exists(int64_t id) override;
  std::optional<store::StoredDocument> load(int64_t id) override;
  void append_updates(const std::vector<store::UpdateRow>& rows) override;
  size_t compact(int64_t id, const store::Merger& merge) override;
  std::optional<std::string> content(int64_t id) override;
  bool ping() override;
  void transact(const std::function<void(store::Sql&)>& body) override;
  void read(uint64_t after, const std::function<void(store::Sql&)>& body) override;
  uint64_t write_position() override { return inner_->write_position(); }
  store::PoolStats pool_stats() const override { return inner_->pool_stats(); }
  store::ReadStats read_stats() const override { return inner_->read_stats(); }

 private:
  template <typename F>
  auto timed(DbOperation op, F&& f) -> decltype(f());

  std::unique_ptr<store::Store> inner_;
  Metrics& metrics_;
  const std::chrono::milliseconds slow_;
};

}  // namespace weft
