#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace kalam::api {

// A parsed HTTP request, free of any Beast type so handlers compile quickly.
struct HttpRequest {
  std::string method;                                        // "GET", "POST", …
  std::string target;                                        // path and query as sent
  std::string path;                                          // target without the query string
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string peer_address;  // the TCP peer's IP, never a forwarded header
  std::chrono::steady_clock::time_point received_at;
  // Set by the network layer once the client has hung up (or the server is stopping) while
  // the request is being handled: work for it should stop.
  std::shared_ptr<const std::atomic<bool>> client_gone =
      std::make_shared<const std::atomic<bool>>(false);

  // The first header named `name` (lower case), or "" when absent.
  std::string_view Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Streams one response body in pieces (HTTP chunked transfer encoding), so a large result
// is never held in memory whole. Used by one worker thread at a time.
class ChunkedWriter {
 public:
  virtual ~ChunkedWriter() = default;
  // Queues `piece` for sending; blocks only while too much is queued (backpressure).
  // Returns false once the client is gone or too slow; the producer should stop.
  virtual bool Write(std::string_view piece) = 0;
  // Ends the body; the connection then serves its next request. Called once, last.
  virtual void Finish() = 0;
};

// Answers one request, exactly once, from any thread: either a whole response, or (where
// the transport supports it) a streamed one started with BeginChunked.
class Responder {
 public:
  using Send = std::function<void(HttpResponse)>;
  // Sends `head` (status, content type, headers; its body is ignored) with chunked encoding.
  using BeginChunkedFn = std::function<std::unique_ptr<ChunkedWriter>(HttpResponse head)>;

  template <typename F>
  requires std::is_invocable_v<F, HttpResponse> Responder(
      F send, BeginChunkedFn begin_chunked = nullptr)  // NOLINT: implicit by design
      : send_(std::move(send)), begin_chunked_(std::move(begin_chunked)) {}

  void operator()(HttpResponse response) const { send_(std::move(response)); }
  bool CanStream() const { return begin_chunked_ != nullptr; }
  // Requires CanStream(). The returned writer answers the request in place of operator().
  std::unique_ptr<ChunkedWriter> BeginChunked(HttpResponse head) const {
    return begin_chunked_(std::move(head));
  }

 private:
  Send send_;
  BeginChunkedFn begin_chunked_;
};

// Handles one request. Runs on a network thread: it must not block; long work is handed
// to a worker pool, which calls `respond` when done.
using Handler = std::function<void(HttpRequest&& request, Responder respond)>;

}  // namespace kalam::api
