# Every dependency comes from Debian 12 packages (scripts/debian-packages.txt).
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(tl-expected REQUIRED)
find_package(OpenSSL 3 REQUIRED)
# Boost.Asio and Beast (header-only) for the MCP HTTP front: libboost1.74-dev.
find_package(Boost 1.74 REQUIRED)
find_package(PkgConfig REQUIRED)
# Debian builds cpp-httplib as a shared library with OpenSSL, zlib and brotli enabled; the
# pkg-config file carries the matching CPPHTTPLIB_* defines, which must agree with the library.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib>=0.11)
if(NMCP_BUILD_TESTS)
  find_package(doctest REQUIRED)
endif()
