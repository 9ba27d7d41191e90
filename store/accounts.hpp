// accounts.hpp — users, document metadata, sharing and WebSocket sessions (DESIGN.md §4, §5).
//
// Written once, over the Sql primitive every Store adapter provides (Store::transact), so SQLite
// and PostgreSQL run the same statements: parameters are `$1, $2, …` (the SQLite adapter turns
// them into `?1, ?2, …`), dialect differences go through migrations.hpp's {{placeholders}}, and no
// value is ever spliced into SQL text. Every method is one transaction.
//
// Times are ISO 8601 UTC strings with milliseconds ("2026-11-25T17:30:35.123Z") whatever the
// backend stores. Usernames are unique case-insensitively ("Alice" and "alice" are one account)
// but kept as typed; emails are stored lower-cased. Validation of lengths and characters is the
// API's job; this layer stores what it is given.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/store.hpp"

namespace store {

// Conflict (a username or email already taken) is declared in store.hpp: the adapters throw it too,
// when a unique index catches a race that the checks here could not.

// The `{}` initializers below let callers use designated initializers that name only some fields
// (GCC's -Wmissing-field-initializers warns about members without one).
struct User {
  int64_t id = 0;
  std::string username{};
  std::optional<std::string> email{};
  std::string created_at{};
};

struct UserCredentials {
  User user{};
  std::string password_hash{};
};

// What a caller may do with a document.
enum class Access { kNone, kViewer, kEditor, kOwner };
// "owner" / "editor" / "viewer" / "none".
const char* access_name(Access a);
// The one access rule of documents and projects: the owner; else the member's role (an explicit
// viewer stays a viewer even when public); else editor when public (any signed-in user); else none.
Access access_rule(bool is_owner, const std::optional<std::string>& member_role, bool is_public);

struct DocumentInfo {
  int64_t id = 0;
  std::string title{};
  std::string language{};
  bool is_public = false;
  int64_t owner_id = 0;  // 0 for documents without an owner (made by `weft doc` or old data)
  std::string owner_username{};
  std::string created_at{};
  std::string updated_at{};
  int64_t project_id = 0;  // a file of that project (projects.hpp); 0 for a standalone document
  std::string path{};      // its path in the project; "" for a standalone document
};

// Where a page of documents starts: after the document with this updated_at (the database's own
// text of it, so that the comparison is exact in both dialects) and id.
struct DocumentCursor {
  std::string updated_at{};
  int64_t id = 0;
};

struct DocumentQuery {
  enum class Filter { kAll, kMine, kShared, kPublic };
  int64_t user_id = 0;
  Filter filter = Filter::kAll;
  std::string title{};  // a substring of the title, any case; "" for every title
  std::optional<DocumentCursor> after{};
  size_t limit = 50;
};

struct DocumentPage {
  std::vector<std::pair<DocumentInfo, Access>> documents{};
  std::optional<DocumentCursor> next{};  // set when more documents follow
};

struct MemberInfo {
  int64_t user_id = 0;
  std::string username{};
  std::string role{};  // "editor" | "viewer"
};

struct SessionInfo {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string username{};
  std::string connected_at{};
  std::string instance_id{};
};

// A sign-in: the server-side record of one issued token (its `sid` claim), listed by
// GET /api/me/sessions. Not to be confused with SessionInfo, a WebSocket connection's row.
struct AuthSession {
  int64_t id = 0;
  std::string created_at{};
  std::string last_seen_at{};  // the last request made with its token, to the minute
  std::string user_agent{};
  std::string ip{};
};

// What a token names: a sign-in of a user at a token version.
struct SignIn {
  int64_t session_id = 0;
  int64_t token_version = 0;
};

// The outcome of delete_user. The account is kept (deleted false) while it owns a standalone
// document or a project that has members other than itself: those are listed, nothing changed.
// Otherwise the user is gone with its sign-ins and memberships, and with every document and
// project it owned (their ids listed, so the caller can close their rooms).
struct AccountDeletion {
  bool deleted = false;
  bool found = true;                                                // false: there was no such user
  std::vector<std::pair<int64_t, std::string>> shared_documents{};  // id, title
  std::vector<std::pair<int64_t, std::string>> shared_projects{};   // id, name
  std::vector<int64_t> removed_documents{};  // standalone documents and files of its projects
  std::vector<int64_t> removed_projects{};
};

struct NewDocument {
  int64_t owner_id = 0;
  std::string title{};
  std::string language = "plaintext";
  bool is_public = false;
  std::optional<Bytes> yjs_state{};  // initial state (from `content`), stored as the merged state
  std::string content{};             // its plain text, the snapshot column
};

struct DocumentPatch {
  std::optional<std::string> title{};
  std::optional<std::string> language{};
  std::optional<bool> is_public{};
};

class Accounts {
 public:
  explicit Accounts(Store& store) : store_(store) {}

  // Throws Conflict("username"/"email") when taken (case-insensitively).
  User create_user(const std::string& username, const std::optional<std::string>& email,
                   const std::string& password_hash);
  // By username (case-insensitive) or, when `login` contains '@', by email.
  std::optional<UserCredentials> find_login(const std::string& login);
  std::optional<User> user(int64_t id);
  std::optional<User> user_by_username(const std::string& username);  // case-insensitive

  // ---- Sign-ins and revocation (auth_sessions, users.token_version) ----
  // Records a sign-in of `user_id` (at login or registration) and returns what its token carries.
  SignIn create_sign_in(int64_t user_id, const std::string& user_agent, const std::string& ip);
  // The user a token's claims name, when the user exists, `token_version` is theirs and sign-in
  // `session_id` is one of theirs; else nullopt. Notes the sign-in as used now (written at most
  // once a minute per sign-in).
  std::optional<User> signed_in_user(int64_t user_id, int64_t session_id, int64_t token_version);
  // The user's sign-ins, most recently used first.
  std::vector<AuthSession> sign_ins(int64_t user_id);
  // Deletes one of the user's sign-ins; false when it is not theirs (or does not exist).
  bool revoke_sign_in(int64_t user_id, int64_t session_id);
  // Bumps the user's token version and deletes every sign-in of theirs but `keep` (0: all).
  // Returns the new token version (what `keep`'s fresh token must carry).
  int64_t revoke_tokens(int64_t user_id, int64_t keep);
  // Sets the password hash and revokes the tokens as revoke_tokens, in one transaction.
  int64_t change_password(int64_t user_id, const std::string& password_hash, int64_t keep);
  // Deletes the account by the rules of AccountDeletion, in one transaction.
  AccountDeletion delete_user(int64_t user_id);

  DocumentInfo create_document(const NewDocument& doc);
  std::optional<DocumentInfo> document(int64_t id);
  // What `user_id` may do with document `id`: owner; else the member's role (an explicit viewer
  // stays a viewer even on a public document); else editor when the document is public (any
  // signed-in user); else none. For a file of a project, the same rule on the project's owner,
  // members and public flag (the document's own are not consulted). nullopt when the document
  // does not exist.
  std::optional<Access> access(int64_t document_id, int64_t user_id);
  // Standalone documents (not files of a project) the user owns, is a member of, or that are
  // public; each with the user's access, most recently updated first.
  std::vector<std::pair<DocumentInfo, Access>> documents_for(int64_t user_id);
  // One page of documents_for (GET /api/documents?limit=&cursor=&filter=&q=): of the standalone
  // documents `query.user_id` may open, those they own (kMine), the private ones shared with them
  // (kShared), the public ones of others (kPublic: members of one see it here too) or all (kAll,
  // the three together: they part the list), whose title contains `query.title` (case-insensitive;
  // "" for any), most recently updated first, after `query.after` (the previous page's
  // DocumentPage::next), at most `query.limit`. Each source is read by its own index with the limit
  // (documents_owner_updated, document_members_user, documents_public_updated), so a page costs the
  // same at any size of the table and any depth.
  DocumentPage document_page(const DocumentQuery& query);
  // Applies the set fields and bumps updated_at; false when there is no such document.
  bool update_document(int64_t id, const DocumentPatch& patch);
  // Deletes the document with its log, members and sessions; false when there was none.
  bool delete_document(int64_t id);

  // Members other than the owner, by username.
  std::vector<MemberInfo> members(int64_t document_id);
  // Adds or changes a member's role ("editor" | "viewer").
  void set_member(int64_t document_id, int64_t user_id, const std::string& role);
  // False when the user was not a member.
  bool remove_member(int64_t document_id, int64_t user_id);

  // A row per WebSocket connection: opened on join, closed on leave.
  int64_t open_session(int64_t document_id, int64_t user_id, const std::string& instance_id);
  void close_session(int64_t session_id);
  // Closes every row `instance_id` left open (it crashed); returns how many.
  size_t close_instance_sessions(const std::string& instance_id);
  // Open sessions of a document, oldest first.
  std::vector<SessionInfo> open_sessions(int64_t document_id);

 private:
  Store& store_;
};

}  // namespace store
