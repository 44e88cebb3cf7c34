# Finds every dependency of the standalone build. All come from Debian 12 packages
# (scripts/install-deps.sh installs them).
find_package(OpenCV 4 REQUIRED COMPONENTS core imgproc imgcodecs dnn)
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(Hnswlib REQUIRED)
find_package(Boost 1.71 REQUIRED)   # headers only (CRC-32 of model-file sections)

if(UNISLAD_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
if(UNISLAD_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()
message(STATUS "UniSLAD: OpenCV ${OpenCV_VERSION}, Eigen ${Eigen3_VERSION}, hnswlib ${Hnswlib_VERSION}, Boost ${Boost_VERSION}")
