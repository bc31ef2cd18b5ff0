#include "lpa/config/key_roles.h"

#include <map>

namespace lpa {
namespace {

const std::map<std::string, KeyRole>& roles() {
  static const std::map<std::string, KeyRole> r = {
      {"train.steps", KeyRole::length},
      {"train.epochs", KeyRole::length},
      {"train.threads", KeyRole::placement},
      {"train.device", KeyRole::placement},
      {"data.device_cache_mb", KeyRole::placement},
      {"train.cuda_graph", KeyRole::placement},
      {"experiment.notes", KeyRole::launch},
      {"output.root", KeyRole::launch},
      {"output.run_id", KeyRole::launch},
      {"output.tensorboard", KeyRole::launch},
      {"train.requeue", KeyRole::launch},
      {"train.dist_backend", KeyRole::launch},
      {"train.bucket_mb", KeyRole::launch},
      {"train.dist_timeout_s", KeyRole::launch},
  };
  return r;
}

}  // namespace

KeyRole key_role(const std::string& path) {
  const auto it = roles().find(path);
  return it == roles().end() ? KeyRole::computes : it->second;
}

const char* key_role_name(KeyRole role) {
  switch (role) {
    case KeyRole::computes: return "computes";
    case KeyRole::length: return "length";
    case KeyRole::placement: return "placement";
    case KeyRole::launch: return "launch";
  }
  return "computes";
}

std::vector<std::string> keys_with_role(KeyRole role) {
  std::vector<std::string> out;
  for (const auto& [path, r] : roles())
    if (r == role) out.push_back(path);
  return out;
}

}  // namespace lpa
