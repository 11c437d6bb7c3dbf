#pragma once
// Helpers shared by the tests: a scratch folder and running the genreg program.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace genreg::testing {

// A fresh folder under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("genreg-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string str() const { return path_.string(); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int status = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs the genreg program with `args` (a shell-quoted string), capturing both streams; with a
// time limit (seconds), a run that takes longer is killed and reports status 124.
inline CommandResult run_genreg(const std::string& args, int time_limit = 0) {
  TempDir scratch;
  const std::string out_file = scratch / "stdout", err_file = scratch / "stderr";
  const std::string limit = time_limit > 0 ? "timeout -s KILL " + std::to_string(time_limit) + " " : "";
  const std::string command =
      limit + std::string(GENREG_CLI_PATH) + " " + args + " >" + out_file + " 2>" + err_file;
  const int raw = std::system(command.c_str());
  auto slurp = [](const std::string& path) {
    std::string text;
    if (FILE* f = std::fopen(path.c_str(), "rb")) {
      char buffer[4096];
      size_t n;
      while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) text.append(buffer, n);
      std::fclose(f);
    }
    return text;
  };
  CommandResult result;
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  if (time_limit > 0 && result.status == 137) result.status = 124;  // timeout -s KILL: 128 + 9
  result.out = slurp(out_file);
  result.err = slurp(err_file);
  return result;
}

}  // namespace genreg::testing
