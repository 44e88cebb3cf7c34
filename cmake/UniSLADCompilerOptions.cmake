# Compiler flags for the project's own targets. Third-party headers (OpenCV, Eigen, hnswlib) are
# included as SYSTEM headers so that the warning flags apply to our code only.

# unislad_set_warnings(<target>): -Wall -Wextra (and -Werror with UNISLAD_WERROR) on one target.
function(unislad_set_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wpedantic)
    if(UNISLAD_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  elseif(MSVC)
    target_compile_options(${target} PRIVATE /W4)
  endif()
endfunction()

if(UNISLAD_NATIVE_ARCH AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  # The exact search and the coreset are GEMM- and distance-bound: Eigen needs AVX2/FMA to be fast.
  add_compile_options(-march=native)
endif()

# UNISLAD_SANITIZE: OFF, ON (AddressSanitizer + UndefinedBehaviorSanitizer) or "thread" (ThreadSanitizer).
if(UNISLAD_SANITIZE)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    message(FATAL_ERROR "UNISLAD_SANITIZE needs GCC or Clang")
  endif()
  if(UNISLAD_SANITIZE STREQUAL "thread")
    add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
    add_link_options(-fsanitize=thread)
  else()
    add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    add_link_options(-fsanitize=address,undefined)
  endif()
endif()

# UNISLAD_BUILD_FUZZERS: every target instrumented for libFuzzer + ASan + UBSan (Clang only); the fuzz
# targets themselves link -fsanitize=fuzzer (fuzz/CMakeLists.txt).
if(UNISLAD_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "UNISLAD_BUILD_FUZZERS needs Clang (libFuzzer); configure with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  if(UNISLAD_SANITIZE)
    message(FATAL_ERROR "UNISLAD_BUILD_FUZZERS brings its own sanitizers: leave UNISLAD_SANITIZE off")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g)
  add_compile_definitions(FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
  add_link_options(-fsanitize=address,undefined)
endif()
