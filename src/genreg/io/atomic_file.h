#pragma once
// Files that are either wholly old or wholly new: written beside the target, flushed, then renamed
// over it (rename is atomic within a file system), so a killed job never leaves half a file.
#include <functional>
#include <string>
#include <vector>

namespace genreg {

// Writes `bytes` to `path` atomically. Creates missing parent folders.
void write_file_atomically(const std::string& path, const std::vector<char>& bytes);
void write_file_atomically(const std::string& path, const std::string& text);

// Reads a whole file; throws genreg::Error when it is missing or unreadable.
std::vector<char> read_file(const std::string& path);

// Throws genreg::Error unless `path` is an existing regular file, saying which it is not ("no such
// file", "is a folder, not a file"); `what` names it ("checkpoint").
void require_input_file(const std::string& path, const std::string& what = "file");

}  // namespace genreg
