# kalam_library(<name> SOURCES ... [DEPS ...] [PRIVATE_DEPS ...])
# One static library per component, named kalam_<name>. DEPS are the components (and
# third-party targets) its public headers need; PRIVATE_DEPS are used only by its .cc files.
function(kalam_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(kalam_${name} STATIC ${ARG_SOURCES})
  target_include_directories(kalam_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(kalam_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# kalam_test(<name> SOURCES ... [DEPS ...] [TIMEOUT seconds])
# One GoogleTest binary per component; every TEST becomes its own CTest test.
function(kalam_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 60)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} kalam_testing GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 30 PROPERTIES TIMEOUT ${ARG_TIMEOUT})
endfunction()
