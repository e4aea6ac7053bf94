# nmcp_warnings(target): the project's warning set. Third-party headers are SYSTEM includes,
# so their warnings never count against us.
function(nmcp_warnings target)
  set(common -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
             -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough -Wformat=2
             -Wconversion -Wsign-conversion)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    list(APPEND common -Wduplicated-cond -Wlogical-op -Wsuggest-override)
  endif()
  if(NMCP_WERROR)
    list(APPEND common -Werror)
  endif()
  target_compile_options(${target} PRIVATE ${common})
endfunction()
