#include "genreg/core/flop_counter.h"

#include <ATen/record_function.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <vector>

namespace genreg {
namespace {

std::atomic<int64_t> counted_flops{0};
std::mutex counter_mutex;
int live_counters = 0;
at::CallbackHandle counter_handle = 0;

// An int[] argument (LibTorch 2.x boxes SymInt[] as a generic list whose concrete items are ints).
std::vector<int64_t> ints(const c10::IValue& v) {
  std::vector<int64_t> out;
  for (const auto& item : v.toListRef()) out.push_back(item.isInt() ? item.toInt() : 1);
  return out;
}

int64_t product(c10::IntArrayRef sizes, size_t from) {
  int64_t out = 1;
  for (size_t i = from; i < sizes.size(); ++i) out *= sizes[i];
  return out;
}

// 2 N C_out H_out W_out (C_in / g) prod(k) from the input's and weight's sizes (weight[1] is already
// C_in / g) and the geometry (output size per dimension: (in + 2 p - d (k - 1) - 1) / s + 1).
int64_t convolution_flops(c10::IntArrayRef input, c10::IntArrayRef weight, c10::IntArrayRef stride,
                          c10::IntArrayRef padding, c10::IntArrayRef dilation, bool transposed) {
  if (input.size() < 3 || weight.size() != input.size()) return 0;
  const size_t spatial = input.size() - 2;
  const int64_t kernel = product(weight, 2);
  if (transposed) return 2 * input[0] * product(input, 1) * weight[1] * kernel;  // weight: C_in, C_out / g
  int64_t outputs = input[0] * weight[0];
  for (size_t d = 0; d < spatial; ++d) {
    const int64_t s = stride.size() > d ? stride[d] : stride[0],
                  p = padding.size() > d ? padding[d] : padding[0];
    const int64_t l = dilation.size() > d ? dilation[d] : dilation[0];
    outputs *= (input[2 + d] + 2 * p - l * (weight[2 + d] - 1) - 1) / s + 1;
  }
  return 2 * outputs * weight[1] * kernel;
}

int64_t flops_of(const at::RecordFunction& fn) {
  const char* name = fn.name();
  const auto inputs = fn.inputs();
  const auto sizes = [&](size_t i) { return inputs[i].toTensor().sizes(); };
  const auto is_tensor = [&](size_t i) { return inputs.size() > i && inputs[i].isTensor(); };
  if (std::strcmp(name, "aten::convolution") == 0 && inputs.size() >= 9 && is_tensor(0) && is_tensor(1)) {
    return convolution_flops(sizes(0), sizes(1), ints(inputs[3]), ints(inputs[4]), ints(inputs[5]),
                             inputs[6].toBool());
  }
  if (std::strcmp(name, "aten::convolution_backward") == 0 && inputs.size() >= 11 && is_tensor(1) &&
      is_tensor(2)) {
    // (grad_output, input, weight, bias_sizes, stride, padding, dilation, transposed, output_padding,
    // groups, output_mask)
    const auto forward = convolution_flops(sizes(1), sizes(2), ints(inputs[4]), ints(inputs[5]),
                                           ints(inputs[6]), inputs[7].toBool());
    const auto mask = inputs[10].toBoolList();
    return forward * ((mask.size() > 0 && mask.get(0)) + (mask.size() > 1 && mask.get(1)));
  }
  if (std::strcmp(name, "aten::mm") == 0 && is_tensor(0) && is_tensor(1))
    return 2 * sizes(0)[0] * sizes(0)[1] * sizes(1)[1];
  if (std::strcmp(name, "aten::addmm") == 0 && is_tensor(1) && is_tensor(2))
    return 2 * sizes(1)[0] * sizes(1)[1] * sizes(2)[1];
  if (std::strcmp(name, "aten::bmm") == 0 && is_tensor(0) && is_tensor(1))
    return 2 * sizes(0)[0] * sizes(0)[1] * sizes(0)[2] * sizes(1)[2];
  if (std::strcmp(name, "aten::baddbmm") == 0 && is_tensor(1) && is_tensor(2))
    return 2 * sizes(1)[0] * sizes(1)[1] * sizes(1)[2] * sizes(2)[2];
  return 0;
}

std::unique_ptr<at::ObserverContext> count_operator(const at::RecordFunction& fn) {
  counted_flops.fetch_add(flops_of(fn), std::memory_order_relaxed);
  return nullptr;
}

}  // namespace

FlopCounter::FlopCounter() {
  std::lock_guard<std::mutex> lock(counter_mutex);
  if (live_counters++ == 0)
    counter_handle = at::addGlobalCallback(
        at::RecordFunctionCallback(count_operator).needsInputs(true).scopes({at::RecordScope::FUNCTION}));
  start_ = counted_flops.load();
}

FlopCounter::~FlopCounter() {
  std::lock_guard<std::mutex> lock(counter_mutex);
  if (--live_counters == 0) at::removeCallback(counter_handle);
}

int64_t FlopCounter::flops() const { return counted_flops.load() - start_; }

}  // namespace genreg
