#include "genreg/io/output_paths.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "genreg/core/error.h"

namespace genreg {
namespace fs = std::filesystem;
namespace {

// Creates the folder and writes and removes a probe file in it; the reason on failure.
std::string writable_folder(const fs::path& folder) {
  std::error_code ec;
  if (fs::exists(folder, ec) && !fs::is_directory(folder, ec)) return "it is a file, not a folder";
  fs::create_directories(folder, ec);
  if (ec) return ec.message();
  const auto probe = folder / (".genreg-write-test-" + std::to_string(::getpid()));
  std::FILE* file = std::fopen(probe.c_str(), "wb");
  if (file == nullptr) return std::strerror(errno);
  std::fclose(file);
  std::remove(probe.c_str());
  return {};
}

}  // namespace

void prepare_output_folder(const std::string& folder) {
  require(!folder.empty(), "no output folder given");
  const auto reason = writable_folder(folder);
  require(reason.empty(), "cannot write to ", folder, ": ", reason);
  for (const char* marker : {"results.json", "report.html"}) {
    std::error_code ec;
    fs::remove(fs::path(folder) / marker, ec);
    require(!ec, "cannot replace ", (fs::path(folder) / marker).string(), ": ", ec.message());
  }
}

void check_output_file(const std::string& path, const std::vector<std::string>& extensions,
                       const std::string& what) {
  require(!path.empty(), "no ", what, " file given");
  const fs::path target(path);
  std::error_code ec;
  require(!fs::is_directory(target, ec), "cannot write ", what, " ", path, ": it is a folder");
  if (!extensions.empty()) {
    const auto ext = target.extension().string();
    if (std::find(extensions.begin(), extensions.end(), ext) == extensions.end()) {
      std::string list;
      for (const auto& e : extensions) list += (list.empty() ? "" : ", ") + e;
      fail("cannot write ", what, " ", path, ": the name must end in ", list);
    }
  }
  const auto folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const auto reason = writable_folder(folder);
  require(reason.empty(), "cannot write ", what, " ", path, ": ", reason);
}

}  // namespace genreg
