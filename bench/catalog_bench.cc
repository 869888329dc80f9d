// Catalog seed targets: cached schema lookup < 2 µs with > 99% hits over
// repeated queries, 1,000 tables < 2 MB of cache, system-table initialisation at start
// < 100 ms (catalog open + system tables + DuckDB open and lockdown).
#include <benchmark/benchmark.h>

#include "catalog/catalog.h"
#include "engine/engine.h"
#include "engine/system_tables.h"
#include "tests/testing/test_util.h"

namespace kalam {
namespace {

std::vector<catalog::ColumnDefinition> TypicalColumns() {
  using Kind = catalog::DataType::Kind;
  std::vector<catalog::ColumnDefinition> columns;
  const std::pair<const char*, Kind> specs[] = {
      {"id", Kind::kBigInt},    {"conversation_id", Kind::kBigInt}, {"author", Kind::kText},
      {"content", Kind::kText}, {"created_at", Kind::kTimestamp},   {"score", Kind::kDouble}};
  for (const auto& [name, kind] : specs) {
    columns.push_back(
        {.name = name, .type = {.kind = kind}, .primary_key = name == std::string("id")});
  }
  return columns;
}

struct CatalogFixture {
  CatalogFixture() {
    kv = std::move(storage::OpenRocksKvStore(dir.str(), {})).value();
    catalog = std::move(catalog::Catalog::Open(*kv, clock, {"/storage"})).value();
    (void)catalog->CreateNamespace("app").ok();
  }
  ~CatalogFixture() {
    catalog.reset();
    kv->Stop();
  }
  void CreateTables(int count) {
    for (int i = 0; i < count; ++i) {
      (void)catalog
          ->CreateTable({.namespace_id = "app",
                         .table_name = "t" + std::to_string(i),
                         .table_type = catalog::TableType::kUser},
                        TypicalColumns())
          .ok();
    }
  }

  testing::TempDir dir;
  SystemClock clock;
  std::unique_ptr<storage::KvStore> kv;
  std::unique_ptr<catalog::Catalog> catalog;
};

void BM_SchemaLookup_Cached(benchmark::State& state) {
  CatalogFixture fixture;
  fixture.CreateTables(100);
  uint64_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(fixture.catalog->GetTable("app", "t" + std::to_string(i++ % 100)));
  }
  const catalog::SchemaCacheStats stats = fixture.catalog->CacheStats();
  state.counters["hit_rate"] = static_cast<double>(stats.hits) / (stats.hits + stats.misses);
}
BENCHMARK(BM_SchemaLookup_Cached);

// 1,000 queries against a cold cache (as after a restart), spread over state.range(0)
// tables: the hit rate a server sees once it is running.
void BM_SchemaLookup_ColdHitRateOver1000Queries(benchmark::State& state) {
  const int tables = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    CatalogFixture fixture;
    fixture.CreateTables(tables);
    fixture.catalog =
        std::move(catalog::Catalog::Open(*fixture.kv, fixture.clock, {"/storage"})).value();
    state.ResumeTiming();
    for (int query = 0; query < 1000; ++query) {
      benchmark::DoNotOptimize(
          fixture.catalog->GetTable("app", "t" + std::to_string(query % tables)));
    }
    const catalog::SchemaCacheStats stats = fixture.catalog->CacheStats();
    state.counters["hit_rate"] = static_cast<double>(stats.hits) / (stats.hits + stats.misses);
  }
}
BENCHMARK(BM_SchemaLookup_ColdHitRateOver1000Queries)
    ->Arg(1)
    ->Arg(10)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

void BM_SchemaCache_1000TablesMemory(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    CatalogFixture fixture;
    fixture.CreateTables(1000);
    state.ResumeTiming();
    for (int i = 0; i < 1000; ++i) {
      benchmark::DoNotOptimize(fixture.catalog->GetTable("app", "t" + std::to_string(i)));
    }
    const catalog::SchemaCacheStats stats = fixture.catalog->CacheStats();
    state.counters["cache_entries"] = static_cast<double>(stats.entries);
    state.counters["cache_MiB"] = static_cast<double>(stats.approximate_bytes) / (1 << 20);
  }
}
BENCHMARK(BM_SchemaCache_1000TablesMemory)->Iterations(1)->Unit(benchmark::kMillisecond);

// What the server does at start before it listens: open the catalog (with 1,000 tables),
// build the system tables and open + lock down DuckDB with its connection pool.
void BM_Startup_CatalogSystemTablesAndEngine(benchmark::State& state) {
  CatalogFixture setup;
  setup.CreateTables(1000);
  setup.catalog.reset();
  for (auto _ : state) {
    auto catalog = std::move(catalog::Catalog::Open(*setup.kv, setup.clock, {"/storage"})).value();
    engine::SystemTables tables(*catalog, {"node1", "0.1.0", {}});
    auto engine = std::move(engine::Engine::Open({.threads = 2,
                                                  .memory_limit_mb = 256,
                                                  .connections = 8,
                                                  .allowed_directory = setup.dir.str() + "/st"},
                                                 tables))
                      .value();
    benchmark::DoNotOptimize(engine);
  }
}
BENCHMARK(BM_Startup_CatalogSystemTablesAndEngine)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kalam

BENCHMARK_MAIN();
