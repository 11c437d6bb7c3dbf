#include "genreg/io/output_paths.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "genreg/core/error.h"
#include "genreg/io/results_file.h"

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

// The files an earlier run listed in folder/results.json, as paths inside the folder; none when
// there is no such file or it cannot be read (a folder genreg did not finish, or not genreg's).
std::vector<fs::path> listed_files(const fs::path& folder) {
  std::vector<fs::path> files;
  std::ifstream in(folder / "results.json");
  if (!in) return files;
  try {
    const auto document = nlohmann::json::parse(in);
    // Only genreg's own record: another tool's results.json names files genreg did not write.
    if (document.value("format", std::string()) != kResultsFormat) return files;
    for (const auto& f : document.at("files")) {
      const fs::path relative = fs::path(f.get<std::string>()).lexically_normal();
      // Only plain paths inside the folder.
      if (relative.empty() || relative.is_absolute() || *relative.begin() == "..") continue;
      files.push_back(relative);
    }
  } catch (const std::exception&) {
    return {};
  }
  return files;
}

}  // namespace

void prepare_output_folder(const std::string& folder, PreviousRun previous,
                           const std::vector<std::string>& keep) {
  require(!folder.empty(), "no output folder given");
  const auto reason = writable_folder(folder);
  require(reason.empty(), "cannot write to ", folder, ": ", reason);
  if (previous == PreviousRun::clear)
    for (const auto& relative : listed_files(folder)) {
      const auto text = relative.generic_string();
      if (std::any_of(keep.begin(), keep.end(), [&](const std::string& k) { return text.rfind(k, 0) == 0; }))
        continue;
      std::error_code ec;
      fs::remove(fs::path(folder) / relative, ec);
      require(!ec, "cannot replace ", (fs::path(folder) / relative).string(), ": ", ec.message());
    }
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
