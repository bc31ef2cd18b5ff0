// CRC-32C (Castagnoli), the checksum of TensorFlow's record files (TensorBoard event files).
// Debian ships no C library for it; this is the reflected table-driven form of polynomial
// 0x1EDC6F41 (reversed 0x82F63B78), checked against the standard check value
// CRC32C("123456789") = 0xE3069283.
#pragma once
#include <cstddef>
#include <cstdint>

namespace lpa {

// `crc` continues an earlier call over the preceding bytes (0 to start).
uint32_t crc32c(const void* data, size_t size, uint32_t crc = 0);

// TFRecord's masked form: rotated right by 15 and offset, so that a CRC computed over bytes
// that hold CRCs themselves does not degenerate.
uint32_t masked_crc32c(const void* data, size_t size);

}  // namespace lpa
