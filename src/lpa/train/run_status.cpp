#include "lpa/train/run_status.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <csignal>
#include <ctime>
#include <fstream>

#include "lpa/errors.h"
#include "lpa/io/files.h"

namespace lpa {

bool lpa_process_alive(int64_t pid) {
  if (pid <= 0) return false;
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM) return false;
  // A pid is reused once its process is gone: it must still be an lpa (Linux; elsewhere
  // liveness alone decides).
  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  if (!comm || !std::getline(comm, name)) return !dir_exists("/proc/self");
  return name.rfind("lpa", 0) == 0;
}

void write_run_status(const RunDir& run, const std::string& state, int64_t total_steps, const std::string& message) {
  std::time_t t = std::time(nullptr);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S%z", std::localtime(&t));
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "state" << YAML::Value << state << YAML::Key << "pid" << YAML::Value
      << static_cast<long long>(::getpid()) << YAML::Key << "host" << YAML::Value << host_name() << YAML::Key
      << "total_steps" << YAML::Value << static_cast<long long>(total_steps) << YAML::Key << "message"
      << YAML::Value << message << YAML::Key << "updated" << YAML::Value << when << YAML::EndMap;
  write_file_atomic(run.status(), std::string(out.c_str()) + "\n");
}

std::optional<RunStatus> read_run_status(const RunDir& run) {
  if (!file_exists(run.status())) return std::nullopt;
  try {
    const YAML::Node n = YAML::LoadFile(run.status());
    RunStatus s;
    s.state = n["state"].as<std::string>();
    s.pid = n["pid"].as<int64_t>(0);
    s.host = n["host"].as<std::string>("");
    s.total_steps = n["total_steps"].as<int64_t>(0);
    s.message = n["message"].as<std::string>("");
    s.updated = n["updated"].as<std::string>("");
    return s;
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
}

}  // namespace lpa
