// weft_api.hpp — the few calls of Weft's HTTP API (DESIGN.md §4) that a benchmark needs before it
// opens WebSockets: sign in (register, or log in when the name is taken) and create documents.
// Synchronous, over one keep-alive connection; runs before the event loop starts (and, in the
// soak, after it, to read each document's text).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace bench {

class WeftApi {
 public:
  WeftApi(std::string host, uint16_t port);
  ~WeftApi();
  WeftApi(const WeftApi&) = delete;
  WeftApi& operator=(const WeftApi&) = delete;

  // Registers `username` (409: logs in instead); returns the JWT. Throws std::runtime_error.
  std::string sign_in(const std::string& username, const std::string& password);
  // Creates `count` public documents titled `<prefix><i>.txt`; returns their ids as strings.
  std::vector<std::string> create_documents(const std::string& token, size_t count,
                                            const std::string& prefix);
  // GET /api/documents/{id}/content: the live text. Throws std::runtime_error.
  std::string document_content(const std::string& token, const std::string& id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bench
