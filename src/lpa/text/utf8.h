// UTF-8 helpers the tokenizers share: their inputs are byte strings that may not be valid UTF-8.
#pragma once
#include <cstddef>
#include <string>

namespace lpa {

// The code point starting at text[pos], and its length in bytes through `length`. An invalid or
// truncated sequence reads as U+FFFD of length 1, so every byte belongs to exactly one
// "character" and offsets always map back to the input.
char32_t next_code_point(const std::string& text, size_t pos, size_t& length);

void append_utf8(std::string& out, char32_t c);
std::string utf8_of(char32_t c);

// `text` with every byte of an invalid sequence replaced by U+FFFD (Hugging Face's tokenizers
// take Rust strings, which cannot hold invalid UTF-8; Rust's from_utf8_lossy would write one
// U+FFFD per maximal invalid run instead of one per byte).
std::string valid_utf8(const std::string& text);

}  // namespace lpa
