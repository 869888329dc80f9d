// Id generators: Snowflake (every row version's _seq), UUIDv7 and ULID (defaults).
#include <benchmark/benchmark.h>

#include "common/snowflake.h"
#include "common/unique_ids.h"

namespace kalam {
namespace {

SystemClock& TheClock() {
  static SystemClock clock;
  return clock;
}

void BM_Snowflake_Next(benchmark::State& state) {
  static SnowflakeGenerator generator(TheClock(), NodeId("node1"));  // shared across threads
  for (auto _ : state)
    benchmark::DoNotOptimize(generator.Next());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Snowflake_Next)->Threads(1)->Threads(2)->UseRealTime();

void BM_UuidV7_Next(benchmark::State& state) {
  UuidV7Generator generator(TheClock());
  for (auto _ : state)
    benchmark::DoNotOptimize(generator.Next());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_UuidV7_Next);

void BM_Ulid_Next(benchmark::State& state) {
  UlidGenerator generator(TheClock());
  for (auto _ : state)
    benchmark::DoNotOptimize(generator.Next());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ulid_Next);

}  // namespace
}  // namespace kalam

BENCHMARK_MAIN();
