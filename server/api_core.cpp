// api_core.cpp — errors, JSON readers and the caller's identity and access, shared by every API
// resource.
#include "server/api_core.hpp"

#include <algorithm>
#include <charconv>

namespace weft {

[[noreturn]] void fail(unsigned status, std::string code, std::string message, std::string field) {
  throw ApiError{status, std::move(code), std::move(message), std::move(field), {}};
}
[[noreturn]] void invalid(std::string field, std::string message) {
  fail(400, "validation", std::move(message), std::move(field));
}
[[noreturn]] void method_not_allowed(const std::string& allow) {
  throw ApiError{405, "method_not_allowed", "allowed: " + allow, {}, {{"Allow", allow}}};
}

ApiResponse json_response(unsigned status, const json& body) {
  return {status, body.dump(), "application/json", {}};
}
ApiResponse no_content() { return {204, "", "", {}}; }

ApiResponse error_response(const ApiError& e) {
  return {e.status, error_body(e.code, e.message, e.field), "application/json", e.headers};
}

json parse_object(const std::string& body, std::initializer_list<std::string_view> allowed) {
  if (body.size() > kMaxJsonBodyBytes)
    fail(413, "payload_too_large", "JSON bodies are limited to 64 KiB");
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) fail(400, "bad_json", "the body is not valid JSON");
  if (!j.is_object()) fail(400, "bad_json", "the body must be a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      invalid(key, "unknown field '" + key + "'");
  }
  return j;
}

std::optional<std::string> opt_string(const json& j, const std::string& key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) invalid(key, key + " must be a string");
  return it->get<std::string>();
}
std::string req_string(const json& j, const std::string& key) {
  auto v = opt_string(j, key);
  if (!v) invalid(key, key + " is required");
  return *v;
}
std::optional<bool> opt_bool(const json& j, const std::string& key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) invalid(key, key + " must be true or false");
  return it->get<bool>();
}

int64_t parse_id(std::string_view s, const std::string& field) {
  int64_t id = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  if (ec != std::errc() || ptr != s.data() + s.size() || id <= 0 || s.size() > 15)
    invalid(field, field == "id" ? "document ids are positive integers"
                                 : field + " must be a positive integer");
  return id;
}

size_t char_count(std::string_view s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

json person_json(int64_t id, const std::string& username) {
  return {{"id", id}, {"username", username}};
}

std::map<int64_t, std::string> usernames(Services& s, const std::vector<int64_t>& ids) {
  std::map<int64_t, std::string> names;
  std::map<int64_t, bool> looked_up;
  for (const int64_t id : ids) {
    if (looked_up[id]) continue;
    looked_up[id] = true;
    if (const auto u = s.accounts.user(id)) names[id] = u->username;
  }
  return names;
}

const store::User& Call::signed_in() {
  if (!user) {
    std::string_view auth = req.authorization;
    constexpr std::string_view kBearer = "Bearer ";
    if (auth.size() <= kBearer.size() || auth.substr(0, kBearer.size()) != kBearer)
      fail(401, "unauthorized", "sign in first (Authorization: Bearer <token>)");
    user = authenticate(s, auth.substr(kBearer.size()));
    if (!user) fail(401, "unauthorized", "the token is invalid or expired");
  }
  return *user;
}

std::pair<store::DocumentInfo, store::Access> Call::require_document(int64_t id,
                                                                     store::Access least) {
  const store::User& u = signed_in();
  auto doc = s.accounts.document(id);
  if (!doc) fail(404, "not_found", "no such document");
  const store::Access access = s.accounts.access(id, u.id).value_or(store::Access::kNone);
  if (access == store::Access::kNone) fail(403, "forbidden", "you have no access to this document");
  if (access < least) {
    fail(403, "forbidden",
         least == store::Access::kOwner ? "only the owner may do this"
                                        : "viewers cannot change this document");
  }
  return {std::move(*doc), access};
}

}  // namespace weft
