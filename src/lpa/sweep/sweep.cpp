#include "lpa/sweep/sweep.h"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <filesystem>

#include "lpa/config/suggest.h"
#include "lpa/errors.h"
#include "lpa/io/files.h"

namespace lpa {
namespace {

namespace fs = std::filesystem;

std::string at(const std::string& source, const YAML::Node& n) {
  const auto mark = n.Mark();
  return mark.line < 0 ? source : source + ":" + std::to_string(mark.line + 1);
}

[[noreturn]] void fail(const std::string& source, const YAML::Node& n, const std::string& what) {
  throw UserError(at(source, n) + ": " + what);
}

// More tasks than any cluster's array job takes (Slurm's MaxArraySize defaults to 1001) is a
// mistake in the grid, not a sweep to expand into memory.
constexpr size_t kMaxTasks = 100000;

std::string key_name(const std::string& source, const YAML::Node& key, const std::string& where) {
  if (!key.IsScalar()) fail(source, key, where + "expected a key name, found a list or mapping");
  return key.Scalar();
}

std::string scalar(const std::string& source, const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) fail(source, n, key + ": expected a single value");
  return n.Scalar();
}

std::vector<std::string> scalars(const std::string& source, const YAML::Node& n, const std::string& key) {
  if (n.IsScalar()) return {n.Scalar()};
  if (!n.IsSequence() || n.size() == 0) fail(source, n, key + ": expected a non-empty list");
  std::vector<std::string> out;
  for (const auto& v : n) out.push_back(scalar(source, v, key));
  return out;
}

std::vector<std::string> assignments(const std::string& source, const YAML::Node& n, const std::string& key) {
  auto v = scalars(source, n, key);
  for (const auto& a : v)
    if (a.find('=') == std::string::npos || a.find('.') > a.find('='))
      fail(source, n, key + ": '" + a + "' is not section.key=value");
  return v;
}

}  // namespace

Sweep parse_sweep(const std::string& text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw UserError(source + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax error: " + e.msg);
  }
  if (!root.IsMap()) throw UserError(source + ": a sweep file is a mapping (base, set, grid, list, seeds)");
  Sweep s;
  s.file = source;
  s.name = fs::path(source).stem().string();
  s.root = "runs/sweeps";
  std::vector<std::string> common;
  std::vector<std::vector<std::string>> grid_points = {{}}, list_entries = {{}};
  std::vector<std::string> seeds;
  const std::vector<std::string> known = {"base", "name", "root", "set", "grid", "list", "seeds"};
  for (const auto& kv : root) {
    const std::string key = key_name(source, kv.first, "");
    const YAML::Node& v = kv.second;
    if (key == "base") {
      s.base_config = scalar(source, v, key);
    } else if (key == "name") {
      s.name = scalar(source, v, key);
      if (s.name.empty() || s.name.find('/') != std::string::npos) fail(source, v, "name: not a folder name");
    } else if (key == "root") {
      s.root = scalar(source, v, key);
    } else if (key == "set") {
      common = assignments(source, v, key);
    } else if (key == "grid") {
      if (!v.IsMap() || v.size() == 0) fail(source, v, "grid: expected a mapping of section.key: [values]");
      for (const auto& axis : v) {
        const std::string name = key_name(source, axis.first, "grid: ");
        if (name.find('.') == std::string::npos) fail(source, axis.first, "grid: '" + name + "' is not section.key");
        const auto values = scalars(source, axis.second, "grid: " + name);
        if (grid_points.size() * values.size() > kMaxTasks)
          fail(source, axis.first, "grid: more than " + std::to_string(kMaxTasks) + " combinations");
        std::vector<std::vector<std::string>> next;
        for (const auto& point : grid_points)
          for (const auto& value : values) {
            auto p = point;
            p.push_back(name + "=" + value);
            next.push_back(p);
          }
        grid_points = next;
      }
    } else if (key == "list") {
      if (!v.IsSequence() || v.size() == 0) fail(source, v, "list: expected a list of override lists");
      list_entries.clear();
      for (const auto& e : v) list_entries.push_back(assignments(source, e, "list"));
    } else if (key == "seeds") {
      seeds = scalars(source, v, key);
      for (const auto& x : seeds)
        if (x.empty() || x.find_first_not_of("0123456789") != std::string::npos)
          fail(source, v, "seeds: '" + x + "' is not a non-negative integer");
    } else {
      const std::string m = closest_match(key, known);
      fail(source, kv.first, key + ": unknown sweep key" + (m.empty() ? "" : " (did you mean " + m + "?)") +
                                 "; expected base, name, root, set, grid, list, seeds");
    }
  }
  if (s.base_config.empty()) throw UserError(source + ": base: missing (the config every task starts from)");
  if (!fs::path(s.base_config).is_absolute())
    s.base_config = (fs::path(source).parent_path() / s.base_config).lexically_normal().string();
  if (seeds.empty()) seeds.emplace_back();
  if (grid_points.size() * list_entries.size() * seeds.size() > kMaxTasks)
    throw UserError(source + ": " + std::to_string(grid_points.size() * list_entries.size() * seeds.size()) +
                    " tasks (grid x list x seeds), more than " + std::to_string(kMaxTasks));
  for (const auto& point : grid_points)
    for (const auto& entry : list_entries)
      for (const auto& seed : seeds) {
        SweepTask t;
        t.index = static_cast<int64_t>(s.tasks.size());
        t.overrides = common;
        t.overrides.insert(t.overrides.end(), point.begin(), point.end());
        t.overrides.insert(t.overrides.end(), entry.begin(), entry.end());
        if (!seed.empty()) t.overrides.push_back("train.seed=" + seed);
        t.run_dir = task_dir(s.root, s.name, t.index);
        s.tasks.push_back(t);
      }
  return s;
}

Sweep load_sweep(const std::string& path) { return parse_sweep(read_file(path), path); }

std::string task_dir(const std::string& root, const std::string& name, int64_t index) {
  char id[32];
  std::snprintf(id, sizeof id, "task_%03lld", static_cast<long long>(index));
  return root + "/" + name + "/" + id;
}

void move_sweep_root(Sweep& sweep, const std::string& root) {
  sweep.root = root;
  for (auto& t : sweep.tasks) t.run_dir = task_dir(root, sweep.name, t.index);
}

}  // namespace lpa
