#include "lpa/train/cuda_graph.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include "lpa/errors.h"

// The CUDA headers exist in CPU-only Debian packages too, but not the runtime they include, nor
// the library behind them: LPA_HAVE_CUDA says LibTorch links its CUDA part. LPA_NO_CUDA_GRAPHS:
// built with -DLPA_CUDA_GRAPHS=OFF (CMakeLists.txt).
#if defined(LPA_HAVE_CUDA) && !defined(LPA_NO_CUDA_GRAPHS) && __has_include(<cuda_runtime_api.h>) && \
    __has_include(<ATen/cuda/CUDAGraph.h>)
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#define LPA_CUDA_GRAPHS 1
#endif

namespace lpa {

struct CudaGraph::Impl {
#ifdef LPA_CUDA_GRAPHS
  at::cuda::CUDAGraph graph;
#endif
};

CudaGraph::CudaGraph() : impl_(std::make_unique<Impl>()) {}
CudaGraph::~CudaGraph() = default;

std::string cuda_graph_unsupported(const torch::Device& device) {
#ifdef LPA_CUDA_GRAPHS
  if (!device.is_cuda()) return "CUDA graphs need a CUDA device; this runs on " + device.str();
  return "";
#elif defined(LPA_NO_CUDA_GRAPHS)
  (void)device;
  return "this lpa is built with -DLPA_CUDA_GRAPHS=OFF, without CUDA graphs";
#else
  (void)device;
  return std::string("this lpa is built against LibTorch ") + TORCH_VERSION +
         " without CUDA, which cannot capture CUDA graphs";
#endif
}

#ifdef LPA_CUDA_GRAPHS
namespace {

// Autocast's cast cache off while alive: cached casts made during a capture would be freed under
// the graph (PyTorch's graphs ask for cache_enabled=False too).
struct AutocastCacheOff {
  bool was = at::autocast::is_autocast_cache_enabled();
  AutocastCacheOff() { at::autocast::set_autocast_cache_enabled(false); }
  ~AutocastCacheOff() { at::autocast::set_autocast_cache_enabled(was); }
};

}  // namespace
#endif

void CudaGraph::capture(const torch::Device& device, const std::function<void()>& body) {
  if (std::string why = cuda_graph_unsupported(device); !why.empty()) throw UserError(why);
#ifdef LPA_CUDA_GRAPHS
  const c10::cuda::CUDAGuard device_guard(device);
  const int64_t index = device.has_index() ? device.index() : -1;
  torch::cuda::synchronize(index);
  {
    const AutocastCacheOff no_cache;
    // Capture must not run on the default stream; the kernels body launches go to this one.
    const c10::cuda::CUDAStreamGuard stream_guard(c10::cuda::getStreamFromPool(/*isHighPriority=*/false, device.index()));
    impl_->graph.capture_begin();
    try {
      body();
    } catch (...) {
      try {
        impl_->graph.capture_end();  // leaves the stream usable for the error message's sake
      } catch (...) {
      }
      throw;
    }
    impl_->graph.capture_end();
  }
  torch::cuda::synchronize(index);
  captured_ = true;
#else
  (void)body;  // unreachable: cuda_graph_unsupported() is never empty without CUDA
#endif
}

void CudaGraph::replay() {
#ifdef LPA_CUDA_GRAPHS
  if (captured_) impl_->graph.replay();
#endif
}

}  // namespace lpa
