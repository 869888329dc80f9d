// Live-query benchmarks against the real server (started through the e2e harness):
//   latency   INSERT over HTTP → the change on a WebSocket subscriber, one subscriber, measured
//             from the moment the INSERT request is sent to the change's arrival.
// Usage: live_bench [--inserts N] [--smoke]. Prints p50/p90/p99/max in microseconds.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tests/e2e/live_fixture.h"

using namespace kalam;
using namespace kalam::e2e;

int main(int argc, char** argv) {
  int inserts = 2000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--smoke") == 0) inserts = 50;
    if (std::strcmp(argv[i], "--inserts") == 0 && i + 1 < argc) inserts = std::atoi(argv[++i]);
  }
  Result<std::unique_ptr<TestServer>> server = TestServer::Start();
  if (!server.ok()) {
    std::fprintf(stderr, "server: %s\n", server.status().ToString().c_str());
    return 1;
  }
  client::HttpClient http = (*server)->Client();
  for (const char* sql :
       {"CREATE NAMESPACE bench", "CREATE TABLE bench.t (id BIGINT PRIMARY KEY, body TEXT)"}) {
    Result<SqlReply> reply = PostSql(http, sql);
    if (!reply.ok() || reply->http_status != 200) return 1;
  }
  auto live = LiveClient::Login((*server)->port(), "root", "");
  if (live == nullptr) return 1;
  live->Subscribe("lat", "SELECT * FROM bench.t WHERE id >= 0");
  std::vector<double> micros;
  micros.reserve(static_cast<size_t>(inserts));
  for (int i = 0; i < inserts; ++i) {
    const auto sent = std::chrono::steady_clock::now();
    Result<SqlReply> reply =
        PostSql(http, "INSERT INTO bench.t VALUES (" + std::to_string(i) + ", 'hello')");
    if (!reply.ok() || reply->http_status != 200) return 1;
    std::optional<json::object> change = live->TryNext(std::chrono::seconds(5));
    if (!change.has_value() || LiveClient::Type(*change) != "change") {
      std::fprintf(stderr, "change %d missing\n", i);
      return 1;
    }
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - sent).count());
  }
  std::sort(micros.begin(), micros.end());
  const auto at = [&](double q) { return micros[static_cast<size_t>(q * (micros.size() - 1))]; };
  std::printf(
      "INSERT -> change, 1 subscriber, %d inserts: p50 %.0f us  p90 %.0f us  p99 %.0f us  "
      "max %.0f us\n",
      inserts, at(0.5), at(0.9), at(0.99), micros.back());
  return 0;
}
