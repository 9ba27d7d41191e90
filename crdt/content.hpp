// content.hpp — the content of an Item, one variant per Yjs content kind.
//
// Every kind answers the same few questions as in yjs's structs/Content*.js: length (in clock
// units; strings count UTF-16 code units), countable (does it take visible positions in a list),
// splice (split at an offset), merge_with (append a neighbour), write (wire form from an offset)
// and read. The `ref` numbers are the wire tags: 1 Deleted ... 9 Doc.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "crdt/lib0.hpp"
#include "crdt/type.hpp"

namespace crdt {

enum class ContentRef : uint8_t {
  kDeleted = 1,
  kJson = 2,
  kBinary = 3,
  kString = 4,
  kEmbed = 5,
  kFormat = 6,
  kType = 7,
  kAny = 8,
  kDoc = 9,
};

struct ContentDeleted {
  uint64_t len;
};
struct ContentJson {
  std::vector<std::string> values;  // JSON texts as written by JSON.stringify; "undefined" allowed
};
struct ContentBinary {
  Bytes bytes;
};
struct ContentString {
  std::u16string str;
};
struct ContentEmbed {
  std::string json;
};
struct ContentFormat {
  struct Payload {
    std::string key;
    std::string json;
  };
  std::unique_ptr<Payload> p;
};
struct ContentType {
  std::unique_ptr<Type> type;
};
struct ContentAny {
  AnyArray values;
};
struct ContentDoc {
  struct Payload {
    std::string guid;
    Any opts;
  };
  std::unique_ptr<Payload> p;
};

class Content {
 public:
  using Variant = std::variant<ContentDeleted, ContentJson, ContentBinary, ContentString,
                               ContentEmbed, ContentFormat, ContentType, ContentAny, ContentDoc>;

  Content() : v_(ContentDeleted{0}) {}
  template <typename T>
  explicit Content(T&& c) : v_(std::forward<T>(c)) {}

  ContentRef ref() const { return static_cast<ContentRef>(v_.index() + 1); }
  uint64_t length() const;
  bool countable() const { return ref() != ContentRef::kDeleted && ref() != ContentRef::kFormat; }
  // Keeps [0, offset) and returns [offset, length). Only for splittable kinds (length > 1).
  Content splice(uint64_t offset);
  // Appends `right` when this kind can merge (Deleted, JSON, String, Any); false otherwise.
  bool merge_with(Content& right);
  void write(Encoder& enc, uint64_t offset) const;
  static Content read(Decoder& dec, uint8_t ref);

  template <typename T>
  T& as() {
    return std::get<T>(v_);
  }
  template <typename T>
  const T& as() const {
    return std::get<T>(v_);
  }
  template <typename T>
  bool is() const {
    return std::holds_alternative<T>(v_);
  }
  Type* type() const { return is<ContentType>() ? as<ContentType>().type.get() : nullptr; }

 private:
  Variant v_;
};

}  // namespace crdt
