// What each config key says about a run: most keys change what it computes; the length keys
// say how long it trains; placement keys say where it runs (its last bits may move); launch
// keys say how it is started, labelled and written. Resume checks and the reproduce script's
// "is this run the shipped recipe" both read this one table (`lpa config --roles`).
#pragma once
#include <string>
#include <vector>

namespace lpa {

enum class KeyRole { computes, length, placement, launch };

KeyRole key_role(const std::string& path);
const char* key_role_name(KeyRole role);

// The keys of each role other than `computes`, for tests: every one names a key of the schema.
std::vector<std::string> keys_with_role(KeyRole role);

}  // namespace lpa
