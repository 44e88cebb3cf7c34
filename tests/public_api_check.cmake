# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
# LICENSE file found in the top-level directory of this distribution.
#
# Run with cmake -P. Runs the public API check CHECK (cmake/UniSLADPublicApiCheck.cmake) in script mode
# on made-up folders under WORK and checks that it fails, naming the file and the include, exactly when
# a folder reaches into modules/unislad/src; prints "public API check test: OK" at the end.
cmake_minimum_required(VERSION 3.16)
foreach(var CHECK WORK)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "${var} is not set")
  endif()
endforeach()
get_filename_component(src "${CHECK}/../../modules/unislad/src" ABSOLUTE)
file(REMOVE_RECURSE "${WORK}")

# check(<case> <expected exit: 0 or 1> <regex the output must match>... [ALLOW <file>...])
function(check name expect)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "" "ALLOW")
  execute_process(COMMAND ${CMAKE_COMMAND} "-DDIRS=${WORK}/${name}" "-DALLOW=${arg_ALLOW}" -P "${CHECK}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(all "${out}${err}")
  if((expect EQUAL 0 AND NOT rc EQUAL 0) OR (NOT expect EQUAL 0 AND rc EQUAL 0))
    message(FATAL_ERROR "${name}: expected exit code ${expect}, found ${rc}:\n${all}")
  endif()
  foreach(regex IN LISTS arg_UNPARSED_ARGUMENTS)
    if(NOT all MATCHES "${regex}")
      message(FATAL_ERROR "${name}: the output lacks '${regex}':\n${all}")
    endif()
  endforeach()
  message(STATUS "${name}: exit code ${rc} as expected")
endfunction()

# A private header by its path under src/, as the library's own sources include them.
file(WRITE "${WORK}/private/app.cpp"
  "#include <opencv2/unislad.hpp>\n#include \"checks.hpp\"\nint main() { return 0; }\n")
check(private 1 "private/app.cpp: #include \"checks.hpp\" is a private header of modules/unislad/src")
# ... allowed when the caller names the file.
check(private 0 "public API check: OK" ALLOW "${WORK}/private/app.cpp")

# Several findings, in subfolders and with angle brackets, all reported; the clean file is not.
file(WRITE "${WORK}/several/a/one.hpp" "#pragma once\n  #  include \"detector/unislad_impl.hpp\"\n")
file(WRITE "${WORK}/several/b/two.cpp" "#include <scoring/score_fusion.hpp>\n")
file(WRITE "${WORK}/several/b/clean.cpp" "#include <opencv2/unislad/preprocessor.hpp>\n#include <string>\n")
check(several 1 "several/a/one.hpp: #include \"detector/unislad_impl.hpp\""
      "several/b/two.cpp: #include <scoring/score_fusion.hpp>")
execute_process(COMMAND ${CMAKE_COMMAND} "-DDIRS=${WORK}/several" -P "${CHECK}" ERROR_VARIABLE err)
if(err MATCHES "clean.cpp")
  message(FATAL_ERROR "several: clean.cpp reported:\n${err}")
endif()

# A relative path into src/ is private too.
file(MAKE_DIRECTORY "${WORK}/relative")
file(RELATIVE_PATH up "${WORK}/relative" "${src}/io/sha256.hpp")
file(WRITE "${WORK}/relative/app.cpp" "#include \"${up}\"\n")
check(relative 1 "relative/app.cpp: #include \"[./]*.*io/sha256.hpp\" is a private header")

# A local header of the same name as a private one is found first, as by the compiler: not private.
file(WRITE "${WORK}/local/checks.hpp" "#pragma once\n")
file(WRITE "${WORK}/local/app.cpp" "#include \"checks.hpp\"\n#include \"opencv2/unislad.hpp\"\n")
check(local 0 "public API check: OK")

# src/ on an include path in a CMakeLists.txt; a comment that mentions it is no finding.
file(WRITE "${WORK}/cmake_path/CMakeLists.txt"
  "# modules/unislad/src is private\n"
  "add_executable(app app.cpp)\n"
  "target_include_directories(app PRIVATE \${PROJECT_SOURCE_DIR}/modules/unislad/src)\n")
file(WRITE "${WORK}/cmake_path/app.cpp" "#include <opencv2/unislad.hpp>\n")
check(cmake_path 1 "cmake_path/CMakeLists.txt: 'target_include_directories.app PRIVATE .{PROJECT_SOURCE_DIR}"
                  "/modules/unislad/src.' puts modules/unislad/src on an include path")
file(WRITE "${WORK}/cmake_property/CMakeLists.txt" "get_target_property(dirs UniSLAD::unislad INCLUDE_DIRECTORIES)\n")
check(cmake_property 1 "cmake_property/CMakeLists.txt: 'get_target_property.dirs UniSLAD::unislad INCLUDE_DIRECTORIES.'")
file(WRITE "${WORK}/cmake_comment/CMakeLists.txt" "add_executable(app app.cpp)  # not modules/unislad/src\n")
check(cmake_comment 0 "public API check: OK")

message("public API check test: OK")
