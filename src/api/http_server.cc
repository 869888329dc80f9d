// The only Beast translation unit of the server side.
#include "api/http_server.h"

#include <atomic>
#include <condition_variable>
#include <future>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "api/json_envelope.h"
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

// Holds one of the server's connection slots while a session lives.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  explicit ConnectionSlot(std::atomic<size_t>& open) : open_(&open) { open.fetch_add(1); }
  ~ConnectionSlot() {
    if (open_ != nullptr) open_->fetch_sub(1);
  }
  ConnectionSlot(ConnectionSlot&& other) noexcept : open_(std::exchange(other.open_, nullptr)) {}
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;

 private:
  std::atomic<size_t>* open_ = nullptr;
};

bool IsPrintableHeaderValue(std::string_view value) {
  for (const char c : value) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return true;
}

// One client connection: read a request, dispatch it, write the response, repeat.
// All socket work runs on the connection's strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const Router& router, const HttpServerOptions& options,
          InFlight& in_flight, ConnectionSlot slot)
      : stream_(std::move(socket)),
        router_(router),
        options_(options),
        in_flight_(in_flight),
        slot_(std::move(slot)) {}

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadRequest(); });
  }

  // Answers 503 without reading a request: the server is at max_connections. The client
  // reads the error (the close lingers) instead of a bare reset.
  void StartRefused() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      HttpResponse refusal = ErrorResponse(
          std::chrono::steady_clock::now(), 503, "TOO_MANY_CONNECTIONS",
          "the server is at its limit of " + std::to_string(self->options_.max_connections) +
              " concurrent connections; retry later");
      refusal.headers.emplace_back("Retry-After", "1");
      self->Reject(std::move(refusal));
    });
  }

 private:
  void ReadRequest() {
    parser_.emplace();
    parser_->header_limit(options_.max_header_bytes);
    parser_->body_limit(options_.max_body_bytes);
    stream_.expires_after(options_.idle_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    const auto now = std::chrono::steady_clock::now();
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset) {
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
    if (ec) {
      return Reject(
          ErrorResponse(now, 400, "MALFORMED_REQUEST", "malformed HTTP request: " + ec.message()));
    }
    http::request<http::string_body> raw = parser_->release();
    keep_alive_ = raw.keep_alive();
    request_id_ = std::string(raw["X-Request-ID"]);
    if (request_id_.size() > kMaxRequestIdLength || !IsPrintableHeaderValue(request_id_)) {
      request_id_.clear();  // never echo something that could split or flood headers
    }
    stream_.expires_never();  // the handler may take long; the write sets its own timeout
    in_flight_.Begin();
    auto self = shared_from_this();
    Responder respond(
        [self](HttpResponse r) {
          net::dispatch(self->stream_.get_executor(), [self, r = std::move(r)]() mutable {
            self->Write(std::move(r), /*close_after=*/false, /*counted=*/true);
          });
        },
        [self](HttpResponse head) -> std::unique_ptr<ChunkedWriter> {
          return std::make_unique<StreamedResponse>(self, std::move(head));
        });
    router_.Dispatch(Convert(std::move(raw), now), std::move(respond));
  }

  // A response written in chunks by a worker thread. Each step runs on the connection's
  // strand while the worker waits, so at most one write is ever outstanding on the socket.
  class StreamedResponse final : public ChunkedWriter {
   public:
    StreamedResponse(std::shared_ptr<Session> session, HttpResponse head)
        : session_(std::move(session)) {
      ok_ = session_->AwaitOnStrand([session = session_, head = std::move(head)](auto done) {
        session->WriteChunkedHead(head, done);
      });
    }
    ~StreamedResponse() override {
      if (!finished_) Finish();
    }
    StreamedResponse(const StreamedResponse&) = delete;
    StreamedResponse& operator=(const StreamedResponse&) = delete;

    bool Write(std::string_view piece) override {
      if (!ok_ || piece.empty()) return ok_;
      auto owned = std::make_shared<std::string>(piece);
      ok_ = session_->AwaitOnStrand([session = session_, owned](auto done) {
        session->stream_.expires_after(kWriteTimeout);
        net::async_write(session->stream_, http::make_chunk(net::buffer(*owned)),
                         [owned, done](beast::error_code ec, size_t) { done(ec); });
      });
      return ok_;
    }

    void Finish() override {
      finished_ = true;
      if (ok_) {
        ok_ = session_->AwaitOnStrand([session = session_](auto done) {
          session->stream_.expires_after(kWriteTimeout);
          net::async_write(session->stream_, http::make_chunk_last(),
                           [session, done](beast::error_code ec, size_t) { done(ec); });
        });
      }
      net::dispatch(session_->stream_.get_executor(), [session = session_, ok = ok_] {
        session->in_flight_.End();
        session->chunked_head_.reset();
        if (!ok) return session->Close();
        if (!session->keep_alive_) return session->LingeringClose();
        session->ReadRequest();
      });
    }

   private:
    std::shared_ptr<Session> session_;
    bool ok_ = false;
    bool finished_ = false;
  };

  // Runs `start(done)` on the strand and waits for `done(error_code)`. Gives up (false)
  // after the write timeout plus a margin, so a stopped server never strands a worker.
  template <typename Start>
  bool AwaitOnStrand(Start&& start) {
    auto outcome = std::make_shared<std::promise<bool>>();
    std::future<bool> result = outcome->get_future();
    net::dispatch(stream_.get_executor(), [start = std::forward<Start>(start), outcome]() mutable {
      start([outcome](beast::error_code ec) { outcome->set_value(!ec); });
    });
    if (result.wait_for(kWriteTimeout + std::chrono::seconds(5)) != std::future_status::ready) {
      return false;
    }
    return result.get();
  }

  template <typename Done>
  void WriteChunkedHead(const HttpResponse& head, Done done) {
    chunked_head_.emplace(static_cast<http::status>(head.status), 11);
    http::response<http::empty_body>& message = chunked_head_->message;
    SetHeaders(message, head);
    message.keep_alive(keep_alive_);
    message.chunked(true);
    stream_.expires_after(kWriteTimeout);
    http::async_write_header(stream_, chunked_head_->serializer,
                             [done](beast::error_code ec, size_t) { done(ec); });
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
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  const Router& router_;
  const HttpServerOptions& options_;
  InFlight& in_flight_;
  ConnectionSlot slot_;  // empty for a refused connection
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
  BeastHttpServer(const HttpServerOptions& options, const Router& router)
      : options_(options), router_(router), acceptor_(io_), retry_timer_(io_) {}
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
      if (open_connections_.load() >= options_.max_connections) {
        std::make_shared<Session>(std::move(socket), router_, options_, in_flight_,
                                  ConnectionSlot())
            ->StartRefused();
      } else {
        std::make_shared<Session>(std::move(socket), router_, options_, in_flight_,
                                  ConnectionSlot(open_connections_))
            ->Start();
      }
      Accept();
    });
  }

  const HttpServerOptions options_;
  const Router& router_;
  InFlight in_flight_;
  std::atomic<size_t> open_connections_{0};  // sessions holding a ConnectionSlot
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
                                                      const Router& router) {
  auto server = std::make_unique<BeastHttpServer>(options, router);
  KALAM_RETURN_IF_ERROR(server->Listen());
  KALAM_LOG_INFO("api", "http server listening address={}:{}", options.host, server->port());
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace kalam::api
