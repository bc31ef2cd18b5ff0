// JSON through nlohmann-json, with what lpa's readers need beyond it: duplicate object keys
// refused (a safetensors header must name each tensor once; nlohmann would keep the last), the
// byte where malformed text went wrong, and files named in the error.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

namespace lpa {

using Json = nlohmann::ordered_json;  // keys in document order

// Parses a whole document; throws std::runtime_error("... at byte N") on malformed text,
// duplicate object keys ("duplicate key 'k' at byte N"), or trailing content.
Json parse_json(const std::string& text);

// parse_json of a file's text; UserError naming the file.
Json read_json_file(const std::string& path);

// "text" with JSON escapes, quotes included.
std::string json_quote(const std::string& text);

}  // namespace lpa
