# Finds every Debian 12 package the project links against (see tools/deps.txt).
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(cppzmq REQUIRED)            # target cppzmq (brings libzmq through pkg-config)
find_package(msgpack-cxx CONFIG QUIET)   # upstream >= 6 names it msgpack-cxx
if(NOT msgpack-cxx_FOUND)
  find_package(msgpack CONFIG REQUIRED)  # Debian 12: package msgpack, target msgpackc-cxx
  add_library(msgpack-cxx ALIAS msgpackc-cxx)
endif()
find_package(OpenSSL 3 REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(CLI11 REQUIRED)
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip)
pkg_check_modules(TSS2_ESYS REQUIRED IMPORTED_TARGET tss2-esys)
pkg_check_modules(TSS2_TCTILDR REQUIRED IMPORTED_TARGET tss2-tctildr)
pkg_check_modules(TSS2_MU REQUIRED IMPORTED_TARGET tss2-mu)
pkg_check_modules(TSS2_RC REQUIRED IMPORTED_TARGET tss2-rc)
# cpp-httplib with OpenSSL (the dashboard's server, the KDS client): Debian's libcpp-httplib-dev
# ships httplib.h plus a compiled libcpp-httplib.so built with CPPHTTPLIB_OPENSSL_SUPPORT
# (pkg-config cpp-httplib); an upstream CMake package is used when there is one.
find_package(httplib QUIET)
add_library(cocos_httplib INTERFACE)
if(TARGET httplib::httplib)
  target_link_libraries(cocos_httplib INTERFACE httplib::httplib)
else()
  pkg_check_modules(CPPHTTPLIB REQUIRED IMPORTED_TARGET GLOBAL cpp-httplib)
  target_link_libraries(cocos_httplib INTERFACE PkgConfig::CPPHTTPLIB)
endif()
if(COCOS_BUILD_TESTS)
  find_package(GTest REQUIRED)
  find_package(benchmark REQUIRED)
endif()
