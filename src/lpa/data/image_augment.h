// Training-time augmentation on a whole batch at once (no per-image loop): random crop of an
// image zero-padded on every side, and horizontal flip. Works on any dtype (uint8 here, so the
// padding is black, as in torchvision's RandomCrop before Normalize).
#pragma once
#include <torch/torch.h>

namespace lpa {

// x: [B, C, H, W]. Sample b is the H x W window at (top[b], left[b]) of x padded by `padding`
// (top, left in 0..2*padding), mirrored left-right where flip[b] is true. top, left: int64 [B];
// flip: bool [B]. One gather for the whole batch.
torch::Tensor crop_and_flip(const torch::Tensor& x, int64_t padding, const torch::Tensor& top,
                            const torch::Tensor& left, const torch::Tensor& flip);

// Draws offsets (and flips with probability 1/2 when `flip`) from LibTorch's global generator,
// so a checkpoint's RNG state makes the augmentation resume exactly.
torch::Tensor random_crop_flip(const torch::Tensor& x, int64_t padding, bool flip);

}  // namespace lpa
