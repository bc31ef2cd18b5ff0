// The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian
// header length N, N bytes of JSON {"name": {"dtype", "shape", "data_offsets": [begin, end]},
// "__metadata__": {string: string}}, then the raw little-endian, C-ordered tensor bytes, with
// offsets relative to the start of that byte buffer, no holes and no overlaps.
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "lpa/models/named_tensors.h"

namespace lpa {

struct SafetensorsFile {
  NamedTensors tensors;  // in file order
  std::map<std::string, std::string> metadata;
};

// Writes atomically. Tensors are copied to CPU and made contiguous; names must be unique.
// Supported dtypes: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL.
void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// Reads and checks the whole file (header shape, offsets, sizes); UserError names the file and
// what is wrong.
SafetensorsFile read_safetensors(const std::string& path);

// True when the file starts like a safetensors file (plausible length, then '{').
bool looks_like_safetensors(const std::string& path);

}  // namespace lpa
