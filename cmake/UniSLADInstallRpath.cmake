# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
# LICENSE file found in the top-level directory of this distribution.
#
# Installed programs find libunislad without LD_LIBRARY_PATH, from any prefix:
#
#   unislad_set_install_rpath(<target> <destination>)
#
# gives <target>, installed into <destination> (relative to the prefix, as in install(TARGETS ...)),
# the RUNPATH $ORIGIN/<path from destination to CMAKE_INSTALL_LIBDIR>: $ORIGIN/../lib for bin/,
# $ORIGIN/.. for lib/gstreamer-1.0/. Being relative, it holds wherever the tree is installed or moved
# (cmake --install --prefix, a packaging staging directory). Library folders outside the project that the
# target links from (an OpenCV in /opt, say) are kept as well; system folders need no entry. The build
# tree keeps CMake's own absolute build RPATH, so programs run from the build folder as before. The
# destination is recorded in the target's UNISLAD_INSTALL_DESTINATION property, for the install test.
function(unislad_set_install_rpath target destination)
  if(IS_ABSOLUTE "${destination}")
    set(from "${destination}")
  else()
    set(from "${CMAKE_INSTALL_PREFIX}/${destination}")
  endif()
  file(RELATIVE_PATH rel "${from}" "${CMAKE_INSTALL_FULL_LIBDIR}")
  string(REGEX REPLACE "/$" "" rel "${rel}")  # ".." rather than "../" for a parent folder
  if(rel STREQUAL "")
    set(rpath "$ORIGIN")
  else()
    set(rpath "$ORIGIN/${rel}")
  endif()
  set_target_properties(${target} PROPERTIES
    INSTALL_RPATH "${rpath}"
    INSTALL_RPATH_USE_LINK_PATH ON
    UNISLAD_INSTALL_DESTINATION "${destination}")
endfunction()
