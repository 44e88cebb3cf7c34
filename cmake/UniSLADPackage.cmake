# Installs the CMake package (find_package(UniSLAD) -> UniSLAD::unislad) and a pkg-config file.
include(CMakePackageConfigHelpers)

set(UNISLAD_CMAKE_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/UniSLAD")

install(EXPORT UniSLADTargets
        NAMESPACE UniSLAD::
        FILE UniSLADTargets.cmake
        DESTINATION "${UNISLAD_CMAKE_INSTALL_DIR}")

configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/UniSLADConfig.cmake.in"
  "${CMAKE_CURRENT_BINARY_DIR}/UniSLADConfig.cmake"
  INSTALL_DESTINATION "${UNISLAD_CMAKE_INSTALL_DIR}")
write_basic_package_version_file(
  "${CMAKE_CURRENT_BINARY_DIR}/UniSLADConfigVersion.cmake"
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/UniSLADConfig.cmake"
              "${CMAKE_CURRENT_BINARY_DIR}/UniSLADConfigVersion.cmake"
        DESTINATION "${UNISLAD_CMAKE_INSTALL_DIR}")

# The .pc file locates the prefix relative to itself, so an installed tree can be moved
# (cmake --install --prefix elsewhere, packaging into a staging directory).
file(RELATIVE_PATH UNISLAD_PC_PREFIX_FROM_PCDIR
     "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" UNISLAD_PC_PREFIX_FROM_PCDIR "${UNISLAD_PC_PREFIX_FROM_PCDIR}")
configure_file("${CMAKE_CURRENT_LIST_DIR}/unislad.pc.in" "${CMAKE_CURRENT_BINARY_DIR}/unislad.pc" @ONLY)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/unislad.pc"
        DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
