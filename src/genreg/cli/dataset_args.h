#pragma once
// The dataset options shared by every command that loads images.
#include <CLI/CLI.hpp>
#include <string>

#include "genreg/data/dataset.h"

namespace genreg::cli {

struct DatasetArgs {
  std::string dataset;
  std::string split;
  std::string indices;
  std::string size;  // "H,W" or "N" for folder datasets
  std::string data_dir;

  // Adds --dataset, --split, --indices, --size and --data-dir to `command`.
  void add_to(CLI::App* command, const std::string& default_split);
  DatasetOptions options() const;
  Dataset load() const;
};

}  // namespace genreg::cli
