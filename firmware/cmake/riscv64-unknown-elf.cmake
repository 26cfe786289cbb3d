# CMake toolchain file for bare-metal 32-bit RISC-V with Debian's multilib GCC and picolibc
# (gcc-riscv64-unknown-elf, picolibc-riscv64-unknown-elf; the compiler is named riscv64 but
# builds rv32 with -march=rv32... -mabi=ilp32). CPU flags are per image and set by
# firmware/runner/CMakeLists.txt from firmware/targets.json. No libstdc++ ships for this
# target: the firmware uses only the C headers and provides the C++ runtime hooks it needs
# (firmware/startup/startup_riscv.cpp).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv32)

set(CMAKE_C_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_CXX_COMPILER riscv64-unknown-elf-g++)
set(CMAKE_ASM_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_OBJCOPY riscv64-unknown-elf-objcopy CACHE FILEPATH "objcopy for .bin images")
set(CMAKE_SIZE riscv64-unknown-elf-size CACHE FILEPATH "size report")
# The C library (read by cmake/firmware_image.cmake): picolibc, its headers and libraries by
# its specs file.
set(TINYNAS_LIBC_COMPILE_FLAGS --specs=picolibc.specs)
set(TINYNAS_LIBC_LINK_FLAGS --specs=picolibc.specs)

# C++ images link with the C driver: g++ would add -lstdc++, which this target does not have.
set(CMAKE_CXX_LINK_EXECUTABLE
    "<CMAKE_C_COMPILER> <FLAGS> <CMAKE_CXX_LINK_FLAGS> <LINK_FLAGS> <OBJECTS> -o <TARGET> <LINK_LIBRARIES>")

set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
