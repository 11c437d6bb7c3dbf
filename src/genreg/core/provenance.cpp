#include "genreg/core/provenance.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <mutex>
#include <thread>

#include "genreg/core/source_dir.h"

namespace genreg {
namespace {

// What the process was started as: its command line, and the commit and date when it started (a
// long run's result belongs to the code that started it, whatever changed in the checkout since).
struct Invocation {
  std::vector<std::string> argv;
  std::string commit, date;
};
Invocation& invocation() {
  static Invocation i;
  return i;
}

// The first line of a shell command's output, "" when it fails.
std::string first_line_of(const std::string& command) {
  std::array<char, 256> buffer{};
  std::string out;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    if (fgets(buffer.data(), buffer.size(), pipe)) out = buffer.data();
    if (pclose(pipe) != 0) out.clear();
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::string source_commit() {
  const std::string git = "git -C '" + std::string(GENREG_SOURCE_DIR) + "' ";
  const auto commit = first_line_of(git + "rev-parse HEAD 2>/dev/null");
  if (commit.empty()) return "unknown";
  const bool dirty = !first_line_of(git + "status --porcelain --untracked-files=no 2>/dev/null").empty();
  return commit + (dirty ? "-dirty" : "");
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  return "unknown";
}

// Single-precision matrix products of 512 x 512 on one thread, for about 0.1 s: the rate every
// absolute time in BENCHMARKS.md is read against.
double sgemm_gflops_one_thread() {
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  torch::NoGradGuard no_grad;
  const int64_t n = 512;
  const auto a = torch::randn({n, n}), b = torch::randn({n, n});
  auto c = torch::mm(a, b);  // warm-up
  int64_t products = 0;
  const auto start = std::chrono::steady_clock::now();
  double seconds = 0.0;
  while (seconds < 0.1) {
    c = torch::mm(a, b);
    ++products;
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  at::set_num_threads(threads);
  return 2.0 * n * n * n * products / seconds / 1e9;
}

}  // namespace

static std::string utc_now_impl() {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char date[32];
  std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return date;
}

void set_invocation(std::vector<std::string> argv) {
  invocation() = {std::move(argv), source_commit(), utc_now_impl()};
}

nlohmann::json machine_description() {
  static std::once_flag once;
  static nlohmann::json machine;
  std::call_once(once, [] {
    machine = {{"cpu", cpu_model()},
               {"cores", std::thread::hardware_concurrency()},
               {"sgemm_gflops_one_thread", std::round(sgemm_gflops_one_thread() * 10.0) / 10.0}};
  });
  return machine;
}

nlohmann::json provenance() {
  const auto& i = invocation();
  return {{"argv", i.argv},
          {"commit", i.commit.empty() ? source_commit() : i.commit},
          {"date", i.date.empty() ? utc_now_impl() : i.date},
          {"machine", machine_description()}};
}

}  // namespace genreg
