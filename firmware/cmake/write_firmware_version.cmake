# Writes the runner's version header at build time (run by a custom target of
# firmware/CMakeLists.txt on every build, not at configure time), so the version names the
# commit the image is built from:
#   cmake -DSOURCE_DIR=<git checkout> -DOUTPUT=<header> -DPREFIX=<text> -P write_firmware_version.cmake
# gives  #define TINYNAS_FIRMWARE_VERSION "<PREFIX> (<git describe --always --dirty>)".
# The header is rewritten only when its text changes, so an unchanged commit recompiles nothing.
foreach(var SOURCE_DIR OUTPUT PREFIX)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "write_firmware_version.cmake: -D${var}=... is required")
  endif()
endforeach()

set(build_id "source")
find_program(GIT_EXECUTABLE git)
if(GIT_EXECUTABLE)
  execute_process(COMMAND ${GIT_EXECUTABLE} describe --always --dirty
                  WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE described
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE status)
  if(status EQUAL 0 AND described)
    set(build_id "${described}")
  endif()
endif()

set(text "// Generated at build time by firmware/cmake/write_firmware_version.cmake.\n")
string(APPEND text "#define TINYNAS_FIRMWARE_VERSION \"${PREFIX} (${build_id})\"\n")
set(old "")
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} old)
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUTPUT} "${text}")
endif()
