#include "lpa/config/load.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "lpa/config/ignored_keys.h"
#include "lpa/config/pretrained_defaults.h"
#include "lpa/config/schema.h"
#include "lpa/config/suggest.h"
#include "lpa/errors.h"
#include "lpa/io/files.h"

namespace lpa {
namespace {

std::vector<std::string> all_key_paths() {
  std::vector<std::string> v;
  for (const auto& k : config_schema()) v.push_back(k.path);
  return v;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  std::string m = closest_match(word, candidates);
  return m.empty() ? "" : " (did you mean " + m + "?)";
}

std::string at(const std::string& source, const YAML::Node& n) {
  const auto mark = n.Mark();
  if (mark.line < 0) return source;
  return source + ":" + std::to_string(mark.line + 1);
}

// A mapping key as text: `[depth]: 4` or `? {a: b}` is a bad config, not a yaml-cpp conversion error.
std::string key_name(const std::string& source, const YAML::Node& key, const std::string& where) {
  if (!key.IsScalar()) throw UserError(at(source, key) + ": " + where + "expected a key name, found a list or mapping");
  return key.Scalar();
}

void read_section(ExperimentConfig& cfg, const std::string& source, const std::string& section,
                  const YAML::Node& body, const YAML::Node& key_node) {
  if (body.IsNull()) return;  // an empty section keeps its defaults
  if (!body.IsMap())
    throw UserError(at(source, key_node) + ": " + section + ": expected a mapping of keys");
  for (const auto& kv : body) {
    const std::string key = key_name(source, kv.first, section + ": ");
    const std::string path = section + "." + key;
    const ConfigKey* k = find_config_key(path);
    if (!k)
      throw UserError(at(source, kv.first) + ": " + path + ": unknown key" +
                      did_you_mean(path, all_key_paths()));
    try {
      k->set(cfg, kv.second);
    } catch (const ValueError& e) {
      throw UserError(at(source, kv.second) + ": " + path + ": " + e.what());
    }
    if (kv.first.Mark().line >= 0) cfg.key_lines[path] = kv.first.Mark().line + 1;
  }
}

void read_document(ExperimentConfig& cfg, const YAML::Node& root, const std::string& source) {
  if (root.IsNull()) return;
  if (!root.IsMap()) throw UserError(source + ": expected a mapping of sections at the top level");
  for (const auto& kv : root) {
    const std::string section = key_name(source, kv.first, "");
    if (section == "meta") continue;  // written by lpa into run directories; informational
    const auto& known = config_sections();
    if (std::find(known.begin(), known.end(), section) == known.end()) {
      std::vector<std::string> candidates(known.begin(), known.end());
      throw UserError(at(source, kv.first) + ": " + section + ": unknown section" +
                      did_you_mean(section, candidates));
    }
    read_section(cfg, source, section, kv.second, kv.first);
  }
}

}  // namespace

std::string ExperimentConfig::where(const std::string& key) const {
  auto it = key_lines.find(key);
  if (it == key_lines.end()) return (source.empty() ? "config" : source) + ": " + key;
  if (it->second <= 0) return "--set " + key;
  return source + ":" + std::to_string(it->second) + ": " + key;
}

void apply_override(ExperimentConfig& cfg, const std::string& assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw UserError("--set " + assignment + ": expected section.key=value");
  const std::string path = assignment.substr(0, eq);
  const std::string value = assignment.substr(eq + 1);
  const ConfigKey* k = find_config_key(path);
  if (!k) throw UserError("--set " + path + ": unknown key" + did_you_mean(path, all_key_paths()));
  YAML::Node node;
  try {
    node = value.empty() ? YAML::Node("") : YAML::Load(value);
  } catch (const YAML::Exception& e) {
    throw UserError("--set " + path + ": cannot parse value '" + value + "': " + e.msg);
  }
  try {
    k->set(cfg, node);
  } catch (const ValueError& e) {
    throw UserError("--set " + path + ": " + e.what());
  }
  cfg.key_lines[path] = 0;
  cfg.overrides.push_back(assignment);
}

ExperimentConfig parse_config(const std::string& yaml_text, const std::string& source,
                              const std::vector<std::string>& overrides) {
  ExperimentConfig cfg;
  cfg.source = source;
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    throw UserError(source + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax error: " + e.msg);
  }
  read_document(cfg, root, source);
  for (const auto& o : overrides) apply_override(cfg, o);
  apply_pretrained_defaults(cfg);
  validate_config(cfg);
  return cfg;
}

ExperimentConfig load_config(const std::string& path, const std::vector<std::string>& overrides) {
  // A folder opens as an empty stream: it would read as an empty config, all defaults.
  if (dir_exists(path)) throw UserError(path + ": is a folder, not a config file");
  std::ifstream in(path);
  if (!in) throw UserError(path + ": cannot open config file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_config(ss.str(), path, overrides);
}

std::vector<std::pair<std::string, std::string>> load_meta(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::Load(read_file(path));
  } catch (const YAML::Exception& e) {
    throw UserError(path + ": " + e.what());
  }
  std::vector<std::pair<std::string, std::string>> meta;
  if (!root.IsMap() || !root["meta"] || !root["meta"].IsMap()) return meta;
  for (const auto& kv : root["meta"])
    if (kv.first.IsScalar() && kv.second.IsScalar()) meta.emplace_back(kv.first.Scalar(), kv.second.Scalar());
  return meta;
}

std::string config_to_yaml(const ExperimentConfig& cfg,
                           const std::vector<std::pair<std::string, std::string>>& meta) {
  // Keys this config never reads are written at their defaults: the dump says what the run
  // computes and loads back without being refused (see ignored_keys.h).
  const ExperimentConfig resolved = without_ignored_keys(cfg);
  YAML::Emitter out;
  out << YAML::BeginMap;
  for (const auto& section : config_sections()) {
    out << YAML::Key << section << YAML::Value << YAML::BeginMap;
    for (const auto& k : config_schema()) {
      if (k.path.compare(0, section.size() + 1, section + ".") != 0) continue;
      out << YAML::Key << k.path.substr(section.size() + 1) << YAML::Value << k.get(resolved);
    }
    out << YAML::EndMap;
  }
  if (!meta.empty()) {
    out << YAML::Key << "meta" << YAML::Value << YAML::BeginMap;
    for (const auto& [k, v] : meta) out << YAML::Key << k << YAML::Value << v;
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace lpa
