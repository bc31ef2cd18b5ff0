#include "lpa/train/progress.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>

#include "lpa/io/text_table.h"

namespace lpa {

Progress::Progress(int64_t total, int64_t every, bool enabled)
    : total_(total), every_(every), tty_(isatty(STDOUT_FILENO) != 0), enabled_(enabled),
      start_(std::chrono::steady_clock::now()) {}

void Progress::update(int64_t step, double loss, double lr, double samples_per_s) {
  if (!enabled_) return;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double eta = step > 0 ? elapsed / step * (total_ - step) : 0;
  if (tty_) {
    if (step % std::max<int64_t>(1, std::min<int64_t>(every_, 10)) != 0 && step != total_) return;
    const int width = 30;
    int filled = static_cast<int>(width * step / std::max<int64_t>(1, total_));
    std::string bar(filled, '#');
    bar.resize(width, '.');
    std::printf("\r[%s] %lld/%lld loss %.4g lr %.2e %.0f samples/s eta %s   ", bar.c_str(),
                static_cast<long long>(step), static_cast<long long>(total_), loss, lr, samples_per_s,
                clock_text(eta).c_str());
    std::fflush(stdout);
    drawn_ = true;
  } else if (step % every_ == 0 || step == total_) {
    spdlog::info("step {}/{} loss {:.5g} lr {:.3g} {:.0f} samples/s elapsed {} eta {}", step, total_,
                 loss, lr, samples_per_s, clock_text(elapsed), clock_text(eta));
  }
}

void Progress::message(const std::string& line) {
  if (tty_ && drawn_) {
    std::printf("\r%*s\r", 100, "");
    std::fflush(stdout);
  }
  spdlog::info("{}", line);
}

void Progress::finish() {
  if (tty_ && drawn_) {
    std::printf("\n");
    std::fflush(stdout);
  }
  drawn_ = false;
}

}  // namespace lpa
