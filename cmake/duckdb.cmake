# DuckDB 1.4.4 from npm, fetched and verified by scripts/fetch_duckdb.sh (never committed).
set(DUCKDB_ROOT "${PROJECT_SOURCE_DIR}/third_party/duckdb" CACHE PATH "DuckDB lib + headers")
if(NOT EXISTS "${DUCKDB_ROOT}/lib/libduckdb.so" OR NOT EXISTS "${DUCKDB_ROOT}/include/duckdb.h")
  message(FATAL_ERROR "DuckDB not found in ${DUCKDB_ROOT}; run scripts/setup.sh (make does it)")
endif()
add_library(duckdb SHARED IMPORTED GLOBAL)
set_target_properties(duckdb PROPERTIES
  IMPORTED_LOCATION "${DUCKDB_ROOT}/lib/libduckdb.so"
  IMPORTED_SONAME "libduckdb.so"
  INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${DUCKDB_ROOT}/include"
  INTERFACE_INCLUDE_DIRECTORIES "${DUCKDB_ROOT}/include")
