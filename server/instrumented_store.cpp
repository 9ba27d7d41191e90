// instrumented_store.cpp — see instrumented_store.hpp.
#include "server/instrumented_store.hpp"

#include <spdlog/spdlog.h>

namespace weft {

namespace {

using Clock = std::chrono::steady_clock;

void count_error(Metrics& m, const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const store::Conflict&) {
    m.db_errors[static_cast<size_t>(DbError::kConflict)].fetch_add(1, std::memory_order_relaxed);
  } catch (const store::StoreError&) {
    m.db_errors[static_cast<size_t>(DbError::kStore)].fetch_add(1, std::memory_order_relaxed);
  } catch (...) {
    m.db_errors[static_cast<size_t>(DbError::kOther)].fetch_add(1, std::memory_order_relaxed);
  }
}

// The statements of one transact(), each timed against the slow bound.
class TimedSql final : public store::Sql {
 public:
  TimedSql(store::Sql& inner, std::chrono::milliseconds slow) : inner_(inner), slow_(slow) {}
  store::Dialect dialect() const override { return inner_.dialect(); }
  std::vector<store::SqlRow> exec(const std::string& sql,
                                  const std::vector<store::SqlValue>& params) override {
    const auto t0 = Clock::now();
    auto rows = inner_.exec(sql, params);
    const auto took = Clock::now() - t0;
    if (slow_.count() > 0 && took >= slow_) {
      spdlog::warn("slow query ({} ms, {} rows): {}",
                   std::chrono::duration_cast<std::chrono::milliseconds>(took).count(), rows.size(),
                   sql);
    }
    return rows;
  }

 private:
  store::Sql& inner_;
  const std::chrono::milliseconds slow_;
};

}  // namespace

InstrumentedStore::InstrumentedStore(std::unique_ptr<store::Store> inner, Metrics& metrics,
                                     std::chrono::milliseconds slow)
    : inner_(std::move(inner)), metrics_(metrics), slow_(slow) {}

template <typename F>
auto InstrumentedStore::timed(DbOperation op, F&& f) -> decltype(f()) {
  const auto t0 = Clock::now();
  const auto record = [&] {
    const auto took = Clock::now() - t0;
    metrics_.db_seconds[static_cast<size_t>(op)].observe(
        std::chrono::duration<double>(took).count());
    if (slow_.count() > 0 && took >= slow_) {
      spdlog::warn("slow database operation: {} took {} ms", db_operation_name(op),
                   std::chrono::duration_cast<std::chrono::milliseconds>(took).count());
    }
  };
  try {
    if constexpr (std::is_void_v<decltype(f())>) {
      f();
      record();
    } else {
      auto result = f();
      record();
      return result;
    }
  } catch (...) {
    record();
    count_error(metrics_, std::current_exception());
    throw;
  }
}

void InstrumentedStore::ensure_document(int64_t id) {
  timed(DbOperation::kEnsureDocument, [&] { inner_->ensure_document(id); });
}

bool InstrumentedStore::document_exists(int64_t id) {
  return timed(DbOperation::kDocumentExists, [&] { return inner_->document_exists(id); });
}

std::optional<store::StoredDocument> InstrumentedStore::load(int64_t id) {
  return timed(DbOperation::kLoad, [&] { return inner_->load(id); });
}

void InstrumentedStore::append_updates(const std::vector<store::UpdateRow>& rows) {
  timed(DbOperation::kAppendUpdates, [&] { inner_->append_updates(rows); });
}

size_t InstrumentedStore::compact(int64_t id, const store::Merger& merge) {
  return timed(DbOperation::kCompact, [&] { return inner_->compact(id, merge); });
}

std::optional<std::string> InstrumentedStore::content(int64_t id) {
  return timed(DbOperation::kContent, [&] { return inner_->content(id); });
}

bool InstrumentedStore::ping() {
  return timed(DbOperation::kPing, [&] { return inner_->ping(); });
}

void InstrumentedStore::transact(const std::function<void(store::Sql&)>& body) {
  timed(DbOperation::kTransact, [&] {
    inner_->transact([&](store::Sql& sql) {
      TimedSql timed_sql(sql, slow_);
      body(timed_sql);
    });
  });
}

void InstrumentedStore::read(uint64_t after, const std::function<void(store::Sql&)>& body) {
  timed(DbOperation::kRead, [&] {
    inner_->read(after, [&](store::Sql& sql) {
      TimedSql timed_sql(sql, slow_);
      body(timed_sql);
    });
  });
}

}  // namespace weft
