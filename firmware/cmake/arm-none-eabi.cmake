# CMake toolchain file for bare-metal Cortex-M with the GNU Arm Embedded toolchain
# (Debian: gcc-arm-none-eabi, libnewlib-arm-none-eabi, libstdc++-arm-none-eabi-newlib).
# CPU flags (-mcpu, -mfpu, -mfloat-abi) are per image and set by firmware/runner/CMakeLists.txt.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_OBJCOPY arm-none-eabi-objcopy CACHE FILEPATH "objcopy for .bin images")
set(CMAKE_SIZE arm-none-eabi-size CACHE FILEPATH "size report")
# The C library (read by cmake/firmware_image.cmake): newlib-nano, with stubs for the system
# calls nothing here makes.
set(TINYNAS_LIBC_COMPILE_FLAGS)
set(TINYNAS_LIBC_LINK_FLAGS --specs=nano.specs --specs=nosys.specs)

# Test compiles cannot link a bare-metal executable without a linker script.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
