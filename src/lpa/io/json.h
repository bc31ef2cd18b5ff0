// A small JSON reader and string escaper: enough for file headers such as safetensors', with
// errors that say where the text went wrong. Not a general-purpose JSON library.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lpa {

struct JsonValue {
  enum class Type { null, boolean, number, string, array, object };
  Type type = Type::null;
  bool boolean = false;
  std::string text;  // string value, or the number as written (for exact integers)
  std::vector<JsonValue> array;
  std::vector<std::pair<std::string, JsonValue>> object;  // in document order

  bool is_object() const { return type == Type::object; }
  const JsonValue* find(const std::string& key) const;  // object member or nullptr
  // A non-negative integer number that fits in 64 bits; throws std::runtime_error otherwise.
  uint64_t as_uint() const;
};

// Parses a whole document; throws std::runtime_error("... at byte N") on malformed text,
// duplicate object keys, or trailing content other than whitespace.
JsonValue parse_json(const std::string& text);

// "text" with JSON escapes, quotes included.
std::string json_quote(const std::string& text);

}  // namespace lpa
