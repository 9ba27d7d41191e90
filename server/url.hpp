// url.hpp — the parts of a request target the server reads: path, query parameters, %-escapes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace weft {

// "/a/b?x=1" → "/a/b".
inline std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

// Decodes %XX escapes (and '+' as a space when `plus_is_space`, as in query strings). nullopt for
// a malformed escape or an encoded NUL.
std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space);

// The decoded value of the first `name=` parameter of the target's query string; nullopt when it
// is absent or malformed.
std::optional<std::string> query_param(std::string_view target, std::string_view name);

}  // namespace weft
