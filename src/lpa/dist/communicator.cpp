#include "lpa/dist/communicator.h"

// c10d's headers compile a backend only when its macro is set; CMake tells us which exist.
#ifdef LPA_HAVE_GLOO
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef LPA_HAVE_NCCL
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "lpa/errors.h"

namespace lpa::dist {
namespace {

// LibTorch 1.13: ProcessGroupGloo/NCCL derive from c10d::ProcessGroup and return
// ProcessGroup::Work; 2.x: they derive from c10d::Backend and return c10d::Work. Holding the
// concrete class and `auto` for the work handle keeps one source for both.
template <typename Group>
class GroupCommunicator : public Communicator {
 public:
  GroupCommunicator(c10::intrusive_ptr<c10d::Store> store, c10::intrusive_ptr<Group> group,
                    int64_t rank, int64_t world, std::string name)
      : store_(std::move(store)), group_(std::move(group)), rank_(rank), world_(world),
        name_(std::move(name)) {}

  int64_t rank() const override { return rank_; }
  int64_t world_size() const override { return world_; }
  std::string backend() const override { return name_; }

  void all_reduce_sum(std::vector<torch::Tensor>& t) override { reduce(t, c10d::ReduceOp::SUM); }
  void all_reduce_max(std::vector<torch::Tensor>& t) override { reduce(t, c10d::ReduceOp::MAX); }

  std::unique_ptr<Pending> all_reduce_sum_async(torch::Tensor& tensor) override {
    std::vector<torch::Tensor> one = {tensor};
    c10d::AllreduceOptions o;
    o.reduceOp = c10d::ReduceOp::SUM;
    auto work = group_->allreduce(one, o);
    return std::make_unique<PendingWork<decltype(work)>>(std::move(work), this);
  }

  void broadcast(std::vector<torch::Tensor>& tensors, int64_t root) override {
    for (auto& t : tensors) {
      std::vector<torch::Tensor> one = {t};
      c10d::BroadcastOptions o;
      o.rootRank = root;
      wait(group_->broadcast(one, o), "broadcast");
    }
  }

  void barrier() override {
    // A one-element all-reduce: Gloo's and NCCL's barrier() differ in what they wait for.
    auto opts = torch::TensorOptions().dtype(torch::kFloat);
    std::vector<torch::Tensor> one = {torch::zeros({1}, opts.device(name_ == "nccl" ? torch::kCUDA : torch::kCPU))};
    reduce(one, c10d::ReduceOp::SUM);
  }

 private:
  template <typename WorkPtr>
  struct PendingWork : Pending {
    PendingWork(WorkPtr w, GroupCommunicator* c) : work(std::move(w)), comm(c) {}
    void wait() override { comm->wait(work, "all-reduce"); }
    WorkPtr work;
    GroupCommunicator* comm;
  };

  void reduce(std::vector<torch::Tensor>& tensors, c10d::ReduceOp op) {
    for (auto& t : tensors) {
      std::vector<torch::Tensor> one = {t};
      c10d::AllreduceOptions o;
      o.reduceOp = op;
      wait(group_->allreduce(one, o), "all-reduce");
    }
  }

  template <typename Work>
  void wait(const Work& work, const char* what) {
    try {
      work->wait();
    } catch (const std::exception& e) {
      std::string m = e.what();
      throw UserError(std::string("data-parallel ") + what + " failed (another rank died or timed out?): " +
                      m.substr(0, m.find('\n')));
    }
  }

  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<Group> group_;
  int64_t rank_, world_;
  std::string name_;
};

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

c10::intrusive_ptr<c10d::Store> make_store(const Rendezvous& rv, std::chrono::seconds timeout) {
  c10d::TCPStoreOptions o;
  o.port = static_cast<std::uint16_t>(rv.port);
  o.isServer = rv.rank == 0 && !rv.agent_store;
  o.numWorkers = static_cast<int>(rv.world_size);
  o.waitWorkers = true;
  o.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
  try {
    c10::intrusive_ptr<c10d::Store> store = c10::make_intrusive<c10d::TCPStore>(rv.master_addr, o);
    if (!rv.store_prefix.empty()) store = c10::make_intrusive<c10d::PrefixStore>(rv.store_prefix, store);
    return store;
  } catch (const std::exception& e) {
    std::string m = e.what();
    throw UserError("rendezvous at " + rv.master_addr + ":" + std::to_string(rv.port) + " (" + rv.source +
                    ", rank " + std::to_string(rv.rank) + " of " + std::to_string(rv.world_size) +
                    ") failed: " + m.substr(0, m.find('\n')));
  }
}

}  // namespace

std::vector<std::string> available_backends() {
  std::vector<std::string> b;
#ifdef LPA_HAVE_GLOO
  b.emplace_back("gloo");
#endif
#ifdef LPA_HAVE_NCCL
  b.emplace_back("nccl");
#endif
  return b;
}

std::unique_ptr<Communicator> connect(const Rendezvous& rv, const std::string& backend,
                                      const torch::Device& device, std::chrono::seconds timeout) {
  std::string name = backend;
  if (name == "auto") name = device.is_cuda() ? "nccl" : "gloo";
  if (name == "nccl" && !device.is_cuda())
    throw UserError("train.dist_backend: nccl needs a CUDA device, this run uses " + device.str());
  if (name == "gloo" && device.is_cuda())
    throw UserError("train.dist_backend: gloo here all-reduces CPU tensors; use nccl for " + device.str());
  auto store = make_store(rv, timeout);
  const int rank = static_cast<int>(rv.rank), world = static_cast<int>(rv.world_size);
  if (name == "gloo") {
#ifdef LPA_HAVE_GLOO
    auto opts = c10d::ProcessGroupGloo::Options::create(std::chrono::duration_cast<std::chrono::milliseconds>(timeout));
    const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
    if (ifname && *ifname) opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
    else if (is_loopback(rv.master_addr)) opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    else opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    opts->threads = 2;
    auto group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world, opts);
    return std::make_unique<GroupCommunicator<c10d::ProcessGroupGloo>>(store, group, rv.rank, rv.world_size, name);
#else
    throw UserError("data-parallel training on CPU needs Gloo, and this lpa was built without its headers "
                    "(install libgloo-dev and rebuild)");
#endif
  }
  if (name == "nccl") {
#ifdef LPA_HAVE_NCCL
    auto opts = c10d::ProcessGroupNCCL::Options::create();
    opts->timeout = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
    auto group = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, world, opts);
    return std::make_unique<GroupCommunicator<c10d::ProcessGroupNCCL>>(store, group, rv.rank, rv.world_size, name);
#else
    throw UserError("train.dist_backend: nccl is not available: this LibTorch was built without CUDA/NCCL");
#endif
  }
  throw UserError("train.dist_backend: '" + backend + "' is not auto, gloo or nccl");
}

}  // namespace lpa::dist
