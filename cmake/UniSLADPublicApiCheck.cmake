# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
# LICENSE file found in the top-level directory of this distribution.
#
# The samples (samples/) and the GStreamer element (plugin/) show how to use the library, so they may
# use its public API (modules/unislad/include) only: an internal header they include would tie them to
# code that changes without notice, and would not be installed for a user who copies them.
#
#   unislad_check_public_api(DIRS <folder>... [ALLOW <file>...])
#
# fails the configuration (FATAL_ERROR, every finding listed with its file) when
#  * a C/C++ file under one of the folders includes a header of modules/unislad/src: an #include "X"
#    or <X> where X, taken next to the including file, lies under src/, or where X is not next to the
#    including file and src/X exists (it is found only with src/ on the include path);
#  * a CMakeLists.txt or *.cmake under one of the folders refers to modules/unislad/src (outside a
#    comment), or reads the library's INCLUDE_DIRECTORIES property: the ways src/ gets on an include path.
# ALLOW names source files (relative to the calling folder, or absolute) whose private includes are
# accepted; a set_source_files_properties() line that gives only allowed files the src/ include path
# is accepted too. Nothing is allowed unless the caller says so.
#
# Standalone, the same check on any folders (tests/public_api_check.cmake runs it like this):
#   cmake -DDIRS=<folder>[;<folder>...] [-DALLOW=<file>...] [-DSRC_DIR=<folder>] -P UniSLADPublicApiCheck.cmake

if(CMAKE_SCRIPT_MODE_FILE AND CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  cmake_minimum_required(VERSION 3.16)  # script mode starts with old policies; IN_LIST needs CMP0057
endif()

# The repository root, captured when the file is read (CMAKE_CURRENT_FUNCTION_LIST_DIR needs CMake 3.17).
get_filename_component(UNISLAD_PUBLIC_API_CHECK_ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)

# Path to show in a message: relative to the repository root when under it.
function(_unislad_public_api_display path out)
  string(FIND "${path}/" "${UNISLAD_PUBLIC_API_CHECK_ROOT}/" at)
  if(at EQUAL 0)
    file(RELATIVE_PATH path "${UNISLAD_PUBLIC_API_CHECK_ROOT}" "${path}")
  endif()
  set(${out} "${path}" PARENT_SCOPE)
endfunction()

# TRUE in ${out} when `path` (absolute, existing) lies under `dir` (absolute, real path).
function(_unislad_public_api_under path dir out)
  get_filename_component(real "${path}" REALPATH)
  string(FIND "${real}" "${dir}/" at)
  if(at EQUAL 0)
    set(${out} TRUE PARENT_SCOPE)
  else()
    set(${out} FALSE PARENT_SCOPE)
  endif()
endfunction()

function(unislad_check_public_api)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "SRC_DIR" "DIRS;ALLOW")
  if(NOT arg_DIRS)
    message(FATAL_ERROR "unislad_check_public_api: DIRS: expected at least one folder, found none")
  endif()
  if(NOT arg_SRC_DIR)
    set(arg_SRC_DIR "${UNISLAD_PUBLIC_API_CHECK_ROOT}/modules/unislad/src")
  endif()
  get_filename_component(src "${arg_SRC_DIR}" REALPATH)
  if(NOT IS_DIRECTORY "${src}")
    message(FATAL_ERROR "unislad_check_public_api: SRC_DIR: expected a folder, found '${arg_SRC_DIR}'")
  endif()
  set(allowed "")
  foreach(file IN LISTS arg_ALLOW)
    get_filename_component(file "${file}" REALPATH BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND allowed "${file}")
  endforeach()

  set(findings "")
  set(allowed_used "")
  foreach(dir IN LISTS arg_DIRS)
    get_filename_component(dir "${dir}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    if(NOT IS_DIRECTORY "${dir}")
      message(FATAL_ERROR "unislad_check_public_api: DIRS: expected a folder, found '${dir}'")
    endif()

    # --- includes of the C/C++ files ---
    file(GLOB_RECURSE sources LIST_DIRECTORIES false "${dir}/*.c" "${dir}/*.cc" "${dir}/*.cpp"
         "${dir}/*.cxx" "${dir}/*.h" "${dir}/*.hh" "${dir}/*.hpp" "${dir}/*.hxx" "${dir}/*.inl" "${dir}/*.ipp")
    list(SORT sources)
    foreach(source IN LISTS sources)
      get_filename_component(source_real "${source}" REALPATH)
      get_filename_component(here "${source}" DIRECTORY)
      file(STRINGS "${source}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<]")
      foreach(line IN LISTS lines)
        if(NOT line MATCHES "^[ \t]*#[ \t]*include[ \t]*([\"<])([^\">]+)[\">]")
          continue()
        endif()
        set(quote "${CMAKE_MATCH_1}")
        set(header "${CMAKE_MATCH_2}")
        set(private FALSE)
        # A quoted include is looked up next to the including file first, as the compiler does.
        if(quote STREQUAL "\"" AND EXISTS "${here}/${header}" AND NOT IS_DIRECTORY "${here}/${header}")
          _unislad_public_api_under("${here}/${header}" "${src}" private)
        elseif(EXISTS "${src}/${header}" AND NOT IS_DIRECTORY "${src}/${header}")
          set(private TRUE)
        endif()
        if(NOT private)
          continue()
        endif()
        if(source_real IN_LIST allowed)
          list(APPEND allowed_used "${source_real}")
          continue()
        endif()
        _unislad_public_api_display("${source}" shown)
        if(quote STREQUAL "\"")
          list(APPEND findings "  ${shown}: #include \"${header}\" is a private header of modules/unislad/src")
        else()
          list(APPEND findings "  ${shown}: #include <${header}> is a private header of modules/unislad/src")
        endif()
      endforeach()
    endforeach()

    # --- include paths in the CMake files ---
    file(GLOB_RECURSE cmake_files LIST_DIRECTORIES false "${dir}/CMakeLists.txt" "${dir}/*.cmake")
    list(SORT cmake_files)
    foreach(cmake_file IN LISTS cmake_files)
      get_filename_component(here "${cmake_file}" DIRECTORY)
      set(private_path "modules/unislad/src|TARGET_PROPERTY:[A-Za-z:]*unislad,INCLUDE_DIRECTORIES")
      string(APPEND private_path "|get_target_property[ \t]*\\([^)]*[ \t][A-Za-z:]*unislad[ \t]+INCLUDE_DIRECTORIES")
      file(STRINGS "${cmake_file}" lines REGEX "${private_path}")
      foreach(line IN LISTS lines)
        string(REGEX REPLACE "#.*$" "" code "${line}")  # the text of a comment adds nothing to a path
        if(NOT code MATCHES "${private_path}")
          continue()
        endif()
        # The include path of allowed files only: set_source_files_properties(<allowed>... PROPERTIES ...).
        if(code MATCHES "^[ \t]*set_source_files_properties[ \t]*\\(([^)]*)[ \t]PROPERTIES[ \t]")
          string(STRIP "${CMAKE_MATCH_1}" named)
          string(REGEX REPLACE "[ \t]+" ";" named "${named}")
          set(only_allowed TRUE)
          foreach(file IN LISTS named)
            string(REPLACE "\${CMAKE_CURRENT_SOURCE_DIR}" "${here}" file "${file}")
            get_filename_component(file "${file}" REALPATH BASE_DIR "${here}")
            if(NOT file IN_LIST allowed)
              set(only_allowed FALSE)
            endif()
          endforeach()
          if(named AND only_allowed)
            continue()
          endif()
        endif()
        _unislad_public_api_display("${cmake_file}" shown)
        string(STRIP "${code}" code)
        list(APPEND findings "  ${shown}: '${code}' puts modules/unislad/src on an include path")
      endforeach()
    endforeach()
  endforeach()

  if(findings)
    string(REPLACE ";" "\n" findings "${findings}")
    message(FATAL_ERROR "UniSLAD public API check: samples/ and plugin/ may include only the public headers "
                        "(modules/unislad/include/opencv2/...), found:\n${findings}\n"
                        "Use the public API instead, or move what they need into it.")
  endif()
  # An allowed file that no longer includes a private header should leave the list.
  foreach(file IN LISTS allowed)
    if(NOT file IN_LIST allowed_used)
      _unislad_public_api_display("${file}" shown)
      message(WARNING "UniSLAD public API check: ${shown} is allowed private includes but has none: "
                      "remove it from the allow list")
    endif()
  endforeach()
endfunction()

# Script mode: cmake -DDIRS=... -P UniSLADPublicApiCheck.cmake
if(CMAKE_SCRIPT_MODE_FILE AND CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  unislad_check_public_api(DIRS ${DIRS} ALLOW ${ALLOW} SRC_DIR "${SRC_DIR}")
  message(STATUS "UniSLAD public API check: OK")
endif()
