#include "lpa/data/image_augment.h"

namespace lpa {

torch::Tensor crop_and_flip(const torch::Tensor& x, int64_t padding, const torch::Tensor& top,
                            const torch::Tensor& left, const torch::Tensor& flip) {
  using torch::indexing::Slice;
  const int64_t b = x.size(0), h = x.size(2), w = x.size(3);
  torch::Tensor padded =
      padding > 0 ? torch::constant_pad_nd(x, {padding, padding, padding, padding}, 0) : x;
  const auto longs = torch::TensorOptions().dtype(torch::kLong).device(x.device());
  torch::Tensor row = torch::arange(h, longs);
  torch::Tensor col = torch::arange(w, longs);
  torch::Tensor rows = top.view({b, 1}) + row.view({1, h});                       // [B, H]
  torch::Tensor cols = torch::where(flip.view({b, 1}), (w - 1 - col).view({1, w}), col.view({1, w}));
  cols = left.view({b, 1}) + cols;                                                // [B, W]
  torch::Tensor bi = torch::arange(b, longs).view({b, 1, 1});
  // Channels last so the three index tensors broadcast to [B, H, W] and C rides along.
  torch::Tensor out = padded.permute({0, 2, 3, 1})
                          .index({bi, rows.view({b, h, 1}), cols.view({b, 1, w})})
                          .permute({0, 3, 1, 2});
  // With one channel the permuted result already counts as contiguous but keeps odd strides,
  // which LibTorch 1.13's oneDNN convolution backward mishandles (heap corruption): copy into
  // plain NCHW strides.
  return out.clone(torch::MemoryFormat::Contiguous);
}

torch::Tensor random_crop_flip(const torch::Tensor& x, int64_t padding, bool flip) {
  const int64_t b = x.size(0);
  // Drawn where the images are: on an accelerator, from its generator, with no host round trip.
  const auto on = torch::TensorOptions().device(x.device());
  torch::Tensor top = torch::randint(0, 2 * padding + 1, {b}, on.dtype(torch::kLong));
  torch::Tensor left = torch::randint(0, 2 * padding + 1, {b}, on.dtype(torch::kLong));
  torch::Tensor mirror = flip ? torch::rand({b}, on).lt(0.5) : torch::zeros({b}, on.dtype(torch::kBool));
  return crop_and_flip(x, padding, top, left, mirror);
}

}  // namespace lpa
