// content.cpp — length, split, merge and wire form of each content kind (yjs structs/Content*.js).
#include "crdt/content.hpp"

#include <cmath>
#include <optional>

namespace crdt {

namespace {

// JavaScript truthiness of a decoded value (used to rebuild ContentDoc options as yjs does).
bool truthy(const Any& a) {
  if (const auto* d = std::get_if<double>(&a.v)) return *d != 0 && !std::isnan(*d);
  if (const auto* b = std::get_if<bool>(&a.v)) return *b;
  if (const auto* s = std::get_if<std::string>(&a.v)) return !s->empty();
  if (const auto* bi = std::get_if<BigInt>(&a.v)) return bi->value != 0;
  return !std::holds_alternative<Undefined>(a.v) && !std::holds_alternative<Null>(a.v);
}

// yjs reads a ContentDoc's options into a new Y.Doc and writes back only what that doc keeps:
// {gc: false} when gc is off, {autoLoad: true}, and meta when not null — in that order.
Any normalize_doc_opts(const Any& opts) {
  const Any* gc = nullptr;
  const Any* auto_load = nullptr;
  const Any* meta = nullptr;
  if (const auto* obj = std::get_if<AnyObject>(&opts.v)) {
    for (const auto& [k, v] : *obj) {
      if (k == "gc") gc = &v;
      if (k == "autoLoad") auto_load = &v;
      if (k == "meta") meta = &v;
    }
  }
  AnyObject out;
  if (gc && !std::holds_alternative<Undefined>(gc->v) && !truthy(*gc))
    out.emplace_back("gc", false);
  if (auto_load && truthy(*auto_load)) out.emplace_back("autoLoad", true);
  if (meta && !std::holds_alternative<Undefined>(meta->v) && !std::holds_alternative<Null>(meta->v))
    out.emplace_back("meta", *meta);
  return out;
}

// yjs reads these payloads with JSON.parse and writes them with JSON.stringify, so Weft keeps the
// text that JSON.stringify would write (an update from another writer may hold `{ "a" : 1.0 }`).
std::string read_json_text(Decoder& dec) {
  std::optional<std::string> json = canonical_json(dec.read_var_string());
  if (!json) throw DecodeError("invalid JSON in content");
  return std::move(*json);
}

}  // namespace

uint64_t Content::length() const {
  switch (ref()) {
    case ContentRef::kDeleted:
      return as<ContentDeleted>().len;
    case ContentRef::kJson:
      return as<ContentJson>().values.size();
    case ContentRef::kString:
      return as<ContentString>().str.size();
    case ContentRef::kAny:
      return as<ContentAny>().values.size();
    default:
      return 1;
  }
}

Content Content::splice(uint64_t offset) {
  switch (ref()) {
    case ContentRef::kDeleted: {
      auto& d = as<ContentDeleted>();
      const uint64_t right = d.len - offset;
      d.len = offset;
      return Content(ContentDeleted{right});
    }
    case ContentRef::kJson: {
      auto& v = as<ContentJson>().values;
      ContentJson right{{std::make_move_iterator(v.begin() + static_cast<ptrdiff_t>(offset)),
                         std::make_move_iterator(v.end())}};
      v.resize(offset);
      return Content(std::move(right));
    }
    case ContentRef::kAny: {
      auto& v = as<ContentAny>().values;
      ContentAny right{{std::make_move_iterator(v.begin() + static_cast<ptrdiff_t>(offset)),
                        std::make_move_iterator(v.end())}};
      v.resize(offset);
      return Content(std::move(right));
    }
    case ContentRef::kString: {
      auto& s = as<ContentString>().str;
      ContentString right{s.substr(offset)};
      s.resize(offset);
      // Never split a surrogate pair: like yjs, both halves get U+FFFD instead (yjs issue #248).
      const char16_t last = s.back();
      if (last >= 0xD800 && last <= 0xDBFF) {
        s.back() = u'\uFFFD';
        right.str[0] = u'\uFFFD';
      }
      return Content(std::move(right));
    }
    default:
      throw DecodeError("content kind cannot be split");
  }
}

bool Content::merge_with(Content& right) {
  if (ref() != right.ref()) return false;
  switch (ref()) {
    case ContentRef::kDeleted:
      as<ContentDeleted>().len += right.as<ContentDeleted>().len;
      return true;
    case ContentRef::kString:
      as<ContentString>().str += right.as<ContentString>().str;
      return true;
    case ContentRef::kJson: {
      auto& a = as<ContentJson>().values;
      auto& b = right.as<ContentJson>().values;
      a.insert(a.end(), std::make_move_iterator(b.begin()), std::make_move_iterator(b.end()));
      return true;
    }
    case ContentRef::kAny: {
      auto& a = as<ContentAny>().values;
      auto& b = right.as<ContentAny>().values;
      a.insert(a.end(), std::make_move_iterator(b.begin()), std::make_move_iterator(b.end()));
      return true;
    }
    default:
      return false;
  }
}

void Content::write(Encoder& enc, uint64_t offset) const {
  switch (ref()) {
    case ContentRef::kDeleted:
      enc.write_var_uint(as<ContentDeleted>().len - offset);
      break;
    case ContentRef::kJson: {
      const auto& v = as<ContentJson>().values;
      enc.write_var_uint(v.size() - offset);
      for (size_t i = offset; i < v.size(); ++i) enc.write_var_string(std::string_view(v[i]));
      break;
    }
    case ContentRef::kBinary:
      enc.write_var_bytes(as<ContentBinary>().bytes);
      break;
    case ContentRef::kString: {
      const auto& s = as<ContentString>().str;
      enc.write_var_string(std::u16string_view(s).substr(offset));
      break;
    }
    case ContentRef::kEmbed:
      enc.write_var_string(std::string_view(as<ContentEmbed>().json));
      break;
    case ContentRef::kFormat: {
      const auto& p = *as<ContentFormat>().p;
      enc.write_var_string(std::string_view(p.key));
      enc.write_var_string(std::string_view(p.json));
      break;
    }
    case ContentRef::kType: {
      const Type& t = *as<ContentType>().type;
      enc.write_var_uint(static_cast<uint64_t>(t.ref));
      if (t.ref == TypeRef::kXmlElement || t.ref == TypeRef::kXmlHook)
        enc.write_var_string(std::string_view(t.name));
      break;
    }
    case ContentRef::kAny: {
      const auto& v = as<ContentAny>().values;
      enc.write_var_uint(v.size() - offset);
      for (size_t i = offset; i < v.size(); ++i) enc.write_any(v[i]);
      break;
    }
    case ContentRef::kDoc: {
      const auto& p = *as<ContentDoc>().p;
      enc.write_var_string(std::string_view(p.guid));
      enc.write_any(p.opts);
      break;
    }
  }
}

Content Content::read(Decoder& dec, uint8_t ref) {
  switch (static_cast<ContentRef>(ref)) {
    case ContentRef::kDeleted:
      return Content(ContentDeleted{dec.read_var_uint()});
    case ContentRef::kJson: {
      const uint64_t len = dec.read_var_uint();
      if (len > dec.remaining()) throw DecodeError("length exceeds data");
      ContentJson c;
      c.values.reserve(len);
      for (uint64_t i = 0; i < len; ++i) {
        // yjs writes an undefined element as the bare word `undefined`.
        std::string text = dec.read_var_string();
        std::optional<std::string> json =
            text == "undefined" ? std::move(text) : canonical_json(text);
        if (!json) throw DecodeError("invalid JSON in content");
        c.values.push_back(std::move(*json));
      }
      return Content(std::move(c));
    }
    case ContentRef::kBinary: {
      const ByteView b = dec.read_var_bytes();
      return Content(ContentBinary{Bytes(b.begin(), b.end())});
    }
    case ContentRef::kString:
      return Content(ContentString{dec.read_var_string16()});
    case ContentRef::kEmbed:
      return Content(ContentEmbed{read_json_text(dec)});
    case ContentRef::kFormat: {
      auto p = std::make_unique<ContentFormat::Payload>();
      p->key = dec.read_var_string();
      p->json = read_json_text(dec);
      return Content(ContentFormat{std::move(p)});
    }
    case ContentRef::kType: {
      const uint64_t type_ref = dec.read_var_uint();
      if (type_ref > static_cast<uint64_t>(TypeRef::kXmlText))
        throw DecodeError("unknown type ref");
      auto t = std::make_unique<Type>();
      t->ref = static_cast<TypeRef>(type_ref);
      if (t->ref == TypeRef::kXmlElement || t->ref == TypeRef::kXmlHook)
        t->name = dec.read_var_string();
      return Content(ContentType{std::move(t)});
    }
    case ContentRef::kAny: {
      const uint64_t len = dec.read_var_uint();
      if (len > dec.remaining()) throw DecodeError("length exceeds data");
      ContentAny c;
      c.values.reserve(len);
      for (uint64_t i = 0; i < len; ++i) c.values.push_back(dec.read_any());
      return Content(std::move(c));
    }
    case ContentRef::kDoc: {
      auto p = std::make_unique<ContentDoc::Payload>();
      p->guid = dec.read_var_string();
      p->opts = normalize_doc_opts(dec.read_any());
      return Content(ContentDoc{std::move(p)});
    }
  }
  throw DecodeError("unknown content ref " + std::to_string(ref));
}

}  // namespace crdt
