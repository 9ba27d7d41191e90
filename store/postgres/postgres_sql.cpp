// postgres_sql.cpp — parameters as text, rows as text (see postgres_sql.hpp).
#include "store/postgres/postgres_sql.hpp"

#include <pqxx/except>
#include <pqxx/prepared_statement>
#include <pqxx/result>
#include <variant>

namespace store::postgres {

namespace {

// bytea's hex input format: "\x" and two lowercase hex digits per byte.
std::string bytea_hex(const Bytes& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "\\x";
  out.reserve(2 + 2 * bytes.size());
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out;
}

}  // namespace

std::vector<SqlRow> PostgresSql::exec(const std::string& sql, const std::vector<SqlValue>& params) {
  // Text parameters; a null pointer is SQL NULL. `texts` owns what `pointers` point into.
  std::vector<std::string> texts(params.size());
  std::vector<const char*> pointers(params.size(), nullptr);
  for (size_t i = 0; i < params.size(); ++i) {
    const SqlValue& value = params[i];
    if (std::holds_alternative<std::nullptr_t>(value)) continue;
    if (const auto* n = std::get_if<int64_t>(&value)) texts[i] = std::to_string(*n);
    if (const auto* t = std::get_if<std::string>(&value)) texts[i] = *t;
    if (const auto* b = std::get_if<bool>(&value)) texts[i] = *b ? "true" : "false";
    if (const auto* bytes = std::get_if<Bytes>(&value)) texts[i] = bytea_hex(*bytes);
    pointers[i] = texts[i].c_str();
  }
  pqxx::result result;
  try {
    result = tx_.exec_params(sql, pqxx::prepare::make_dynamic_params(pointers));
  } catch (const pqxx::unique_violation& e) {
    if (auto conflict = conflict_from_message(e.what())) throw *conflict;
    throw;
  }
  std::vector<SqlRow> rows;
  rows.reserve(result.size());
  for (const auto& row : result) {
    SqlRow out;
    out.values.reserve(row.size());
    for (const auto& field : row) {
      if (field.is_null()) {
        out.values.emplace_back(std::nullopt);
      } else {
        out.values.emplace_back(std::string(field.c_str(), field.size()));
      }
    }
    rows.push_back(std::move(out));
  }
  return rows;
}

}  // namespace store::postgres
