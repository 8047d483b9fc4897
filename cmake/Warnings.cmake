# cocos_warnings: the warning set every target of ours compiles with (warnings are errors).
add_library(cocos_warnings INTERFACE)
target_compile_options(cocos_warnings INTERFACE -Wall -Wextra -Wpedantic -Werror)
target_compile_definitions(cocos_warnings INTERFACE MSGPACK_NO_BOOST)

# cocos_add_fuzzer(name source... LIBS lib...): a libFuzzer target, built only with clang and COCOS_FUZZ.
function(cocos_add_fuzzer name)
  cmake_parse_arguments(F "" "" "LIBS" ${ARGN})
  if(NOT COCOS_FUZZ OR NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    return()
  endif()
  add_executable(${name} ${F_UNPARSED_ARGUMENTS})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(${name} PRIVATE ${F_LIBS} cocos_warnings)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
  add_dependencies(cocos_fuzzers ${name})
endfunction()

# cocos_fuzzers: builds every fuzz target (tests/fuzz/run uses it).
add_custom_target(cocos_fuzzers)
