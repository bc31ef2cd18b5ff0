#include "lpa/io/json.h"

#include <set>
#include <stdexcept>
#include <vector>

#include "lpa/errors.h"
#include "lpa/io/files.h"

namespace lpa {

Json parse_json(const std::string& text) {
  // The parser's callback sees every key as it is read: one set of keys per open object.
  std::vector<std::set<std::string>> open;
  std::string duplicate;
  Json::parser_callback_t check = [&](int, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start: open.emplace_back(); break;
      case Json::parse_event_t::object_end: open.pop_back(); break;
      case Json::parse_event_t::key:
        if (!open.back().insert(parsed.get<std::string>()).second && duplicate.empty())
          duplicate = parsed.get<std::string>();
        break;
      default: break;
    }
    return true;
  };
  Json j;
  try {
    j = Json::parse(text, check);
  } catch (const Json::parse_error& e) {
    // nlohmann's message ends with what it expected; its byte is 1-based.
    throw std::runtime_error(std::string(e.what()) + " at byte " + std::to_string(e.byte > 0 ? e.byte - 1 : 0));
  }
  if (!duplicate.empty()) throw std::runtime_error("duplicate key '" + duplicate + "'");
  return j;
}

Json read_json_file(const std::string& path) {
  const std::string text = read_file(path);
  try {
    return parse_json(text);
  } catch (const std::runtime_error& e) {
    throw UserError(path + ": not valid JSON: " + e.what());
  }
}

std::string json_quote(const std::string& text) {
  // Invalid UTF-8 is replaced rather than thrown on: a name is written whatever its bytes.
  return Json(text).dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace lpa
