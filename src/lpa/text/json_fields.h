// Reading tokenizer.json's fields so that every mistake is one line naming the file and the
// field: "DIR/tokenizer.json: pre_tokenizer.pretokenizers[1].behavior: expected a string".
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace lpa {

class JsonPlace {
 public:
  JsonPlace(const std::string& file, const nlohmann::json& value, std::string path = "")
      : file_(&file), value_(&value), path_(std::move(path)) {}

  const nlohmann::json& value() const { return *value_; }
  const std::string& file() const { return *file_; }
  const std::string& path() const { return path_; }
  bool is_null() const { return value_->is_null(); }

  // A member; a missing one reads as null (optional fields), `need` fails instead.
  JsonPlace operator[](const std::string& key) const;
  JsonPlace need(const std::string& key) const;
  JsonPlace operator[](size_t index) const;  // an array element (bounds checked by the caller)

  std::string string() const;
  bool boolean() const;
  int64_t integer() const;
  const nlohmann::json& array() const;   // checked to be an array
  const nlohmann::json& object() const;  // checked to be an object
  // Defaults for optional fields (absent or null).
  std::string string_or(const std::string& fallback) const;
  std::optional<std::string> optional_string() const;
  bool boolean_or(bool fallback) const;

  // The component's "type" member.
  std::string type() const;
  [[noreturn]] void fail(const std::string& what) const;
  [[noreturn]] void unsupported(const std::string& kind) const;  // "unsupported <kind> type 'X'"

 private:
  const std::string* file_;
  const nlohmann::json* value_;
  std::string path_;
};

}  // namespace lpa
