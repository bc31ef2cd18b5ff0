#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/data/registry.h"
#include "lpa/errors.h"
#include "lpa/eval/depth_spec.h"
#include "lpa/eval/meter.h"
#include "lpa/eval/per_depth.h"
#include "lpa/models/registry.h"
#include "test_support.h"

using namespace lpa;

TEST_CASE("depth spec: forms and errors") {
  CHECK(parse_depth_spec("all", 4) == std::vector<int64_t>{1, 2, 3, 4});
  CHECK(parse_depth_spec("1..16", 16).size() == 16);
  CHECK(parse_depth_spec("2..16:2", 16) == std::vector<int64_t>{2, 4, 6, 8, 10, 12, 14, 16});
  CHECK(parse_depth_spec("8,1,2,4", 16) == std::vector<int64_t>{1, 2, 4, 8});
  CHECK(parse_depth_spec("1..3,3,8", 8) == std::vector<int64_t>{1, 2, 3, 8});
  CHECK(parse_depth_spec("2..N", 3) == std::vector<int64_t>{2, 3});
  CHECK_THROWS_WITH(parse_depth_spec("1..17", 16), "depth spec '1..17': depth 17 is out of range 1..16");
  CHECK_THROWS_WITH(parse_depth_spec("0", 16), "depth spec '0': depth 0 is out of range 1..16");
  CHECK_THROWS_AS(parse_depth_spec("a..b", 16), UserError);
  CHECK_THROWS_AS(parse_depth_spec("5..2", 16), UserError);
}

// Guards the range check before the expansion in parse_depth_spec (found by fuzz_depth_spec:
// "38..1644444886" listed 1.6 billion depths before checking them, out of memory).
TEST_CASE("depth spec: a huge range or number is refused before it is expanded") {
  const std::string input = test::fuzz_input("depth_spec", "crash-huge-range");
  const int64_t depth = static_cast<uint8_t>(input[0]) + 1;  // fuzz_depth_spec.cpp's layout
  CHECK_THROWS_WITH(parse_depth_spec(input.substr(1), depth),
                    "depth spec '1413,38..1644444886': depth 1644444886 is out of range 1..16");
  CHECK_THROWS_WITH(parse_depth_spec("0..3", 16), "depth spec '0..3': depth 0 is out of range 1..16");
  CHECK_THROWS_WITH(parse_depth_spec("1..99999999999999999999", 16),
                    "depth spec '1..99999999999999999999': 99999999999999999999 is out of range");
}

TEST_CASE("meter: regression metrics against hand computation") {
  auto m = make_meter(Task::regression, 1);
  m->add(torch::tensor({{1.0f}, {2.0f}}), torch::tensor({{1.0f}, {4.0f}}));
  m->add(torch::tensor({{3.0f}}), torch::tensor({{4.0f}}));
  auto r = m->metrics();
  // errors 0, -2, -1 -> mse 5/3, mae 1; y = 1,4,4: mean 3, sst 6 -> r2 = 1 - 5/6
  CHECK(metric_value(r, "mse") == Approx(5.0 / 3));
  CHECK(metric_value(r, "rmse") == Approx(std::sqrt(5.0 / 3)));
  CHECK(metric_value(r, "mae") == Approx(1.0));
  CHECK(metric_value(r, "r2") == Approx(1.0 - 5.0 / 6));
}

TEST_CASE("meter: classification accuracy, nll, ece, states merge") {
  auto logits = torch::tensor({{2.0f, 0.0f}, {0.0f, 2.0f}, {2.0f, 0.0f}, {0.0f, 0.0f}});
  auto y = torch::tensor({0, 1, 1, 0}, torch::kLong);
  auto m = make_meter(Task::classification, 2);
  m->add(logits, y);
  auto r = m->metrics();
  CHECK(metric_value(r, "accuracy") == Approx(0.75));  // ties go to class 0 (argmax)
  double nll = -torch::log_softmax(logits, 1).gather(1, y.unsqueeze(1)).mean().item<double>();
  CHECK(metric_value(r, "nll") == Approx(nll));
  // confidences: p=0.881 (x3: correct, correct, wrong), 0.5 (correct) -> ECE = 3/4 |0.881 - 2/3| + 1/4 |0.5 - 1|
  double p = 1 / (1 + std::exp(-2.0));
  CHECK(metric_value(r, "ece") == Approx(0.75 * std::abs(p - 2.0 / 3) + 0.25 * 0.5).epsilon(1e-4));
  auto a = make_meter(Task::classification, 2), b = make_meter(Task::classification, 2);
  a->add(logits.narrow(0, 0, 2), y.narrow(0, 0, 2));
  b->add(logits.narrow(0, 2, 2), y.narrow(0, 2, 2));
  for (size_t i = 0; i < a->state().size(); ++i) a->state()[i] += b->state()[i];
  CHECK(metric_value(a->metrics(), "accuracy") == Approx(0.75));
  // predictions 0,1,0,0 vs truth 0,1,1,0: class 0 F1 = 2*2/(3+2), class 1 F1 = 2*1/(1+2)
  CHECK(metric_value(r, "f1") == Approx((0.8 + 2.0 / 3) / 2));
  CHECK(metric_value(a->metrics(), "f1") == Approx((0.8 + 2.0 / 3) / 2));
}

TEST_CASE("meter: macro F1 skips classes never seen nor predicted") {
  auto m = make_meter(Task::classification, 10);
  auto logits = torch::zeros({2, 10});
  logits[0][0] = 5.0;
  logits[1][1] = 5.0;
  m->add(logits, torch::tensor({0, 0}, torch::kLong));
  // class 0: TP 1, predicted 1, actual 2 -> 2/3; class 1: TP 0 -> 0; classes 2..9 absent.
  CHECK(metric_value(m->metrics(), "f1") == Approx((2.0 / 3 + 0.0) / 2));
  CHECK(metric_names(Task::classification, 10).back() == "f1");
}

TEST_CASE("meter: language model bits per byte") {
  auto m = make_meter(Task::language_model, 256);
  m->add(torch::zeros({1, 3, 256}), torch::tensor({{1, 2, 3}}, torch::kLong));
  CHECK(metric_value(m->metrics(), "bpb") == Approx(8.0));  // uniform over 256 bytes
  CHECK(metric_value(m->metrics(), "perplexity") == Approx(256.0));
}

TEST_CASE("progressive summary: monotone and rises") {
  auto row = [](int64_t d, double mse) { return DepthResult{d, {{"mse", mse}}}; };
  auto s = progressive_summary({row(1, 1.0), row(2, 0.5), row(3, 0.2)}, Task::regression);
  CHECK(s.monotone);
  auto t = progressive_summary({row(1, 1.0), row(2, 0.5), row(3, 0.7), row(4, 0.6), row(5, 0.65)},
                               Task::regression);
  CHECK_FALSE(t.monotone);
  CHECK(t.rises == 2);
  CHECK(t.largest_rise == Approx(0.2));
  CHECK(t.largest_rise_at == 3);
  CHECK(describe(t) == "not monotone: mse rises at 2 depth pairs, largest rise 0.2 (at depth 3)");
}

TEST_CASE("evaluate_per_depth: one pass matches forward at each depth") {
  auto cfg = parse_config("model:\n  depth: 3\n  width: 8\ndata:\n  function: sincos\n  n_test: 50\n", "t.yaml");
  auto data = make_dataset(cfg);
  auto model = make_model(cfg, data->spec());
  EvalOptions o;
  o.batch_size = 16;
  auto res = evaluate_per_depth(*model, *data, Split::test, {1, 3}, o);
  REQUIRE(res.size() == 2);
  auto b = data->get(Split::test, torch::arange(50, torch::kLong), false);
  torch::NoGradGuard g;
  double mse3 = torch::mse_loss(model->forward(b.x, 3), b.y).item<double>();
  CHECK(metric_value(res[1].metrics, "mse") == Approx(mse3).epsilon(1e-5));
  CHECK(res[0].params < res[1].params);
}
