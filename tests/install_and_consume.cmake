# Run with cmake -P. Installs the build in BUILD_DIR into WORK_DIR/prefix, then configures, builds
# and runs the consumer project in SOURCE_DIR twice against that prefix: once through
# find_package(UniSLAD), once through pkg-config.
include("${CMAKE_CURRENT_LIST_DIR}/script_helpers.cmake")
require_vars(BUILD_DIR SOURCE_DIR WORK_DIR CMAKE_GENERATOR)

set(prefix "${WORK_DIR}/prefix")
file(REMOVE_RECURSE "${WORK_DIR}")
run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")
file(GLOB_RECURSE pc_files "${prefix}/*/unislad.pc")
list(GET pc_files 0 pc_file)
get_filename_component(pc_dir "${pc_file}" DIRECTORY)
get_filename_component(lib_dir "${pc_dir}" DIRECTORY)

foreach(use_pkgconfig OFF ON)
  set(bin "${WORK_DIR}/build-pkgconfig-${use_pkgconfig}")
  run(${CMAKE_COMMAND} -E env "PKG_CONFIG_PATH=${pc_dir}"
      ${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${bin}" -G "${CMAKE_GENERATOR}"
      "-DCMAKE_PREFIX_PATH=${prefix}" "-DCONSUMER_USE_PKGCONFIG=${use_pkgconfig}")
  run(${CMAKE_COMMAND} --build "${bin}")
  run(${CMAKE_COMMAND} -E env "LD_LIBRARY_PATH=${lib_dir}" "${bin}/consumer")
  if(NOT LAST_OUTPUT MATCHES "UniSLAD [0-9]+\\.[0-9]+\\.[0-9]+")
    message(FATAL_ERROR "consumer printed an unexpected line: ${LAST_OUTPUT}")
  endif()
  message(STATUS "pkg-config=${use_pkgconfig}: ${LAST_OUTPUT}")
endforeach()
