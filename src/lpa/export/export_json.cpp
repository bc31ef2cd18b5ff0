#include "lpa/export/export_json.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "lpa/config/schema.h"
#include "lpa/io/json.h"

namespace lpa {

namespace {

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";  // JSON has no inf/nan
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  if (std::strtod(buf, nullptr) != v) std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// A scalar as YAML wrote it: booleans and numbers keep their type, the rest are strings.
std::string json_scalar(const std::string& s) {
  if (s == "true" || s == "false") return s;
  const bool numeric_start = !s.empty() && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9'));
  if (numeric_start) {
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end && *end == '\0' && std::isfinite(v)) return json_number(v);
  }
  return json_quote(s);
}

std::string json_of(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Scalar: return json_scalar(n.Scalar());
    case YAML::NodeType::Sequence: {
      std::string out = "[";
      for (size_t i = 0; i < n.size(); ++i) out += (i ? ", " : "") + json_of(n[i]);
      return out + "]";
    }
    case YAML::NodeType::Map: {
      std::string out = "{";
      bool first = true;
      for (const auto& kv : n) {
        out += (first ? "" : ", ") + json_quote(kv.first.as<std::string>()) + ": " + json_of(kv.second);
        first = false;
      }
      return out + "}";
    }
    default: return "null";
  }
}

template <typename T, typename F>
std::string json_array(const std::vector<T>& v, F item) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + item(v[i]);
  return out + "]";
}

}  // namespace

std::string export_json(const ExportInfo& i, const ExperimentConfig& cfg) {
  std::ostringstream o;
  auto num = [](double v) { return json_number(v); };
  o << "{\"format\": " << json_quote(kExportFormatName) << ", \"format_version\": " << kExportFormatVersion
    << ", \"model\": " << json_quote(i.model_kind) << ", \"depth\": " << i.depth
    << ", \"full_depth\": " << i.full_depth << ", \"task\": " << json_quote(to_string(i.task))
    << ", \"input\": {\"shape\": " << json_array(i.input_shape, [](int64_t v) { return std::to_string(v); })
    << ", \"dtype\": " << json_quote(i.input_dtype) << "}, \"output_dim\": " << i.output_dim
    << ", \"classes\": " << json_array(i.classes, [](const std::string& s) { return json_quote(s); })
    << ", \"normalization\": ";
  if (i.mean.empty()) o << "null";
  else o << "{\"mean\": " << json_array(i.mean, num) << ", \"std\": " << json_array(i.std, num) << "}";
  o << ", \"early_exit\": ";
  if (!i.early_exit) o << "null";
  else o << "{\"criterion\": " << json_quote(i.early_exit->criterion)
         << ", \"threshold\": " << json_number(i.early_exit->threshold) << "}";
  o << ", \"config\": {";
  bool first = true;
  for (const ConfigKey& k : config_schema()) {
    o << (first ? "" : ", ") << json_quote(k.path) << ": " << json_of(k.get(cfg));
    first = false;
  }
  o << "}}";
  return o.str();
}

}  // namespace lpa
