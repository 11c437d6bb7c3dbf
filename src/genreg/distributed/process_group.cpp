#include "genreg/distributed/process_group.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <mutex>

#include "genreg/core/error.h"
#include "genreg/distributed/distributed_config.h"

#if GENREG_HAVE_GLOO
// c10d's Gloo header declares its class only under this macro (torch's own build defines it).
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <torch/csrc/distributed/c10d/HashStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace genreg {

namespace {

std::optional<std::string> environment(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

int64_t environment_integer(const char* name, int64_t fallback, int64_t low, int64_t high) {
  const auto text = environment(name);
  if (!text) return fallback;
  char* end = nullptr;
  const long long value = std::strtoll(text->c_str(), &end, 10);
  require(end != text->c_str() && *end == '\0' && value >= low && value <= high, "environment variable ",
          name, "='", *text, "' is not an integer in [", low, ", ", high, "]");
  return value;
}

#if GENREG_HAVE_GLOO
// The first line of a message (c10d's carry a location and a stack trace after it).
std::string first_line(const std::string& message) {
  const auto end = message.find('\n');
  return end == std::string::npos ? message : message.substr(0, end);
}
#endif

}  // namespace

std::optional<DistributedOptions> DistributedOptions::from_environment() {
  if (!environment("WORLD_SIZE")) return std::nullopt;
  DistributedOptions o;
  o.world_size(static_cast<int>(environment_integer("WORLD_SIZE", 1, 1, 1 << 16)));
  o.rank(static_cast<int>(environment_integer("RANK", 0, 0, o.world_size() - 1)));
  o.local_rank(static_cast<int>(environment_integer("LOCAL_RANK", o.rank(), 0, o.world_size() - 1)));
  o.master_addr(environment("MASTER_ADDR").value_or("127.0.0.1"));
  o.master_port(static_cast<int>(environment_integer("MASTER_PORT", 29500, 1, 65535)));
  return o;
}

std::pair<int64_t, int64_t> shard_rows(int64_t count, int rank, int size) {
  return {count * rank / size, count * (rank + 1) / size};
}

#if GENREG_HAVE_GLOO

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

namespace {

// Runs one collective, turning c10d's and Gloo's exceptions (a closed socket, a timeout) into a
// genreg::Error that says what happened and where.
template <typename F>
void collective(int rank, int size, const char* what, F&& f) {
  try {
    f();
  } catch (const genreg::Error&) {
    throw;
  } catch (const c10::Error& e) {
    fail("rank ", rank, " of ", size, ": ", what, " failed: another rank exited, was killed or stopped ",
         "answering (", first_line(e.what_without_backtrace()), ")");
  } catch (const std::exception& e) {
    fail("rank ", rank, " of ", size, ": ", what, " failed: another rank exited, was killed or stopped ",
         "answering (", first_line(e.what()), ")");
  }
}

c10::intrusive_ptr<c10d::ProcessGroupGloo> make_gloo(const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                                     int size, double timeout_seconds, bool loopback) {
  auto options = c10d::ProcessGroupGloo::Options::create(
      std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000.0)));
  if (const auto interface = environment("GLOO_SOCKET_IFNAME"))
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(*interface));
  else if (loopback)
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  else
    options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, options);
}

}  // namespace

bool ProcessGroup::available() { return true; }

std::shared_ptr<ProcessGroup> ProcessGroup::connect(const DistributedOptions& options) {
  require(options.world_size() >= 1 && options.rank() >= 0 && options.rank() < options.world_size(), "rank ",
          options.rank(), " is outside a group of ", options.world_size());
  require(std::isfinite(options.timeout_seconds()) && options.timeout_seconds() > 0,
          "the process group's timeout must be positive");
  auto impl = std::make_unique<Impl>();
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(options.timeout_seconds() * 1000.0));
  const bool loopback = options.master_addr() == "127.0.0.1" || options.master_addr() == "localhost";
  try {
    c10d::TCPStoreOptions store;
    store.port = static_cast<std::uint16_t>(options.master_port());
    store.isServer = options.rank() == 0;
    store.numWorkers = static_cast<std::size_t>(options.world_size());
    store.waitWorkers = true;
    store.timeout = timeout;
    impl->store = c10::make_intrusive<c10d::TCPStore>(options.master_addr(), store);
    impl->group =
        make_gloo(impl->store, options.rank(), options.world_size(), options.timeout_seconds(), loopback);
  } catch (const std::exception& e) {
    fail("rank ", options.rank(), " of ", options.world_size(), " could not join the process group at ",
         options.master_addr(), ":", options.master_port(), " within ", options.timeout_seconds(), " s (",
         first_line(e.what()), ")");
  }
  return std::shared_ptr<ProcessGroup>(
      new ProcessGroup(std::move(impl), options.rank(), options.world_size()));
}

std::shared_ptr<ProcessGroup> ProcessGroup::connect_in_process(const std::string& name, int rank, int size,
                                                               double timeout_seconds) {
  static std::mutex mutex;
  static std::map<std::string, c10::intrusive_ptr<c10d::Store>> stores;
  c10::intrusive_ptr<c10d::Store> store;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto& s = stores[name];
    if (!s) s = c10::make_intrusive<c10d::HashStore>();
    store = s;
  }
  auto impl = std::make_unique<Impl>();
  impl->store = store;
  try {
    impl->group = make_gloo(store, rank, size, timeout_seconds, true);
  } catch (const std::exception& e) {
    fail("rank ", rank, " of ", size, " could not join the in-process group '", name, "' (",
         first_line(e.what()), ")");
  }
  return std::shared_ptr<ProcessGroup>(new ProcessGroup(std::move(impl), rank, size));
}

void ProcessGroup::all_reduce_sum(torch::Tensor& tensor) {
  collective(rank_, size_, "all-reduce", [&] {
    std::vector<at::Tensor> tensors{tensor};
    impl_->group->allreduce(tensors)->wait();
  });
}

void ProcessGroup::broadcast(torch::Tensor& tensor, int root) {
  collective(rank_, size_, "broadcast", [&] {
    std::vector<at::Tensor> tensors{tensor};
    c10d::BroadcastOptions options;
    options.rootRank = root;
    impl_->group->broadcast(tensors, options)->wait();
  });
}

torch::Tensor ProcessGroup::all_gather_rows(const torch::Tensor& rows) {
  require(rows.dim() >= 1, "all_gather_rows needs a tensor with rows");
  const auto input = rows.contiguous();
  // Gloo gathers equal shapes: every rank's row count first, then the rows padded to the largest.
  auto count = torch::full({1}, input.size(0), torch::kLong);
  std::vector<std::vector<at::Tensor>> counts(1);
  for (int r = 0; r < size_; ++r) counts[0].push_back(torch::empty({1}, torch::kLong));
  collective(rank_, size_, "all-gather", [&] {
    std::vector<at::Tensor> in{count};
    impl_->group->allgather(counts, in)->wait();
  });
  int64_t largest = 0;
  for (const auto& c : counts[0]) largest = std::max(largest, c.item<int64_t>());
  auto shape = input.sizes().vec();
  shape[0] = largest;
  auto padded = torch::zeros(shape, input.options());
  if (input.size(0) > 0) padded.narrow(0, 0, input.size(0)).copy_(input);
  std::vector<std::vector<at::Tensor>> gathered(1);
  for (int r = 0; r < size_; ++r) gathered[0].push_back(torch::empty(shape, input.options()));
  collective(rank_, size_, "all-gather", [&] {
    std::vector<at::Tensor> in{padded};
    impl_->group->allgather(gathered, in)->wait();
  });
  std::vector<torch::Tensor> parts;
  for (int r = 0; r < size_; ++r) parts.push_back(gathered[0][r].narrow(0, 0, counts[0][r].item<int64_t>()));
  return torch::cat(parts, 0);
}

void ProcessGroup::barrier() {
  collective(rank_, size_, "barrier", [&] { impl_->group->barrier()->wait(); });
}

#else  // no Gloo in this LibTorch: single-process builds

struct ProcessGroup::Impl {};

bool ProcessGroup::available() { return false; }

std::shared_ptr<ProcessGroup> ProcessGroup::connect(const DistributedOptions&) {
  fail(
      "this genreg was built without Gloo's headers (Debian: libgloo-dev), so it cannot join a process "
      "group");
}
std::shared_ptr<ProcessGroup> ProcessGroup::connect_in_process(const std::string&, int, int, double) {
  fail(
      "this genreg was built without Gloo's headers (Debian: libgloo-dev), so it cannot join a process "
      "group");
}
void ProcessGroup::all_reduce_sum(torch::Tensor&) {}
void ProcessGroup::broadcast(torch::Tensor&, int) {}
torch::Tensor ProcessGroup::all_gather_rows(const torch::Tensor& rows) { return rows; }
void ProcessGroup::barrier() {}

#endif

ProcessGroup::ProcessGroup(std::unique_ptr<Impl> impl, int rank, int size)
    : impl_(std::move(impl)), rank_(rank), size_(size) {}

ProcessGroup::~ProcessGroup() = default;

}  // namespace genreg
