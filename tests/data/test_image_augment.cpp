// Batch augmentation: crop-with-padding and flip as one gather, checked against a per-image loop.
#include <set>
#include <tuple>

#include "catch.h"
#include "lpa/data/image_augment.h"

using namespace lpa;

namespace {

// The reference: pad, slice, mirror, one image at a time.
torch::Tensor crop_flip_loop(const torch::Tensor& x, int64_t pad, const torch::Tensor& top,
                             const torch::Tensor& left, const torch::Tensor& flip) {
  auto padded = torch::zeros({x.size(0), x.size(1), x.size(2) + 2 * pad, x.size(3) + 2 * pad}, x.options());
  padded.narrow(2, pad, x.size(2)).narrow(3, pad, x.size(3)).copy_(x);
  std::vector<torch::Tensor> out;
  for (int64_t b = 0; b < x.size(0); ++b) {
    auto img = padded[b].narrow(1, top[b].item<int64_t>(), x.size(2)).narrow(2, left[b].item<int64_t>(), x.size(3));
    out.push_back(flip[b].item<bool>() ? img.flip({2}) : img);
  }
  return torch::stack(out);
}

}  // namespace

TEST_CASE("augment: crop_and_flip equals a per-image crop and mirror") {
  torch::manual_seed(3);
  auto x = torch::randint(0, 256, {16, 3, 7, 9}, torch::kLong).to(torch::kUInt8);
  for (int64_t pad : {0, 2, 4}) {
    INFO("padding " << pad);
    auto top = torch::randint(0, 2 * pad + 1, {16}, torch::kLong);
    auto left = torch::randint(0, 2 * pad + 1, {16}, torch::kLong);
    auto flip = torch::rand({16}).lt(0.5);
    auto got = crop_and_flip(x, pad, top, left, flip);
    CHECK(got.sizes() == x.sizes());
    CHECK(got.dtype() == torch::kUInt8);
    CHECK(torch::equal(got, crop_flip_loop(x, pad, top, left, flip)));
  }
  // Plain NCHW strides even for one channel (where [B, H, W, 1] permuted back looks contiguous).
  auto gray = random_crop_flip(x.narrow(1, 0, 1).contiguous(), 2, true);
  CHECK(gray.strides() == torch::IntArrayRef({7 * 9, 7 * 9, 9, 1}));
  // Centre crop without flip is the identity.
  auto centre = torch::full({16}, 2, torch::kLong);
  CHECK(torch::equal(crop_and_flip(x, 2, centre, centre, torch::zeros({16}, torch::kBool)), x));
}

TEST_CASE("augment: random_crop_flip draws every offset and both orientations") {
  torch::manual_seed(4);
  const int64_t pad = 1, n = 400;
  // Each image is distinct and asymmetric, so its crop and flip can be identified.
  auto x = torch::arange(n * 25, torch::kLong).view({n, 1, 5, 5}).remainder(251).add(1).to(torch::kUInt8);
  auto got = random_crop_flip(x, pad, true);
  std::set<std::tuple<int64_t, int64_t, bool>> seen;
  for (int64_t b = 0; b < n; ++b) {
    bool matched = false;
    for (int64_t t = 0; t <= 2 * pad && !matched; ++t)
      for (int64_t l = 0; l <= 2 * pad && !matched; ++l)
        for (bool f : {false, true}) {
          auto ref = crop_flip_loop(x.narrow(0, b, 1), pad, torch::tensor({t}), torch::tensor({l}),
                                    torch::tensor({f}));
          if (torch::equal(ref[0], got[b])) {
            matched = true;
            seen.insert({t, l, f});
            break;
          }
        }
    REQUIRE(matched);
  }
  CHECK(seen.size() == 18);  // 3 x 3 offsets x 2 orientations
  // flip: false never mirrors; padding 0 then leaves images as they are.
  CHECK(torch::equal(random_crop_flip(x, 0, false), x));
}
