#include "lpa/eval/meter.h"

#include <cmath>
#include <stdexcept>

namespace lpa {
namespace {

// state: n, sse, sae, sum_y, sum_y2
class RegressionMeter : public Meter {
 public:
  void add(const torch::Tensor& pred, const torch::Tensor& y) override {
    auto p = pred.detach().to(torch::kCPU, torch::kDouble);
    auto t = y.detach().to(torch::kCPU, torch::kDouble).view_as(p);
    auto e = p - t;
    s_[0] += static_cast<double>(t.numel());
    s_[1] += e.pow(2).sum().item<double>();
    s_[2] += e.abs().sum().item<double>();
    s_[3] += t.sum().item<double>();
    s_[4] += t.pow(2).sum().item<double>();
  }
  Metrics metrics() const override {
    const double n = std::max(1.0, s_[0]);
    const double mse = s_[1] / n;
    const double sst = s_[4] - s_[3] * s_[3] / n;
    return {{"mse", mse}, {"rmse", std::sqrt(mse)}, {"mae", s_[2] / n},
            {"r2", sst > 0 ? 1.0 - s_[1] / sst : 0.0}};
  }
  std::vector<double>& state() override { return s_; }

 private:
  std::vector<double> s_ = std::vector<double>(5, 0.0);
};

// state: n, correct, top5, nll, then kBins x (count, confidence sum, correct sum) for ECE, then
// classes x (true positives, predicted, actual) for F1.
class ClassificationMeter : public Meter {
 public:
  static constexpr int kBins = 15;
  static constexpr size_t kF1 = 4 + 3 * kBins;  // where the per-class counts start
  explicit ClassificationMeter(int64_t classes)
      : classes_(classes), s_(kF1 + 3 * static_cast<size_t>(classes), 0.0) {}

  void add(const torch::Tensor& logits, const torch::Tensor& y) override {
    auto lg = logits.detach().to(torch::kCPU, torch::kFloat32);
    auto t = y.detach().to(torch::kCPU, torch::kLong).view({-1});
    auto logp = torch::log_softmax(lg, 1);
    auto [conf, pred] = logp.exp().max(1);
    auto correct = pred.eq(t).to(torch::kDouble);
    s_[0] += static_cast<double>(t.numel());
    s_[1] += correct.sum().item<double>();
    if (classes_ > 5) {
      auto top5 = std::get<1>(lg.topk(5, 1));
      s_[2] += top5.eq(t.unsqueeze(1)).any(1).sum().item<double>();
    }
    s_[3] += -logp.gather(1, t.unsqueeze(1)).sum().item<double>();
    auto bins = (conf.to(torch::kDouble) * kBins).floor().clamp(0, kBins - 1).to(torch::kLong);
    auto b = bins.accessor<int64_t, 1>();
    auto c = conf.accessor<float, 1>();
    auto k = correct.accessor<double, 1>();
    auto p = pred.accessor<int64_t, 1>();
    auto ta = t.accessor<int64_t, 1>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      double* bin = &s_[4 + 3 * b[i]];
      bin[0] += 1;
      bin[1] += c[i];
      bin[2] += k[i];
      if (ta[i] < 0 || ta[i] >= classes_) continue;  // (gather above already rejects these)
      s_[kF1 + 3 * ta[i]] += k[i];
      s_[kF1 + 3 * p[i] + 1] += 1;
      s_[kF1 + 3 * ta[i] + 2] += 1;
    }
  }
  Metrics metrics() const override {
    const double n = std::max(1.0, s_[0]);
    double ece = 0;
    for (int i = 0; i < kBins; ++i) {
      const double* bin = &s_[4 + 3 * i];
      if (bin[0] > 0) ece += bin[0] / n * std::abs(bin[1] / bin[0] - bin[2] / bin[0]);
    }
    Metrics m = {{"accuracy", s_[1] / n}};
    if (classes_ > 5) m.push_back({"top5", s_[2] / n});
    m.push_back({"nll", s_[3] / n});
    m.push_back({"ece", ece});
    m.push_back({"f1", macro_f1()});
    return m;
  }
  std::vector<double>& state() override { return s_; }

 private:
  // Macro F1: the mean over classes of 2 TP / (predicted + actual), over the classes that were
  // predicted or present (a class absent from both has no F1 to average).
  double macro_f1() const {
    double sum = 0;
    int64_t seen = 0;
    for (int64_t c = 0; c < classes_; ++c) {
      const double* k = &s_[kF1 + 3 * c];
      if (k[1] + k[2] == 0) continue;
      sum += 2 * k[0] / (k[1] + k[2]);
      ++seen;
    }
    return seen ? sum / seen : 0.0;
  }
  int64_t classes_;
  std::vector<double> s_;
};

// state: tokens, nll sum (nats), correct next tokens
class LanguageModelMeter : public Meter {
 public:
  void add(const torch::Tensor& logits, const torch::Tensor& y) override {
    auto lg = logits.detach().reshape({-1, logits.size(-1)}).to(torch::kFloat32);
    auto t = y.detach().reshape({-1}).to(lg.device(), torch::kLong);
    auto nll = torch::nn::functional::cross_entropy(
        lg, t, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
    s_[0] += static_cast<double>(t.numel());
    s_[1] += nll.item<double>();
    s_[2] += lg.argmax(1).eq(t).sum().item<double>();
  }
  Metrics metrics() const override {
    const double n = std::max(1.0, s_[0]);
    const double loss = s_[1] / n;
    // Tokens are bytes, so bits per byte is the per-token loss in bits.
    return {{"loss", loss}, {"perplexity", std::exp(loss)}, {"bpb", loss / std::log(2.0)},
            {"accuracy", s_[2] / n}};
  }
  std::vector<double>& state() override { return s_; }

 private:
  std::vector<double> s_ = std::vector<double>(3, 0.0);
};

}  // namespace

std::unique_ptr<Meter> make_meter(Task task, int64_t num_classes) {
  switch (task) {
    case Task::regression: return std::make_unique<RegressionMeter>();
    case Task::classification: return std::make_unique<ClassificationMeter>(num_classes);
    case Task::language_model: return std::make_unique<LanguageModelMeter>();
  }
  return nullptr;
}

std::vector<std::string> metric_names(Task task, int64_t num_classes) {
  std::vector<std::string> names;
  for (const auto& [k, v] : make_meter(task, num_classes)->metrics()) names.push_back(k);
  return names;
}

PrimaryMetric primary_metric(Task task) {
  switch (task) {
    case Task::regression: return {"mse", true};
    case Task::classification: return {"accuracy", false};
    case Task::language_model: return {"loss", true};
  }
  return {"", true};
}

double metric_value(const Metrics& m, const std::string& name) {
  for (const auto& [k, v] : m)
    if (k == name) return v;
  throw std::logic_error("metric '" + name + "' not reported");
}

}  // namespace lpa
