# How a tinynas firmware image is built from the board build choices (firmware/targets.json):
# shared by the runner images (firmware/runner/CMakeLists.txt) and exported projects
# (firmware/export/CMakeLists.txt, which carry a copy under tinynas/firmware/cmake/).

# tinynas_engine_sources(<out_var> ROOT <dir holding engine/ and firmware/> KERNELS mve|dsp|plain)
# The runtime sources plus the protocol servers (firmware/protocol/, firmware/server/,
# firmware/mlperf_tiny/). DSP path:
# firmware/kernels/<name>_dsp.cpp defines the same symbols as engine/runtime/<name>.cpp, which
# is then left out of the image (link-time substitution; the runtime's API and sources stay
# untouched). A *_dsp.cpp with no such counterpart (depthwise_3x3_dsp.cpp) holds code the DSP
# kernels share. MVE path (Armv8.1-M with Helium, which also has the DSP extension): every
# firmware/kernels/<name>_mve.cpp replaces <name>_dsp.cpp and <name>.cpp the same way; the
# kernels without an MVE version keep their DSP version.
function(tinynas_engine_sources out_var)
  cmake_parse_arguments(ARG "" "ROOT;KERNELS" "" ${ARGN})
  file(GLOB runtime CONFIGURE_DEPENDS ${ARG_ROOT}/engine/runtime/*.cpp)
  if(NOT ARG_KERNELS MATCHES "^(mve|dsp|plain)$")
    message(FATAL_ERROR
            "tinynas_engine_sources: KERNELS must be mve, dsp or plain, not '${ARG_KERNELS}'")
  endif()
  set(replacements)
  if(ARG_KERNELS STREQUAL "mve")
    file(GLOB mve CONFIGURE_DEPENDS ${ARG_ROOT}/firmware/kernels/*_mve.cpp)
    list(APPEND replacements ${mve})
  endif()
  if(ARG_KERNELS MATCHES "^(mve|dsp)$")
    file(GLOB dsp CONFIGURE_DEPENDS ${ARG_ROOT}/firmware/kernels/*_dsp.cpp)
    foreach(kernel ${replacements})
      get_filename_component(name ${kernel} NAME)
      string(REGEX REPLACE "_mve\\.cpp$" "_dsp.cpp" replaced ${name})
      list(FILTER dsp EXCLUDE REGEX "/${replaced}$")
    endforeach()
    list(APPEND replacements ${dsp})
  endif()
  foreach(kernel ${replacements})
    get_filename_component(name ${kernel} NAME)
    string(REGEX REPLACE "_(mve|dsp)\\.cpp$" ".cpp" replaced ${name})
    list(FILTER runtime EXCLUDE REGEX "/${replaced}$")
  endforeach()
  list(APPEND runtime ${replacements})
  file(GLOB server CONFIGURE_DEPENDS ${ARG_ROOT}/firmware/protocol/*.cpp
                                     ${ARG_ROOT}/firmware/server/*.cpp
                                     ${ARG_ROOT}/firmware/mlperf_tiny/*.cpp)
  set(${out_var} ${runtime} ${server} PARENT_SCOPE)
endfunction()

# tinynas_firmware_image(<target> ROOT <dir> KERNELS mve|dsp|plain CPU_FLAGS <flag>...
#                        LINKER_SCRIPT <file in firmware/linker/> STACK_BYTES <n>
#                        MAP <file> BIN <file>)
# Compile and link options of an executable <target> that already has its sources, the
# TINYNAS_KERNELS_DSP / TINYNAS_KERNELS_MVE definitions (the MVE path is also a DSP path: the
# kernels without an MVE version are the DSP ones), and the .bin and size report after the link.
function(tinynas_firmware_image target)
  cmake_parse_arguments(ARG "" "ROOT;KERNELS;LINKER_SCRIPT;STACK_BYTES;MAP;BIN" "CPU_FLAGS"
                        ${ARGN})
  set(dsp 0)
  set(mve 0)
  if(ARG_KERNELS MATCHES "^(mve|dsp)$")
    set(dsp 1)
  endif()
  if(ARG_KERNELS STREQUAL "mve")
    set(mve 1)
  endif()
  set(linker_dir ${ARG_ROOT}/firmware/linker)
  target_include_directories(${target} PRIVATE ${ARG_ROOT})
  target_compile_definitions(${target} PRIVATE TINYNAS_KERNELS_DSP=${dsp}
                             TINYNAS_KERNELS_MVE=${mve})
  # The C library's flags come from the toolchain file (cmake/<toolchain>.cmake).
  if(NOT DEFINED TINYNAS_LIBC_LINK_FLAGS)
    message(FATAL_ERROR "the toolchain file must set TINYNAS_LIBC_COMPILE_FLAGS and "
                        "TINYNAS_LIBC_LINK_FLAGS (see firmware/cmake/arm-none-eabi.cmake)")
  endif()
  # -ffp-contract=off: no fused multiply-add where the source has a multiply and an add, so float
  # kernels (training, float mean) round as on the host, bit for bit.
  target_compile_options(${target} PRIVATE ${ARG_CPU_FLAGS} ${TINYNAS_LIBC_COMPILE_FLAGS} -O2 -g
      -ffp-contract=off -ffunction-sections -fdata-sections -fno-common -Wall -Wextra -Wpedantic
      -Wshadow -Werror
      $<$<COMPILE_LANGUAGE:CXX>:-fno-exceptions -fno-rtti -fno-threadsafe-statics
                                 -fno-use-cxa-atexit>)
  # The linker script is given with the driver's -T, so that a C library's specs file adds no
  # default script of its own.
  target_link_options(${target} PRIVATE ${ARG_CPU_FLAGS} ${TINYNAS_LIBC_LINK_FLAGS} -nostartfiles
      -Wl,--gc-sections -Wl,-L${linker_dir} -T${linker_dir}/${ARG_LINKER_SCRIPT}
      -Wl,--defsym=TINYNAS_STACK_BYTES=${ARG_STACK_BYTES} -Wl,-Map=${ARG_MAP}
      -Wl,--no-warn-rwx-segments)
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS
               ${linker_dir}/${ARG_LINKER_SCRIPT} ${linker_dir}/sections.ld)
  add_custom_command(TARGET ${target} POST_BUILD
      COMMAND ${CMAKE_OBJCOPY} -O binary $<TARGET_FILE:${target}> ${ARG_BIN}
      COMMAND ${CMAKE_SIZE} -A $<TARGET_FILE:${target}>
      VERBATIM)
endfunction()
