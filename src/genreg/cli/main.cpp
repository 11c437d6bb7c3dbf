#include "genreg/cli/cli.h"
#include "genreg/core/runtime.h"

namespace {

// Runs before the constructors of the shared libraries (LibTorch, OpenMP, OpenBLAS start threads
// there), so that every thread inherits the denormals-to-zero mode (core/runtime.h).
void at_load(int, char**, char**) {
  genreg::denormals_to_zero_at_load();
  genreg::keep_freed_memory();
}
__attribute__((section(".preinit_array"), used)) void (*const preinit)(int, char**, char**) = &at_load;

}  // namespace

int main(int argc, char** argv) { return genreg::cli::run_cli(argc, argv, true); }
