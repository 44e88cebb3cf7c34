# FindHnswlib
# -----------
# Finds the header-only hnswlib (Debian: libhnswlib-dev, /usr/include/hnswlib/hnswlib.h).
#
# Result variables:  Hnswlib_FOUND, Hnswlib_INCLUDE_DIRS, Hnswlib_VERSION (when the headers tell)
# Imported target:   Hnswlib::hnswlib (INTERFACE, header-only)
# Hints:             Hnswlib_ROOT or HNSWLIB_ROOT (prefix containing include/hnswlib/hnswlib.h)

find_path(Hnswlib_INCLUDE_DIR
  NAMES hnswlib/hnswlib.h
  HINTS ${Hnswlib_ROOT} ${HNSWLIB_ROOT} ENV HNSWLIB_ROOT
  PATH_SUFFIXES include)

if(Hnswlib_INCLUDE_DIR)
  # hnswlib's headers carry no version macro; Debian records it in the package database.
  find_program(_hnswlib_dpkg_query dpkg-query)
  if(_hnswlib_dpkg_query)
    execute_process(COMMAND ${_hnswlib_dpkg_query} -W -f=\${Version} libhnswlib-dev
                    OUTPUT_VARIABLE _hnswlib_deb_version ERROR_QUIET RESULT_VARIABLE _hnswlib_rc)
    if(_hnswlib_rc EQUAL 0 AND _hnswlib_deb_version MATCHES "^([0-9]+\\.[0-9]+\\.[0-9]+)")
      set(Hnswlib_VERSION "${CMAKE_MATCH_1}")
    endif()
  endif()
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Hnswlib
  REQUIRED_VARS Hnswlib_INCLUDE_DIR
  VERSION_VAR Hnswlib_VERSION)

if(Hnswlib_FOUND)
  set(Hnswlib_INCLUDE_DIRS "${Hnswlib_INCLUDE_DIR}")
  if(NOT TARGET Hnswlib::hnswlib)
    add_library(Hnswlib::hnswlib INTERFACE IMPORTED)
    set_target_properties(Hnswlib::hnswlib PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${Hnswlib_INCLUDE_DIR}")
  endif()
endif()
mark_as_advanced(Hnswlib_INCLUDE_DIR)
