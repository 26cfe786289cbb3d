# MACs per cycle of the firmware runner on qemu-mps2-an386, DSP vs plain kernels (issue 3).
# Included from bench/CMakeLists.txt; run build/bench/firmware_macs_per_cycle (boots QEMU).
add_executable(firmware_macs_per_cycle ${CMAKE_CURRENT_LIST_DIR}/firmware_macs_per_cycle.cpp)
target_link_libraries(firmware_macs_per_cycle PRIVATE tinynas::profiler tinynas::compiler
                      tinynas_warnings)
target_compile_definitions(firmware_macs_per_cycle PRIVATE
                           TINYNAS_BENCH_NETS_DIR="${PROJECT_SOURCE_DIR}/configs/nets")
# The images it measures (firmware/ is added before bench/; the target exists only when
# arm-none-eabi-gcc was found).
if(TARGET tinynas_firmware)
  add_dependencies(firmware_macs_per_cycle tinynas_firmware)
endif()

# The MLPerf Tiny shapes as imported .tflite models on qemu-mps2-an386 (README "TFLite models").
add_executable(tflite_models_bench ${CMAKE_CURRENT_LIST_DIR}/tflite_models_bench.cpp)
target_link_libraries(tflite_models_bench PRIVATE tinynas::profiler tinynas::compiler
                      tinynas::tflite_convert tinynas_warnings)
if(TARGET tinynas_firmware)
  add_dependencies(tflite_models_bench tinynas_firmware)
endif()

# Cycles per inference of the bench nets on each new board kind (README "On the emulated
# boards"); run build/bench/board_cycles (boots QEMU).
add_executable(board_cycles ${CMAKE_CURRENT_LIST_DIR}/board_cycles.cpp)
target_link_libraries(board_cycles PRIVATE tinynas::profiler tinynas::compiler tinynas_warnings)
target_compile_definitions(board_cycles PRIVATE
                           TINYNAS_BENCH_NETS_DIR="${PROJECT_SOURCE_DIR}/configs/nets")
if(TARGET tinynas_firmware)
  add_dependencies(board_cycles tinynas_firmware)
endif()

# Single layers (issue 20's table) on emulated boards, by default the Cortex-M55 with its MVE
# kernels against the same core with the DSP kernels; run build/bench/firmware_layer_counts.
add_executable(firmware_layer_counts ${CMAKE_CURRENT_LIST_DIR}/firmware_layer_counts.cpp)
target_link_libraries(firmware_layer_counts PRIVATE tinynas::profiler tinynas::compiler
                      tinynas_warnings)
if(TARGET tinynas_firmware)
  add_dependencies(firmware_layer_counts tinynas_firmware)
endif()

# Training images/s (cycles per training step) on qemu-mps2-an386, steps bit-exact with the
# host (issue 22); run build/bench/board_training (boots QEMU).
add_executable(board_training ${CMAKE_CURRENT_LIST_DIR}/board_training.cpp)
target_link_libraries(board_training PRIVATE tinynas::finetune tinynas::profiler
                      tinynas::compiler tinynas_warnings)
target_compile_definitions(board_training PRIVATE
                           TINYNAS_BENCH_NETS_DIR="${PROJECT_SOURCE_DIR}/configs/nets")
if(TARGET tinynas_firmware)
  add_dependencies(board_training tinynas_firmware)
endif()
