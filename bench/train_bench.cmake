# Supernet training throughput (images/s), a program printing a table. The lead includes this
# from bench/CMakeLists.txt: include(${CMAKE_CURRENT_SOURCE_DIR}/train_bench.cmake)
if(TARGET tinynas_supernet)
  add_executable(train_bench ${CMAKE_CURRENT_LIST_DIR}/train_bench.cpp)
  target_compile_definitions(train_bench PRIVATE TINYNAS_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  target_link_libraries(train_bench PRIVATE tinynas::supernet tinynas_warnings)
endif()
