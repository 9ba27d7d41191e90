// migrations.hpp — the database schema, as one ordered list of migrations shared by every adapter.
//
// Each migration is written once, in SQL that SQLite and PostgreSQL both accept, with {{NAME}}
// placeholders where the two dialects genuinely differ (see migrations.cpp for the table).
// migrations_for() substitutes them for one dialect. Adapters apply the list in order, each
// migration in its own transaction together with its row in `schema_migrations`, and skip versions
// already recorded there, so opening a database twice is a no-op. Versions are append-only: never
// edit a migration that has shipped, add a new one.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "store/store.hpp"  // Dialect

namespace store {

// Replaces every {{NAME}} placeholder in `sql` with its spelling in `dialect`. Adapters use it for
// their own statements too (e.g. {{NOW}}), so each dialect difference is spelled in one place.
// Throws std::logic_error on an unknown or unterminated placeholder (a bug in our SQL).
std::string render(Dialect dialect, const std::string& sql);

// Creates `schema_migrations` if it does not exist. Adapters run it before reading which versions
// are applied; it is idempotent and not itself a numbered migration.
std::string schema_migrations_table(Dialect dialect);

// Every migration as (version, SQL), versions strictly increasing. The SQL may hold several
// statements separated by ';' and contains no values from outside (DDL only).
std::vector<std::pair<int, std::string>> migrations_for(Dialect dialect);

}  // namespace store
