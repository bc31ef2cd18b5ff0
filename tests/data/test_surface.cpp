#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/data/batch_sampler.h"
#include "lpa/data/registry.h"
#include "lpa/data/surface_functions.h"
#include "lpa/errors.h"

using namespace lpa;

TEST_CASE("surface: registry holds the named functions with known values") {
  const char* names[] = {"franke", "peaks", "rosenbrock", "ackley", "rastrigin",
                         "sinc", "sincos", "high_frequency", "gabor"};
  for (auto n : names) CHECK(find_surface_function(n) != nullptr);
  CHECK(surface_functions().size() >= 8);
  // Franke's function at (0,0): 0.75 e^{-2} + 0.75 e^{-1/49-0.1} + 0.5 e^{-(49+9)/4} - 0.2 e^{-16-49}
  double expect = 0.75 * std::exp(-2.0) + 0.75 * std::exp(-1.0 / 49 - 0.1) + 0.5 * std::exp(-58.0 / 4) -
                  0.2 * std::exp(-65.0);
  CHECK(find_surface_function("franke")->f(torch::zeros({1, 2})).item<double>() == Approx(expect));
  CHECK(find_surface_function("sincos")->f(torch::tensor({{0.5f, 0.0f}})).item<double>() == Approx(1.0));
  CHECK(find_surface_function("sinc")->f(torch::zeros({1, 2})).item<double>() == Approx(1.0));
  CHECK(find_surface_function("ackley")->f(torch::zeros({1, 3})).item<double>() == Approx(0.0).margin(1e-5));
  CHECK(find_surface_function("rastrigin")->f(torch::zeros({1, 2})).item<double>() == Approx(0.0).margin(1e-6));
  // Rosenbrock's minimum is at z = 1, i.e. x = 0.5 after the 2x scaling.
  CHECK(find_surface_function("rosenbrock")->f(torch::full({1, 3}, 0.5)).item<double>() ==
        Approx(0.0).margin(1e-6));
}

TEST_CASE("surface: dataset sizes, domain, seeding, noise only on train") {
  auto cfg = parse_config("data:\n  function: franke\n  n_train: 100\n  n_val: 50\n  n_test: 70\n  noise: 0.1\n",
                          "t.yaml");
  auto d = make_dataset(cfg);
  CHECK(d->size(Split::train) == 100);
  CHECK(d->size(Split::val) == 50);
  CHECK(d->size(Split::test) == 70);
  auto all = torch::arange(70, torch::kLong);
  auto test = d->get(Split::test, all, false);
  CHECK(test.x.min().item<double>() >= 0.0);  // Franke lives on [0,1]^2
  CHECK(test.x.max().item<double>() <= 1.0);
  auto f = find_surface_function("franke");
  CHECK(torch::allclose(test.y, f->f(test.x)));  // test targets are noise-free
  auto train = d->get(Split::train, torch::arange(100, torch::kLong), false);
  double resid = (train.y - f->f(train.x)).std().item<double>();
  CHECK(resid == Approx(0.1).epsilon(0.3));
  auto again = make_dataset(cfg)->get(Split::test, all, false);
  CHECK(torch::equal(again.x, test.x));
}

TEST_CASE("surface: grid sampling and bad names") {
  auto cfg = parse_config("data:\n  function: sincos\n  sampling: grid\n  n_train: 100\n", "t.yaml");
  auto d = make_dataset(cfg);
  CHECK(d->size(Split::train) == 100);  // 10 x 10
  // Guards `d.sampling == "grid"`: a lattice has 10 distinct values per coordinate, uniform
  // draws have 100.
  auto x = d->get(Split::train, torch::arange(100, torch::kLong), false).x;
  CHECK(std::get<0>(torch::_unique(x.select(1, 0))).numel() == 10);
  CHECK(std::get<0>(torch::_unique(x.select(1, 1))).numel() == 10);
  auto bad = parse_config("data:\n  function: frankee\n", "t.yaml");
  CHECK_THROWS_WITH(make_dataset(bad), Catch::Contains("t.yaml:2: data.function: unknown surface 'frankee' (did you mean franke?)"));
  auto dim = parse_config("data:\n  function: franke\n  dim: 3\n", "t.yaml");
  CHECK_THROWS_AS(make_dataset(dim), UserError);
}

TEST_CASE("batch sampler: seeded epochs, full batches, exact resume") {
  BatchSampler a(10, 4, 7);
  CHECK(a.batches_per_epoch() == 2);
  auto b1 = a.next(), b2 = a.next();
  CHECK(b1.numel() == 4);
  auto seen = torch::cat({b1, b2});
  CHECK(std::get<0>(torch::_unique(seen)).numel() == 8);  // no repeats within an epoch
  auto b3 = a.next();
  CHECK(a.epoch() == 1);
  BatchSampler b(10, 4, 7);
  b.seek(1, 4);
  CHECK(torch::equal(b.next(), a.next()));
  BatchSampler other_seed(10, 4, 8);
  CHECK_FALSE(torch::equal(other_seed.next(), b1));
}

// Guards `d.seed >= 0 ? d.seed : cfg.train.seed` (surface_dataset.cpp): data.seed fixes the
// sampled points whatever train.seed is, and -1 follows train.seed.
TEST_CASE("surface: data.seed fixes the points, -1 follows train.seed") {
  auto points = [](const std::string& seeds) {
    auto cfg = parse_config("data:\n  function: franke\n  n_train: 20\n" + seeds, "t.yaml");
    return make_dataset(cfg)->get(Split::train, torch::arange(20, torch::kLong), false).x;
  };
  const auto a = points("  seed: 5\ntrain:\n  seed: 1\n");
  CHECK(torch::equal(a, points("  seed: 5\ntrain:\n  seed: 2\n")));
  CHECK_FALSE(torch::equal(a, points("  seed: 6\ntrain:\n  seed: 1\n")));
  CHECK_FALSE(torch::equal(points("  seed: -1\ntrain:\n  seed: 1\n"), points("  seed: -1\ntrain:\n  seed: 2\n")));
  CHECK(torch::equal(points("  seed: -1\ntrain:\n  seed: 5\n"), a));
}
