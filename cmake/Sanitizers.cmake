# NMCP_SANITIZE="address;undefined" (the ASan+UBSan pass) or "thread". Applied to the whole
# build so that every library and test binary is instrumented the same way.
if(NMCP_SANITIZE)
  string(REPLACE ";" "," _nmcp_san "${NMCP_SANITIZE}")
  add_compile_options(-fsanitize=${_nmcp_san} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_nmcp_san})
  message(STATUS "nessus-mcp: sanitizers enabled: ${_nmcp_san}")
endif()
