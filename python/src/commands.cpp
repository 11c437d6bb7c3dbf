// Every `genreg` command from Python (genreg.train, genreg.simulate_file, genreg.run): the same
// parser, checks and library calls as the program, with --json. The summary the program prints on
// stdout comes back as a dict; its progress lines go to a Python callable line by line; a refused
// command raises genreg.Error with the program's one-line message.
#include <iostream>
#include <sstream>
#include <streambuf>

#include "bindings.h"
#include "genreg/cli/cli.h"
#include "genreg/core/error.h"
#include "genreg/core/runtime.h"

namespace genreg::python {
namespace {

// A stream buffer that hands every finished line to `sink` (carriage returns end a line too).
class LineForwarder : public std::streambuf {
 public:
  explicit LineForwarder(std::function<void(const std::string&)> sink) : sink_(std::move(sink)) {}
  ~LineForwarder() override { finish(); }
  void finish() {
    if (!line_.empty()) sink_(line_);
    line_.clear();
  }

 protected:
  int overflow(int c) override {
    if (c == traits_type::eof()) return traits_type::not_eof(c);
    if (c == '\n' || c == '\r')
      finish();
    else
      line_.push_back(static_cast<char>(c));
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    for (std::streamsize i = 0; i < n; ++i) overflow(static_cast<unsigned char>(s[i]));
    return n;
  }

 private:
  std::function<void(const std::string&)> sink_;
  std::string line_;
};

// Swaps a stream's buffer for the lifetime of the object.
class Redirect {
 public:
  Redirect(std::ostream& stream, std::streambuf* buffer) : stream_(stream), old_(stream.rdbuf(buffer)) {}
  ~Redirect() { stream_.rdbuf(old_); }

 private:
  std::ostream& stream_;
  std::streambuf* old_;
};

py::object run_command(std::vector<std::string> args, const py::object& progress) {
  args.insert(args.begin(), "genreg");
  args.push_back("--json");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream summary;
  std::string error;
  int status = 0;
  {
    py::gil_scoped_release release;
    // The command sets its own thread counts; the caller's come back afterwards.
    ScopedBlasThreads blas(0);
    const int threads = at::get_num_threads();
    LineForwarder lines([&](const std::string& line) {
      static const std::string prefix = "genreg: error: ";
      if (line.rfind(prefix, 0) == 0) {
        error = line.substr(prefix.size());
        return;
      }
      if (progress.is_none()) return;
      py::gil_scoped_acquire gil;
      progress(line);
    });
    {
      Redirect out(std::cout, summary.rdbuf()), err(std::cerr, &lines);
      status = cli::run_cli(static_cast<int>(argv.size()), argv.data());
      std::cerr.flush();
    }
    lines.finish();
    configure_threads(threads);
  }
  if (status != 0)
    throw Error(error.empty() ? "genreg " + args[1] + " failed with status " + std::to_string(status)
                              : error);
  const auto text = summary.str();
  if (text.find_first_not_of(" \n\t") == std::string::npos) return py::none();
  return py::module_::import("json").attr("loads")(text);
}

}  // namespace

void bind_commands(py::module_& m) {
  m.def("run_command", &run_command, py::arg("args"), py::arg("progress").none(true),
        "Runs `genreg ARGS --json`; returns its JSON summary, sends its progress lines to `progress`");
}

}  // namespace genreg::python
