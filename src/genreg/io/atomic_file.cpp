#include "genreg/io/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "genreg/core/error.h"

namespace genreg {
namespace fs = std::filesystem;

namespace {

void write_bytes_atomically(const std::string& path, const char* data, size_t size) {
  const fs::path target(path);
  if (target.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    require(!ec, "cannot create folder ", target.parent_path().string(), ": ", ec.message());
  }
  const std::string temporary = path + ".tmp" + std::to_string(::getpid());
  {
    std::FILE* file = std::fopen(temporary.c_str(), "wb");
    require(file != nullptr, "cannot write ", path, ": ", std::strerror(errno));
    const bool written = std::fwrite(data, 1, size, file) == size;
    const bool flushed = std::fflush(file) == 0 && ::fsync(fileno(file)) == 0;
    const bool closed = std::fclose(file) == 0;
    if (!(written && flushed && closed)) {
      std::remove(temporary.c_str());
      fail("cannot write ", path, " (disk full?)");
    }
  }
  std::error_code ec;
  fs::rename(temporary, target, ec);
  if (ec) {
    std::remove(temporary.c_str());
    fail("cannot write ", path, ": ", ec.message());
  }
}

}  // namespace

void write_file_atomically(const std::string& path, const std::vector<char>& bytes) {
  write_bytes_atomically(path, bytes.data(), bytes.size());
}

void write_file_atomically(const std::string& path, const std::string& text) {
  write_bytes_atomically(path, text.data(), text.size());
}

void require_input_file(const std::string& path, const std::string& what) {
  std::error_code ec;
  require(!fs::is_directory(path, ec), what, " ", path, " is a folder, not a file");
  require(fs::exists(path, ec), "no such ", what, ": ", path);
  require(fs::is_regular_file(path, ec), what, " ", path, " is not a regular file");
}

std::vector<char> read_file(const std::string& path) {
  require_input_file(path);
  std::ifstream in(path, std::ios::binary);
  require(in.good(), "cannot open ", path);
  return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace genreg
