#include "genreg/cli/dataset_args.h"

#include "genreg/core/error.h"

namespace genreg::cli {

void DatasetArgs::add_to(CLI::App* command, const std::string& default_split) {
  split = default_split;
  std::string names;
  for (const auto& name : dataset_names()) names += (names.empty() ? "" : ", ") + name;
  command->add_option("--dataset", dataset, names)->required();
  command->add_option("--split", split, "train or test")->capture_default_str();
  command->add_option("--indices", indices, "Index range within the split, START:STOP (e.g. 0:200)");
  command->add_option("--size", size,
                      "Image size H,W (or N for NxN) for folder, DICOM and NIfTI datasets and the phantoms "
                      "(default 64 for ellipses and ct-phantom)");
  command->add_option("--data-dir", data_dir,
                      "Data cache folder (default $GENREG_DATA_DIR or ~/.cache/genreg)");
}

DatasetOptions DatasetArgs::options() const {
  DatasetOptions options;
  options.split(split).range(IndexRange::parse(indices)).data_dir(data_dir);
  if (!size.empty()) {
    require(dataset_takes_size(dataset), "--size is for folder, DICOM and NIfTI datasets and the phantoms; ",
            dataset, " images have their own size");
    std::vector<int64_t> dims;
    size_t start = 0;
    while (start <= size.size()) {
      const auto comma = size.find(',', start);
      const std::string part =
          size.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      try {
        size_t used = 0;
        dims.push_back(std::stoll(part, &used));
        require(used == part.size(), "");
      } catch (const std::exception&) {
        fail("bad --size '", size, "' (use H,W or N)");
      }
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (dims.size() == 1) dims.push_back(dims[0]);
    require(dims.size() == 2 && dims[0] > 0 && dims[1] > 0 && dims[0] <= 4096 && dims[1] <= 4096,
            "bad --size '", size, "' (use H,W or N, each in 1..4096)");
    options.image_size(dims);
  }
  return options;
}

Dataset DatasetArgs::load() const { return load_dataset(dataset, options()); }

}  // namespace genreg::cli
