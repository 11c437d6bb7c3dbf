# Finds LibTorch and sets what find_package(Torch) sets (TORCH_LIBRARIES, TORCH_INCLUDE_DIRS,
# TORCH_LIBRARY, TORCH_INSTALL_PREFIX).
#
# Debian's libtorch-dev (1.13, CPU) and a LibTorch with a CUDA toolkit beside it go through Torch's
# own CMake config. A CUDA torch from PyPI on a machine without the CUDA toolkit (the usual Python
# user's environment, and ours) cannot: its Caffe2Config.cmake enables the CUDA language and stops
# when there is no nvcc, although genreg includes no CUDA header and compiles no CUDA code (its CUDA
# work goes through LibTorch's dispatcher). For that case genreg links the wheel's libraries
# directly, as torch.utils.cpp_extension does for a CppExtension: the headers, libtorch, libtorch_cpu,
# libc10, and libtorch_cuda/libc10_cuda kept as needed so that CUDA devices register at load time.
set(GENREG_TORCH_WITHOUT_CUDA_TOOLKIT AUTO CACHE STRING
    "ON: link a CUDA LibTorch's libraries directly instead of through Torch's CMake config (no nvcc needed); AUTO: when no nvcc is found")

# Runs PYTHON's CODE and puts its output in OUT. Without PYTHONPATH and PYTHONNOUSERSITE: inside
# pip's isolated build these hide the packages of the environment being installed into (its torch).
function(genreg_python_eval python code out)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=PYTHONPATH --unset=PYTHONNOUSERSITE "${python}" -c "${code}"
                  OUTPUT_VARIABLE _output OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
  if(_rc EQUAL 0)
    set(${out} "${_output}" PARENT_SCOPE)
  else()
    set(${out} "" PARENT_SCOPE)
  endif()
endfunction()

# `pip install .` (scikit-build-core sets SKBUILD and Python_EXECUTABLE): the torch of the
# environment being installed into, which the module must share with Python.
if(DEFINED SKBUILD AND NOT GENREG_PYTHON)
  set(GENREG_PYTHON "${Python_EXECUTABLE}")
endif()
if(GENREG_PYTHON)
  genreg_python_eval("${GENREG_PYTHON}" "import torch; print(torch.utils.cmake_prefix_path)" _genreg_python_torch)
  if(_genreg_python_torch)
    list(PREPEND CMAKE_PREFIX_PATH "${_genreg_python_torch}")
  elseif(DEFINED SKBUILD)
    message(FATAL_ERROR "genreg: ${GENREG_PYTHON} cannot import torch; install torch into this environment "
                        "first (genreg compiles against it)")
  endif()
endif()

set(_genreg_torch_root "")
foreach(_prefix ${CMAKE_PREFIX_PATH})
  if(EXISTS "${_prefix}/Torch/TorchConfig.cmake")
    get_filename_component(_genreg_torch_root "${_prefix}/../.." ABSOLUTE)
    break()
  endif()
endforeach()

set(_genreg_torch_direct OFF)
if(_genreg_torch_root AND EXISTS "${_genreg_torch_root}/lib/libtorch_cuda.so")
  if(GENREG_TORCH_WITHOUT_CUDA_TOOLKIT STREQUAL "AUTO")
    find_program(_genreg_nvcc nvcc HINTS "$ENV{CUDA_HOME}/bin" /usr/local/cuda/bin)
    if(NOT _genreg_nvcc)
      set(_genreg_torch_direct ON)
    endif()
  elseif(GENREG_TORCH_WITHOUT_CUDA_TOOLKIT)
    set(_genreg_torch_direct ON)
  endif()
endif()

if(NOT _genreg_torch_direct)
  find_package(Torch REQUIRED)
  return()
endif()

message(STATUS "genreg: CUDA LibTorch at ${_genreg_torch_root} without a CUDA toolkit: "
               "linking its libraries directly")
set(TORCH_INSTALL_PREFIX "${_genreg_torch_root}")
set(TORCH_INCLUDE_DIRS "${_genreg_torch_root}/include" "${_genreg_torch_root}/include/torch/csrc/api/include")
foreach(_lib torch torch_cpu c10 torch_cuda c10_cuda)
  find_library(GENREG_TORCH_${_lib}_LIBRARY ${_lib} PATHS "${_genreg_torch_root}/lib" NO_DEFAULT_PATH REQUIRED)
endforeach()
set(TORCH_LIBRARY "${GENREG_TORCH_torch_LIBRARY}")
add_library(genreg_torch INTERFACE IMPORTED)
set_target_properties(genreg_torch PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${TORCH_INCLUDE_DIRS}")
# The CUDA libraries export nothing genreg calls: without --no-as-needed the linker would drop them and
# `--device cuda` would find no CUDA backend.
target_link_libraries(genreg_torch INTERFACE
  ${GENREG_TORCH_torch_LIBRARY} ${GENREG_TORCH_torch_cpu_LIBRARY} ${GENREG_TORCH_c10_LIBRARY}
  "-Wl,--no-as-needed" ${GENREG_TORCH_torch_cuda_LIBRARY} ${GENREG_TORCH_c10_cuda_LIBRARY} "-Wl,--as-needed"
  "-Wl,-rpath,${_genreg_torch_root}/lib")
# LibTorch 2.10 and later need C++20 (their config says so as a compile feature).
file(READ "${_genreg_torch_root}/share/cmake/Torch/TorchConfig.cmake" _genreg_torch_config)
if(_genreg_torch_config MATCHES "cxx_std_20")
  target_compile_features(genreg_torch INTERFACE cxx_std_20)
endif()
set(TORCH_LIBRARIES genreg_torch)
