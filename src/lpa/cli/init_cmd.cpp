// `lpa init --list` and `lpa init NAME [-o FILE]`: the shipped configs as starting points (like
// torchtune's `tune cp`). The file written is the shipped one, comments included, under a
// header saying where it came from, followed by the keys it leaves at their defaults (those the
// config reads) as comments, each with its meaning, to copy into their section.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "lpa/cli/commands.h"
#include "lpa/config/ignored_keys.h"
#include "lpa/config/key_values.h"
#include "lpa/config/load.h"
#include "lpa/config/schema.h"
#include "lpa/config/shipped_configs.h"
#include "lpa/config/suggest.h"
#include "lpa/errors.h"
#include "lpa/io/files.h"
#include "lpa/version.h"

namespace lpa::cli {
namespace {

std::string source_name(const ShippedConfig& c) { return "configs/" + c.name + ".yaml"; }

const ShippedConfig& find_shipped(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& c : shipped_configs()) {
    if (c.name == name || c.name + ".yaml" == name) return c;
    names.push_back(c.name);
  }
  const std::string near = closest_match(name, names);
  throw UserError("init: no shipped config '" + name + "'" + (near.empty() ? "" : " (did you mean " + near + "?)") +
                  "; lpa init --list shows them");
}

// The keys `cfg` reads but does not set, as commented YAML grouped by section.
std::string unset_keys_block(const ExperimentConfig& cfg) {
  std::vector<std::string> unread;
  for (const auto& k : unread_keys(cfg)) unread.push_back(k.key);
  std::string out;
  for (const auto& section : config_sections()) {
    if (section == "experiment") continue;
    std::vector<std::pair<std::string, std::string>> lines;  // (key: value, doc)
    size_t width = 0;
    for (const auto& k : config_schema()) {
      if (k.path.rfind(section + ".", 0) != 0 || cfg.key_lines.count(k.path) ||
          std::find(unread.begin(), unread.end(), k.path) != unread.end())
        continue;
      lines.emplace_back(k.path.substr(section.size() + 1) + ": " + one_line_yaml(k.get(cfg)), k.doc);
      width = std::max(width, lines.back().first.size());
    }
    if (lines.empty()) continue;
    out += "#\n# " + section + ":\n";
    for (const auto& [kv, doc] : lines) out += "#   " + kv + std::string(width - kv.size(), ' ') + "  # " + doc + "\n";
  }
  return out;
}

std::string starting_config(const ShippedConfig& c, const std::string& output) {
  const ExperimentConfig cfg = parse_config(c.text, source_name(c));
  std::string text = "# Written by `lpa init " + c.name + "` (lpa " + lpa_version() + ") from the shipped " +
                     source_name(c) + ".\n# Train: lpa train --config " + output +
                     "    The resolved config, every key: lpa config --config " + output + "\n\n" + c.text;
  if (!text.empty() && text.back() != '\n') text += '\n';
  const std::string rest = unset_keys_block(cfg);
  if (!rest.empty())
    text += "\n# ---------------------------------------------------------------------------------------\n"
            "# The keys this config reads but leaves at their defaults; to change one, copy its line\n"
            "# (without the '#') under its section above, or pass --set section.key=value.\n" +
            rest;
  return text;
}

}  // namespace

int run_init(const InitOptions& o) {
  if (o.list) {
    size_t width = 0;
    for (const auto& c : shipped_configs()) width = std::max(width, c.name.size());
    for (const auto& c : shipped_configs()) {
      const ExperimentConfig cfg = parse_config(c.text, source_name(c));
      std::printf("%-*s  %s\n", static_cast<int>(width), c.name.c_str(), cfg.experiment.notes.c_str());
    }
    return 0;
  }
  if (o.name.empty()) throw UserError("init: name a shipped config (lpa init --list shows them) or pass --list");
  const ShippedConfig& c = find_shipped(o.name);
  const std::string output = o.output.empty() ? c.name + ".yaml" : o.output;
  if (dir_exists(output)) throw UserError("init: " + output + " is a folder; name a file with -o");
  if (file_exists(output) && !o.force)
    throw UserError("init: " + output + " exists (pass --force to replace it, or -o another file)");
  write_file_atomic(output, starting_config(c, output));
  std::cout << "wrote " << output << " (from " << source_name(c) << "); train it with: lpa train --config "
            << output << std::endl;
  return 0;
}

}  // namespace lpa::cli
