// The only Beast translation unit of the server side.
#include "api/http_server.h"

#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <future>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "api/json_envelope.h"
#include "api/websocket_session.h"
#include "common/log.h"
#include "common/mutex.h"

namespace kalam::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr std::chrono::seconds kWriteTimeout{30};
constexpr std::chrono::seconds kLingerTimeout{2};
constexpr size_t kMaxRequestIdLength = 128;
constexpr size_t kFirstReadBytes = 4096;
// Server-wide budget of queued streamed-response bytes, in units of the per-connection
// limit.
constexpr size_t kResponseBudgetConnections = 16;

// Counts requests between dispatch and the end of their response, so Stop() can wait.
class InFlight {
 public:
  void Begin() KALAM_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    ++count_;
  }
  void End() KALAM_EXCLUDES(mu_) {
    {
      MutexLock lock(mu_);
      --count_;
    }
    drained_.notify_all();
  }
  // True if every request finished before the deadline.
  bool WaitDrained(std::chrono::seconds timeout) KALAM_EXCLUDES(mu_) {
    std::unique_lock<Mutex> lock(mu_);
    return drained_.wait_for(lock, timeout,
                             [this]() KALAM_NO_THREAD_SAFETY_ANALYSIS { return count_ == 0; });
  }

 private:
  Mutex mu_;
  std::condition_variable_any drained_;
  int count_ KALAM_GUARDED_BY(mu_) = 0;
};

// Open connections, in all and per client address, so that no single address can hold
// every slot. Thread-safety: all methods may be called from any thread.
class ConnectionCounts {
 public:
  size_t open() const { return open_.load(); }
  size_t FromAddress(const std::string& address) const KALAM_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    const auto it = by_address_.find(address);
    return it == by_address_.end() ? 0 : it->second;
  }
  void Add(const std::string& address) KALAM_EXCLUDES(mu_) {
    open_.fetch_add(1);
    MutexLock lock(mu_);
    ++by_address_[address];
  }
  void Remove(const std::string& address) KALAM_EXCLUDES(mu_) {
    open_.fetch_sub(1);
    MutexLock lock(mu_);
    const auto it = by_address_.find(address);
    if (--it->second == 0) by_address_.erase(it);
  }

 private:
  std::atomic<size_t> open_{0};
  mutable Mutex mu_;
  std::unordered_map<std::string, size_t> by_address_ KALAM_GUARDED_BY(mu_);
};

// Holds one of the server's connection slots while a session lives.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  ConnectionSlot(ConnectionCounts& counts, std::string address)
      : counts_(&counts), address_(std::move(address)) {
    counts.Add(address_);
  }
  ~ConnectionSlot() {
    if (counts_ != nullptr) counts_->Remove(address_);
  }
  ConnectionSlot(ConnectionSlot&& other) noexcept
      : counts_(std::exchange(other.counts_, nullptr)), address_(std::move(other.address_)) {}
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;

 private:
  ConnectionCounts* counts_ = nullptr;
  std::string address_;
};

// Bytes queued for slow readers over every connection; past the budget a worker producing
// a streamed response waits even if its own connection's queue is short.
class ResponseBudget {
 public:
  explicit ResponseBudget(size_t limit) : limit_(limit) {}
  bool Exhausted() const { return queued_.load() > limit_; }
  void Add(size_t bytes) { queued_.fetch_add(bytes); }
  void Remove(size_t bytes) { queued_.fetch_sub(bytes); }

 private:
  const size_t limit_;
  std::atomic<size_t> queued_{0};
};

bool IsPrintableHeaderValue(std::string_view value) {
  for (const char c : value) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return true;
}

// The body of one streamed response, shared by the worker that produces it and the
// connection's strand that sends it. The worker only queues; it waits only while the queue
// is over its limit (or the server-wide budget is spent), so a slow reader holds this
// buffer rather than the worker.
struct ChunkQueue {
  Mutex mu;
  std::condition_variable_any drained;
  std::deque<std::string> pieces KALAM_GUARDED_BY(mu);
  size_t queued_bytes KALAM_GUARDED_BY(mu) = 0;
  bool failed KALAM_GUARDED_BY(mu) = false;    // the client is gone or too slow
  bool finished KALAM_GUARDED_BY(mu) = false;  // the worker has queued its last piece
};

// One client connection: read a request, dispatch it, write the response, repeat.
// All socket work runs on the connection's strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const Router& router, const HttpServerOptions& options,
          InFlight& in_flight, ResponseBudget& budget, ConnectionSlot slot,
          const WebSocketServices* websocket, WebSocketSessions& websockets)
      : stream_(std::move(socket)),
        router_(router),
        websocket_(websocket),
        websockets_(websockets),
        options_(options),
        in_flight_(in_flight),
        budget_(budget),
        slot_(std::move(slot)),
        read_deadline_(stream_.get_executor()) {}

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadRequest(); });
  }

  // Answers 503 without reading a request: the server (or this client's address) is at
  // its connection limit. The client reads the error (the close lingers) instead of a
  // bare reset.
  void StartRefused(std::string message) {
    net::dispatch(
        stream_.get_executor(), [self = shared_from_this(), message = std::move(message)] {
          HttpResponse refusal =
              ErrorResponse(std::chrono::steady_clock::now(), 503, "TOO_MANY_CONNECTIONS", message);
          refusal.headers.emplace_back("Retry-After", "1");
          self->Reject(std::move(refusal));
        });
  }

 private:
  // Waits (up to the idle timeout) for the first byte of the next request, then reads its
  // headers and body each under its own deadline, so a client trickling bytes cannot hold
  // the connection for longer than header_read_timeout + body_read_timeout.
  void ReadRequest() {
    parser_.emplace();
    parser_->header_limit(options_.max_header_bytes);
    parser_->body_limit(options_.max_body_bytes);
    if (buffer_.size() > 0) return ReadHeader();  // a pipelined request is already here
    stream_.expires_after(options_.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                            [self = shared_from_this()](beast::error_code ec, size_t bytes) {
                              self->buffer_.commit(bytes);
                              if (ec) return self->Close();  // idle, closed or reset
                              self->ReadHeader();
                            });
  }

  // Header and body deadlines use their own timer: a beast::tcp_stream timeout closes the
  // socket, and the client should read why (408) rather than see a reset.
  void ReadHeader() {
    StartReadDeadline(options_.header_read_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              self->read_deadline_.cancel();
                              if (ec) return self->OnReadError(ec, "headers");
                              self->ReadBody();
                            });
  }

  void ReadBody() {
    StartReadDeadline(options_.body_read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->read_deadline_.cancel();
                       if (ec) return self->OnReadError(ec, "body");
                       self->Dispatch();
                     });
  }

  void StartReadDeadline(std::chrono::milliseconds timeout) {
    stream_.expires_never();
    read_timed_out_ = false;
    const uint64_t phase = ++read_phase_;
    read_deadline_.expires_after(timeout);
    read_deadline_.async_wait([self = shared_from_this(), phase](beast::error_code ec) {
      if (ec || phase != self->read_phase_) return;  // cancelled, or a later read's timer
      self->read_timed_out_ = true;
      self->stream_.cancel();  // the pending read completes with operation_aborted
    });
  }

  void OnReadError(beast::error_code ec, std::string_view part) {
    const auto now = std::chrono::steady_clock::now();
    ++read_phase_;  // a timer still queued must not cancel the next read
    if (read_timed_out_) {
      const auto limit =
          part == "headers" ? options_.header_read_timeout : options_.body_read_timeout;
      return Reject(ErrorResponse(now, 408, "REQUEST_TIMEOUT",
                                  "the request " + std::string(part) + " did not arrive within " +
                                      std::to_string(limit.count()) + " ms"));
    }
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::eof) {
      return Close();
    }
    if (ec == http::error::body_limit) {
      return Reject(ErrorResponse(now, 413, "REQUEST_TOO_LARGE",
                                  "request body exceeds the limit of " +
                                      std::to_string(options_.max_body_bytes) + " bytes"));
    }
    if (ec == http::error::header_limit) {
      return Reject(ErrorResponse(now, 431, "HEADERS_TOO_LARGE",
                                  "request headers exceed the limit of " +
                                      std::to_string(options_.max_header_bytes) + " bytes"));
    }
    return Reject(
        ErrorResponse(now, 400, "MALFORMED_REQUEST", "malformed HTTP request: " + ec.message()));
  }

  void Dispatch() {
    const auto now = std::chrono::steady_clock::now();
    http::request<http::string_body> raw = parser_->release();
    if (raw.target() == "/v1/ws" || raw.target().starts_with("/v1/ws?"))
      return Upgrade(std::move(raw), now);
    keep_alive_ = raw.keep_alive();
    request_id_ = std::string(raw["X-Request-ID"]);
    if (request_id_.size() > kMaxRequestIdLength || !IsPrintableHeaderValue(request_id_)) {
      request_id_.clear();  // never echo something that could split or flood headers
    }
    stream_.expires_never();  // the handler may take long; the write sets its own timeout
    in_flight_.Begin();
    HttpRequest request = Convert(std::move(raw), now);
    client_gone_ = std::make_shared<std::atomic<bool>>(false);
    request.client_gone = client_gone_;
    WatchForHangUp();
    auto self = shared_from_this();
    Responder respond(
        [self](HttpResponse r) {
          net::dispatch(self->stream_.get_executor(), [self, r = std::move(r)]() mutable {
            self->client_gone_.reset();
            self->Write(std::move(r), /*close_after=*/false, /*counted=*/true);
          });
        },
        [self](HttpResponse head) -> std::unique_ptr<ChunkedWriter> {
          return std::make_unique<StreamedResponse>(self, std::move(head));
        });
    router_.Dispatch(std::move(request), std::move(respond));
  }

  // GET /v1/ws: hands the connection (and its slot) to a WebSocket session, unless the
  // request is not an upgrade or comes from an Origin the server does not allow.
  void Upgrade(http::request<http::string_body> raw, std::chrono::steady_clock::time_point now) {
    keep_alive_ = false;
    if (websocket_ == nullptr || !beast::websocket::is_upgrade(raw)) {
      return Reject(ErrorResponse(now, 426, "UPGRADE_REQUIRED",
                                  "/v1/ws is the live-query WebSocket: connect with a WebSocket "
                                  "client (Upgrade: websocket)"));
    }
    const std::vector<std::string>& allowed = websocket_->options.allowed_origins;
    const std::string origin(raw[http::field::origin]);
    // Browsers send Origin; other clients (no Origin) are not what the allow-list guards against.
    if (!allowed.empty() && !origin.empty() &&
        std::find(allowed.begin(), allowed.end(), origin) == allowed.end()) {
      return Reject(ErrorResponse(now, 403, "ORIGIN_NOT_ALLOWED",
                                  "Origin not allowed: " + TruncatedOrigin(origin)));
    }
    HttpRequest request = Convert(http::request<http::string_body>(raw), now);
    read_deadline_.cancel();
    ++read_phase_;
    StartWebSocketSession(std::move(stream_), std::move(raw), std::move(request), *websocket_,
                          websockets_, std::make_shared<ConnectionSlot>(std::move(slot_)));
  }

  static std::string TruncatedOrigin(const std::string& origin) {
    std::string shown = origin.substr(0, 128);
    for (char& c : shown) {
      if (c < 0x20 || c > 0x7E) c = '?';
    }
    return shown.empty() ? "(none)" : shown;
  }

  // While a request is being handled nothing reads the socket, so a hang-up would go
  // unnoticed until the response is written. Wait for readability instead: end of stream
  // or a reset then means the client is gone (bytes of a pipelined request mean it is not;
  // they stay in the socket for the next read).
  void WatchForHangUp() {
    if (watching_ || buffer_.size() > 0) return;
    watching_ = true;
    stream_.socket().async_wait(
        tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
          self->watching_ = false;
          if (ec || self->client_gone_ == nullptr) return;
          char byte = 0;
          const ssize_t n =
              ::recv(self->stream_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
          if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            self->client_gone_->store(true);
          }
        });
  }

  // A response written in chunks by a worker thread: Write queues, the strand sends.
  class StreamedResponse final : public ChunkedWriter {
   public:
    StreamedResponse(std::shared_ptr<Session> session, HttpResponse head)
        : session_(std::move(session)), queue_(std::make_shared<ChunkQueue>()) {
      net::dispatch(session_->stream_.get_executor(),
                    [session = session_, queue = queue_, head = std::move(head)] {
                      session->client_gone_.reset();
                      session->WriteChunkedHead(head, queue);
                    });
    }
    ~StreamedResponse() override {
      if (!finished_) Finish();
    }
    StreamedResponse(const StreamedResponse&) = delete;
    StreamedResponse& operator=(const StreamedResponse&) = delete;

    bool Write(std::string_view piece) override {
      if (piece.empty()) return !Failed();
      {
        MutexLock lock(queue_->mu);
        if (queue_->failed) return false;
        queue_->pieces.emplace_back(piece);
        queue_->queued_bytes += piece.size();
      }
      session_->budget_.Add(piece.size());
      net::dispatch(session_->stream_.get_executor(),
                    [session = session_, queue = queue_] { session->SendQueued(queue); });
      return WaitForRoom();
    }

    void Finish() override {
      finished_ = true;
      {
        MutexLock lock(queue_->mu);
        queue_->finished = true;
      }
      net::dispatch(session_->stream_.get_executor(),
                    [session = session_, queue = queue_] { session->SendQueued(queue); });
    }

   private:
    bool Failed() {
      MutexLock lock(queue_->mu);
      return queue_->failed;
    }

    // Blocks while this response's queue is over its limit or every connection's queues
    // together are over the budget. Gives up (and the connection is closed) when the client
    // takes nothing for the write timeout.
    bool WaitForRoom() {
      std::unique_lock<Mutex> lock(queue_->mu);
      const size_t limit = session_->options_.response_buffer_bytes;
      size_t last_queued = queue_->queued_bytes;
      auto stalled_since = std::chrono::steady_clock::now();
      while (!queue_->failed && queue_->queued_bytes > 0 &&
             (queue_->queued_bytes > limit || session_->budget_.Exhausted())) {
        queue_->drained.wait_for(lock, std::chrono::milliseconds(100));
        const auto now = std::chrono::steady_clock::now();
        if (queue_->queued_bytes < last_queued) {
          last_queued = queue_->queued_bytes;
          stalled_since = now;
        } else if (now - stalled_since > kWriteTimeout) {
          queue_->failed = true;
          lock.unlock();
          net::dispatch(session_->stream_.get_executor(),
                        [session = session_] { session->Close(); });
          return false;
        }
      }
      return !queue_->failed;
    }

    std::shared_ptr<Session> session_;
    std::shared_ptr<ChunkQueue> queue_;
    bool finished_ = false;
  };

  void WriteChunkedHead(const HttpResponse& head, std::shared_ptr<ChunkQueue> queue) {
    chunked_head_.emplace(static_cast<http::status>(head.status), 11);
    http::response<http::empty_body>& message = chunked_head_->message;
    SetHeaders(message, head);
    message.keep_alive(keep_alive_);
    message.chunked(true);
    sending_chunk_ = true;
    stream_.expires_after(kWriteTimeout);
    http::async_write_header(stream_, chunked_head_->serializer,
                             [self = shared_from_this(), queue](beast::error_code ec, size_t) {
                               self->sending_chunk_ = false;
                               self->AfterChunkWrite(ec, queue, 0);
                             });
  }

  // Sends the next queued piece, if no write is outstanding; after the last piece of a
  // finished response, the terminating chunk and then the next request.
  void SendQueued(const std::shared_ptr<ChunkQueue>& queue) {
    if (sending_chunk_) return;
    std::string* piece = nullptr;
    bool last = false;
    bool failed = false;
    {
      MutexLock lock(queue->mu);
      failed = queue->failed;
      if (!queue->pieces.empty()) {
        piece = &queue->pieces.front();  // stays put: only this strand pops the front
      } else {
        last = queue->finished;
      }
    }
    if (failed) return EndChunked(false, queue);  // e.g. the worker gave up on a stalled client
    if (piece == nullptr && !last) return;
    sending_chunk_ = true;
    stream_.expires_after(kWriteTimeout);
    if (last) {
      return net::async_write(stream_, http::make_chunk_last(),
                              [self = shared_from_this(), queue](beast::error_code ec, size_t) {
                                self->sending_chunk_ = false;
                                self->EndChunked(!ec, queue);
                              });
    }
    const size_t size = piece->size();
    net::async_write(stream_, http::make_chunk(net::buffer(*piece)),
                     [self = shared_from_this(), queue, size](beast::error_code ec, size_t) {
                       self->sending_chunk_ = false;
                       self->AfterChunkWrite(ec, queue, size);
                     });
  }

  void AfterChunkWrite(beast::error_code ec, const std::shared_ptr<ChunkQueue>& queue,
                       size_t sent_bytes) {
    {
      MutexLock lock(queue->mu);
      if (sent_bytes > 0) {
        queue->pieces.pop_front();
        queue->queued_bytes -= sent_bytes;
      }
      if (ec) queue->failed = true;
    }
    budget_.Remove(sent_bytes);
    queue->drained.notify_all();
    if (ec) return EndChunked(false, queue);
    SendQueued(queue);
  }

  // The response is over (sent, or failed): release what is still queued and move on.
  void EndChunked(bool ok, const std::shared_ptr<ChunkQueue>& queue) {
    size_t unsent = 0;
    {
      MutexLock lock(queue->mu);
      unsent = queue->queued_bytes;
      queue->pieces.clear();
      queue->queued_bytes = 0;
      queue->failed = queue->failed || !ok;
    }
    budget_.Remove(unsent);
    queue->drained.notify_all();
    if (!ended_) {
      ended_ = true;
      in_flight_.End();
    }
    chunked_head_.reset();
    if (!ok) return Close();
    ended_ = false;
    if (!keep_alive_) return LingeringClose();
    ReadRequest();
  }

  template <typename Message>
  void SetHeaders(Message& message, const HttpResponse& response) {
    message.set(http::field::server, options_.server_name);
    message.set(http::field::content_type, response.content_type);
    if (!request_id_.empty()) message.set("X-Request-ID", request_id_);
    for (const auto& [name, value] : response.headers)
      message.set(name, value);
  }

  HttpRequest Convert(http::request<http::string_body>&& raw,
                      std::chrono::steady_clock::time_point received_at) {
    HttpRequest request;
    request.method = std::string(raw.method_string());
    request.target = std::string(raw.target());
    request.path = request.target.substr(0, request.target.find('?'));
    for (const auto& field : raw) {
      std::string name(field.name_string());
      for (char& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    request.body = std::move(raw.body());
    beast::error_code ignored;
    const tcp::endpoint peer = stream_.socket().remote_endpoint(ignored);
    request.peer_address = peer.address().to_string();
    request.received_at = received_at;
    return request;
  }

  // Answers a request that could not be read, then closes the connection.
  void Reject(HttpResponse response) {
    keep_alive_ = false;
    Write(std::move(response), /*close_after=*/true, /*counted=*/false);
  }

  void Write(HttpResponse response, bool close_after, bool counted) {
    auto message = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), 11);
    SetHeaders(*message, response);
    message->body() = std::move(response.body);
    message->keep_alive(keep_alive_ && !close_after);
    message->prepare_payload();
    stream_.expires_after(kWriteTimeout);
    http::async_write(stream_, *message,
                      [self = shared_from_this(), message, counted](beast::error_code ec, size_t) {
                        if (counted) self->in_flight_.End();
                        if (ec) return self->Close();
                        if (!message->keep_alive()) return self->LingeringClose();
                        self->ReadRequest();
                      });
  }

  // Stops sending, then reads and discards what the client still sends (for a while), so
  // that a client still uploading an oversized body reads our error instead of a reset.
  void LingeringClose() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLingerTimeout);
    Drain();
  }

  void Drain() {
    stream_.async_read_some(net::buffer(drain_buffer_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->Close();
                              self->Drain();
                            });
  }

  void Close() {
    read_deadline_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  const Router& router_;
  const WebSocketServices* websocket_;  // null: /v1/ws is not served
  WebSocketSessions& websockets_;
  const HttpServerOptions& options_;
  InFlight& in_flight_;
  ResponseBudget& budget_;
  ConnectionSlot slot_;  // empty for a refused connection
  // The hang-up flag of the request being handled; null between requests and once its
  // response has started (a failed write then tells).
  std::shared_ptr<std::atomic<bool>> client_gone_;
  net::steady_timer read_deadline_;  // the header or body deadline of the current read
  uint64_t read_phase_ = 0;          // which read the pending deadline belongs to
  bool read_timed_out_ = false;      // the current read was cancelled by its deadline
  bool watching_ = false;            // a hang-up watch is pending on the socket
  bool sending_chunk_ = false;       // a write of a streamed response is outstanding
  bool ended_ = false;               // the streamed response has ended its in-flight count
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = false;
  std::string request_id_;
  std::array<char, 8192> drain_buffer_{};
  // The head of a chunked response; its serializer must outlive the body's chunks.
  struct ChunkedHead {
    ChunkedHead(http::status status, unsigned version)
        : message(status, version), serializer(message) {}
    http::response<http::empty_body> message;
    http::response_serializer<http::empty_body> serializer;
  };
  std::optional<ChunkedHead> chunked_head_;
};

class BeastHttpServer final : public HttpServer {
 public:
  BeastHttpServer(const HttpServerOptions& options, const Router& router,
                  const WebSocketServices* websocket)
      : options_(options),
        router_(router),
        websocket_(websocket),
        acceptor_(io_),
        retry_timer_(io_) {}
  ~BeastHttpServer() override { Stop(); }
  BeastHttpServer(const BeastHttpServer&) = delete;
  BeastHttpServer& operator=(const BeastHttpServer&) = delete;

  Status Listen() {
    const std::string host = options_.host == "localhost" ? "127.0.0.1" : options_.host;
    const std::string where = options_.host + ":" + std::to_string(options_.port);
    beast::error_code ec;
    const net::ip::address address = net::ip::make_address(host, ec);
    if (ec) return Status::InvalidArgument("cannot listen on " + where + ": " + ec.message());
    const tcp::endpoint endpoint(address, options_.port);
    if (acceptor_.open(endpoint.protocol(), ec); !ec) {
      acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    }
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return Status::Unavailable("cannot listen on " + where + ": " + ec.message());
    port_ = acceptor_.local_endpoint().port();
    Accept();
    const size_t threads =
        options_.threads > 0 ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
    for (size_t i = 0; i < threads; ++i)
      threads_.emplace_back([this] { io_.run(); });
    started_ = true;
    return Status();
  }

  uint16_t port() const override { return port_; }

  void Stop() override {
    if (!started_ || stopped_.exchange(true)) return;
    net::post(io_, [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
      retry_timer_.cancel();
    });
    websockets_.CloseAll(std::chrono::seconds(2));
    if (!in_flight_.WaitDrained(options_.drain_timeout)) {
      KALAM_LOG_WARN("api", "stopping with requests still in flight after drain_timeout");
    }
    io_.stop();
    for (std::thread& thread : threads_)
      thread.join();
    threads_.clear();
    KALAM_LOG_INFO("api", "http server stopped");
  }

 private:
  // Why a new connection from `address` is refused, or "" to serve it.
  std::string RefusalFor(const std::string& address) const {
    if (connections_.open() >= options_.max_connections) {
      return "the server is at its limit of " + std::to_string(options_.max_connections) +
             " concurrent connections; retry later";
    }
    if (connections_.FromAddress(address) >= options_.max_connections_per_address) {
      return "your address has " + std::to_string(options_.max_connections_per_address) +
             " open connections, the limit per client address; close some or retry later";
    }
    return "";
  }

  void Accept() {
    acceptor_.async_accept(net::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
      if (ec) {
        // E.g. out of file descriptors: back off instead of spinning.
        KALAM_LOG_WARN("api", "accept failed error={}", ec.message());
        retry_timer_.expires_after(std::chrono::milliseconds(100));
        retry_timer_.async_wait([this](beast::error_code wait_ec) {
          if (!wait_ec) Accept();
        });
        return;
      }
      beast::error_code ignored;
      // Replies and WebSocket messages are written whole, often several small ones in a
      // row: Nagle's algorithm would hold each behind the peer's delayed ACK (~40 ms).
      socket.set_option(tcp::no_delay(true), ignored);
      const std::string address = socket.remote_endpoint(ignored).address().to_string();
      if (std::string refusal = RefusalFor(address); !refusal.empty()) {
        std::make_shared<Session>(std::move(socket), router_, options_, in_flight_, budget_,
                                  ConnectionSlot(), websocket_, websockets_)
            ->StartRefused(std::move(refusal));
      } else {
        std::make_shared<Session>(std::move(socket), router_, options_, in_flight_, budget_,
                                  ConnectionSlot(connections_, address), websocket_, websockets_)
            ->Start();
      }
      Accept();
    });
  }

  const HttpServerOptions options_;
  const Router& router_;
  const WebSocketServices* websocket_;
  WebSocketSessions websockets_;
  InFlight in_flight_;
  ConnectionCounts connections_;  // sessions holding a ConnectionSlot
  ResponseBudget budget_{options_.response_buffer_bytes * kResponseBudgetConnections};
  net::io_context io_;  // after the members above: destroyed first, with its sessions
  tcp::acceptor acceptor_;
  net::steady_timer retry_timer_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  bool started_ = false;  // set once by Listen() before any other thread exists
  std::atomic<bool> stopped_{false};
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                      const Router& router,
                                                      const WebSocketServices* websocket) {
  auto server = std::make_unique<BeastHttpServer>(options, router, websocket);
  KALAM_RETURN_IF_ERROR(server->Listen());
  KALAM_LOG_INFO("api", "http server listening address={}:{}", options.host, server->port());
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace kalam::api
