# libFuzzer target for the runner's frame decoder (firmware/protocol). Included from
# tests/fuzz/CMakeLists.txt when TINYNAS_BUILD_FUZZERS is ON (needs clang):
#   include(${CMAKE_CURRENT_SOURCE_DIR}/frame_decoder.cmake)
# Run: build/tests/fuzz/frame_decoder_fuzz -max_total_time=60
file(GLOB frame_decoder_fuzz_protocol_sources CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/firmware/protocol/*.cpp)
add_executable(frame_decoder_fuzz ${CMAKE_CURRENT_LIST_DIR}/frame_decoder_fuzz.cpp
                                  ${frame_decoder_fuzz_protocol_sources})
target_include_directories(frame_decoder_fuzz PRIVATE ${PROJECT_SOURCE_DIR})
# The protocol sources are compiled again with instrumentation rather than linking the
# uninstrumented tinynas_protocol, so coverage guides the fuzzer through the decoder itself.
target_compile_options(frame_decoder_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
target_link_options(frame_decoder_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
target_link_libraries(frame_decoder_fuzz PRIVATE tinynas::runtime tinynas_warnings)
