#include "lpa/text/json_fields.h"

#include "lpa/errors.h"

namespace lpa {
namespace {

const nlohmann::json& null_json() {
  static const nlohmann::json null;
  return null;
}

}  // namespace

JsonPlace JsonPlace::operator[](const std::string& key) const {
  const std::string path = path_.empty() ? key : path_ + "." + key;
  if (value_->is_object()) {
    const auto it = value_->find(key);
    if (it != value_->end()) return JsonPlace(*file_, *it, path);
  } else if (!value_->is_null()) {
    fail("expected an object");
  }
  return JsonPlace(*file_, null_json(), path);
}

JsonPlace JsonPlace::need(const std::string& key) const {
  JsonPlace member = (*this)[key];
  if (member.is_null()) member.fail("missing");
  return member;
}

JsonPlace JsonPlace::operator[](size_t index) const {
  return JsonPlace(*file_, array().at(index), path_ + "[" + std::to_string(index) + "]");
}

std::string JsonPlace::string() const {
  if (!value_->is_string()) fail("expected a string, got " + value_->dump());
  return value_->get<std::string>();
}

bool JsonPlace::boolean() const {
  if (!value_->is_boolean()) fail("expected true or false, got " + value_->dump());
  return value_->get<bool>();
}

int64_t JsonPlace::integer() const {
  if (!value_->is_number_integer()) fail("expected an integer, got " + value_->dump());
  return value_->get<int64_t>();
}

const nlohmann::json& JsonPlace::array() const {
  if (!value_->is_array()) fail("expected an array");
  return *value_;
}

const nlohmann::json& JsonPlace::object() const {
  if (!value_->is_object()) fail("expected an object");
  return *value_;
}

std::string JsonPlace::string_or(const std::string& fallback) const {
  return is_null() ? fallback : string();
}

std::optional<std::string> JsonPlace::optional_string() const {
  if (is_null()) return std::nullopt;
  return string();
}

bool JsonPlace::boolean_or(bool fallback) const { return is_null() ? fallback : boolean(); }

std::string JsonPlace::type() const { return need("type").string(); }

void JsonPlace::fail(const std::string& what) const {
  throw UserError(*file_ + ": " + (path_.empty() ? "" : path_ + ": ") + what);
}

void JsonPlace::unsupported(const std::string& kind) const {
  (*this)["type"].fail("unsupported " + kind + " type '" + type() + "'");
}

}  // namespace lpa
