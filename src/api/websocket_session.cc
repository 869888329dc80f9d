#include "api/websocket_session.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <charconv>
#include <deque>
#include <optional>

#include <boost/asio.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include "api/json_envelope.h"
#include "api/sql_request.h"
#include "api/status_mapping.h"
#include "common/log.h"
#include "live/messages.h"
#include "tables/value_json.h"

namespace kalam::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace json = boost::json;
using tables::AppendJsonString;

constexpr size_t kReadChunk = 64 << 10;
// A client message past max_message_bytes is read and dropped; one past this many times
// the limit closes the connection (1009) instead.
constexpr size_t kDiscardFactor = 64;
constexpr uint16_t kPolicyClose = 1008;
// Messages taken from live/'s queue at a time: fewer locks, and a look ahead for corking.
// Taken messages leave the queue's bounds, so this stays small.
constexpr size_t kMessagesPerPop = 64;
constexpr size_t kBytesPerPop = 256 << 10;
constexpr uint16_t kGoingAway = 1001;

std::string ErrorFrame(std::string_view code, std::string_view message) {
  return live::ErrorMessage("", code, message);
}

std::string StatusFrame(std::string_view id, const Status& status) {
  return live::ErrorMessage(id, ErrorCodeFor(status.code()), status.message());
}

// The string at `key` of `object`, if it is one.
std::optional<std::string> StringAt(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return std::string(value->as_string());
}

// An integer option given as a JSON number or a decimal string (a _seq exceeds 2^53).
Result<std::optional<int64_t>> IntegerAt(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) return std::optional<int64_t>();
  if (value->is_int64()) return std::optional<int64_t>(value->as_int64());
  if (value->is_uint64() && value->as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return std::optional<int64_t>(static_cast<int64_t>(value->as_uint64()));
  }
  if (value->is_string()) {
    const std::string_view text = value->as_string();
    int64_t number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error == std::errc() && end == text.data() + text.size()) {
      return std::optional<int64_t>(number);
    }
  }
  return Status::InvalidArgument("options." + std::string(key) + " must be an integer");
}

}  // namespace

class WebSocketSession : public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(beast::tcp_stream stream, HttpRequest request, const WebSocketServices& services,
                   WebSocketSessions& sessions, std::shared_ptr<void> slot)
      : ws_(std::move(stream)),
        request_(std::move(request)),
        services_(services),
        options_(services.options),
        sessions_(sessions),
        slot_(std::move(slot)),
        auth_timer_(ws_.get_executor()),
        heartbeat_timer_(ws_.get_executor()) {}

  ~WebSocketSession() { sessions_.Remove(this); }

  void Start(http::request<http::string_body> upgrade) {
    ws_.set_option(websocket::stream_base::timeout{.handshake_timeout = std::chrono::seconds(10),
                                                   .idle_timeout = websocket::stream_base::none(),
                                                   .keep_alive_pings = false});
    if (options_.permessage_deflate) {
      websocket::permessage_deflate deflate;
      deflate.server_enable = true;
      ws_.set_option(deflate);
    }
    ws_.read_message_max(options_.max_message_bytes * kDiscardFactor);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(http::field::server, "kalamdb"); }));
    ws_.control_callback([this](websocket::frame_type, beast::string_view) {
      last_heard_ = std::chrono::steady_clock::now();  // a ping or pong: the client is there
    });
    auto upgrade_request = std::make_shared<http::request<http::string_body>>(std::move(upgrade));
    ws_.async_accept(*upgrade_request,
                     [self = shared_from_this(), upgrade_request](beast::error_code ec) {
                       if (ec) return self->Teardown();
                       self->OnAccepted();
                     });
  }

  // Server shutdown: close with 1001 once what is queued is sent.
  void Shutdown() {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      self->CloseAfterQueued({kGoingAway, "server shutting down"});
    });
  }

 private:
  void OnAccepted() {
    last_heard_ = std::chrono::steady_clock::now();
    auth_timer_.expires_after(options_.auth_timeout);
    auth_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->connection_ != nullptr || self->authenticating_) return;
      self->Direct(
          R"({"type":"auth_error","message":"Authentication timeout - no auth message received within )" +
          std::to_string(self->options_.auth_timeout.count()) + R"( ms"})");
      self->CloseAfterQueued({kPolicyClose, "authentication timeout"});
    });
    Heartbeat();
    Read();
  }

  // ---- reading: one client message at a time ----

  void Read() {
    if (closed_ || busy_) return;
    ws_.async_read_some(
        buffer_, kReadChunk,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec) {
      if (ec == websocket::error::message_too_big) {
        KALAM_LOG_WARN("api", "websocket message far over the limit; closing peer={}",
                       request_.peer_address);
      }
      return Teardown();
    }
    last_heard_ = std::chrono::steady_clock::now();
    if (buffer_.size() > options_.max_message_bytes) {
      discarding_ = true;
      buffer_.clear();
    }
    if (!ws_.is_message_done()) return Read();
    const bool binary = ws_.got_binary();
    std::string message = beast::buffers_to_string(buffer_.data());
    buffer_.clear();
    if (std::exchange(discarding_, false)) {
      Direct(ErrorFrame("MESSAGE_TOO_LARGE", "messages are limited to " +
                                                 std::to_string(options_.max_message_bytes) +
                                                 " bytes ([websocket] max_message_bytes)"));
      return Read();
    }
    if (binary) {
      Direct(ErrorFrame("UNSUPPORTED_DATA", "send text frames holding JSON messages"));
      return Read();
    }
    if (!WithinRate()) {
      Direct(ErrorFrame("RATE_LIMIT_EXCEEDED",
                        "more than " + std::to_string(options_.max_messages_per_second) +
                            " messages per second on this connection; slow down"));
      return Read();
    }
    Handle(message);
    Read();
  }

  bool WithinRate() {
    const auto now = std::chrono::steady_clock::now();
    if (now - window_start_ >= std::chrono::seconds(1)) {
      window_start_ = now;
      in_window_ = 0;
    }
    return ++in_window_ <= options_.max_messages_per_second;
  }

  void Handle(const std::string& text) {
    boost::system::error_code error;
    json::parse_options parse_options;
    parse_options.max_depth = kMaxBodyDepth;
    json::value parsed = json::parse(text, error, {}, parse_options);
    if (error || !parsed.is_object()) {
      return Direct(ErrorFrame("INVALID_MESSAGE", "a message is a JSON object with a \"type\""));
    }
    const json::object& message = parsed.as_object();
    const std::optional<std::string> type = StringAt(message, "type");
    if (!type.has_value()) {
      return Direct(ErrorFrame("INVALID_MESSAGE", "the message has no \"type\""));
    }
    if (*type == "ping") return Direct(R"({"type":"pong"})");
    if (*type == "authenticate") return Authenticate(message);
    const bool known = *type == "subscribe" || *type == "next_batch" || *type == "unsubscribe";
    if (!known) {
      return Direct(ErrorFrame("UNKNOWN_MESSAGE_TYPE",
                               "unknown message type '" + TruncatedForLog(*type) +
                                   "' (authenticate, subscribe, next_batch, unsubscribe, ping)"));
    }
    if (connection_ == nullptr) {
      return Direct(ErrorFrame("AUTH_REQUIRED", "authenticate before " + *type));
    }
    if (*type == "subscribe") return Subscribe(message);
    const std::optional<std::string> id = StringAt(message, "subscription_id");
    if (!id.has_value()) {
      return Direct(ErrorFrame("INVALID_SUBSCRIPTION_ID", *type + " needs a subscription_id"));
    }
    const bool next = *type == "next_batch";
    OnWorker(
        [this, id = *id, next]() {
          live::LiveQueryManager& live = services_.live;
          return next ? live.NextBatch(*connection_, id) : live.Unsubscribe(*connection_, id);
        },
        *id);
  }

  void Subscribe(const json::object& message) {
    const json::value* subscription = message.if_contains("subscription");
    if (subscription == nullptr || !subscription->is_object()) {
      return Direct(
          ErrorFrame("INVALID_SUBSCRIPTION", "subscribe needs a \"subscription\" object"));
    }
    const json::object& object = subscription->as_object();
    live::SubscribeRequest request;
    request.id = StringAt(object, "id").value_or("");
    if (request.id.empty()) {
      return Direct(ErrorFrame("INVALID_SUBSCRIPTION_ID", "Subscription ID cannot be empty"));
    }
    // sql and params are read, within the SQL endpoint's limits, by the SQL body parser.
    std::variant<SqlRequest, BodyError> body =
        ParseSqlRequest(json::serialize(object), SqlBodyLimits{});
    if (const auto* refused = std::get_if<BodyError>(&body)) {
      return Direct(live::ErrorMessage(request.id, refused->code, refused->message));
    }
    request.sql = std::move(std::get<SqlRequest>(body).sql);
    request.params = std::move(std::get<SqlRequest>(body).params);
    if (const json::value* options = object.if_contains("options"); options != nullptr) {
      if (!options->is_object()) {
        return Direct(
            live::ErrorMessage(request.id, "INVALID_ARGUMENT", "options must be an object"));
      }
      const json::object& fields = options->as_object();
      Result<std::optional<int64_t>> batch_size = IntegerAt(fields, "batch_size");
      Result<std::optional<int64_t>> last_rows = IntegerAt(fields, "last_rows");
      Result<std::optional<int64_t>> from = IntegerAt(fields, "from");
      if (from.ok() && !from->has_value()) from = IntegerAt(fields, "from_seq_id");
      for (const Status& status : {batch_size.status(), last_rows.status(), from.status()}) {
        if (!status.ok()) return Direct(StatusFrame(request.id, status));
      }
      request.batch_size = *batch_size;
      request.last_rows = *last_rows;
      request.from = *from;
    }
    std::string id = request.id;
    OnWorker(
        [this, request = std::move(request)]() mutable {
          return services_.live.Subscribe(*connection_, std::move(request));
        },
        id);
  }

  // Runs `work` (a live-query request) on a worker; reading resumes when it is done, so a
  // connection's requests run one at a time. Its error is sent for subscription `id`.
  void OnWorker(std::function<Status()> work, std::string id) {
    busy_ = true;
    auto self = shared_from_this();
    const bool queued = services_.workers.Submit([self, work = std::move(work), id]() {
      Status status = work();
      net::post(self->ws_.get_executor(), [self, status = std::move(status), id] {
        self->busy_ = false;
        if (!status.ok()) self->SendToClient(StatusFrame(id, status));
        self->Read();
      });
    });
    if (!queued) {
      busy_ = false;
      Direct(live::ErrorMessage(id, "SERVER_BUSY", "the server is overloaded; retry shortly"));
    }
  }

  // ---- authentication ----

  void Authenticate(const json::object& message) {
    if (connection_ != nullptr || authenticating_) {
      return Direct(ErrorFrame("ALREADY_AUTHENTICATED", "this connection is authenticated"));
    }
    const std::string method = StringAt(message, "method").value_or("");
    std::string username = StringAt(message, "username").value_or("");
    std::string password = StringAt(message, "password").value_or("");
    std::string token = StringAt(message, "token").value_or("");
    if (method != "basic" && method != "jwt") {
      Direct(R"({"type":"auth_error","message":"method must be \"basic\" or \"jwt\""})");
      return CloseAfterQueued({kPolicyClose, "authentication failed"});
    }
    authenticating_ = true;
    busy_ = true;
    auto self = shared_from_this();
    const bool queued =
        services_.workers.Submit([self, method, username = std::move(username),
                                  password = std::move(password), token = std::move(token)]() {
          const auth::ClientOrigin origin = OriginOf(self->request_, self->services_.auth_settings);
          auth::AuthResult<auth::Principal> result =
              method == "basic"
                  ? self->services_.authenticator.CheckPassword(username, password, origin)
                  : self->services_.authenticator.Authenticate("Bearer " + token, origin);
          net::post(self->ws_.get_executor(),
                    [self, result = std::move(result), method, username, token]() mutable {
                      self->busy_ = false;
                      self->authenticating_ = false;
                      self->OnAuthenticated(std::move(result), method, username, token);
                      self->Read();
                    });
        });
    if (!queued) {
      busy_ = false;
      authenticating_ = false;
      Direct(R"({"type":"auth_error","message":"the server is overloaded; retry shortly"})");
      CloseAfterQueued({kPolicyClose, "server busy"});
    }
  }

  void OnAuthenticated(auth::AuthResult<auth::Principal> result, const std::string& method,
                       const std::string& username, const std::string& token) {
    if (closed_) return;
    if (const auto* error = std::get_if<auth::AuthError>(&result)) {
      if (!error->attempted_user.empty() && IsAuditedFailure(error->code)) {
        AuditLogin(services_.audit_log, request_, services_.auth_settings, "",
                   error->attempted_user, "LOGIN_FAILED");
      }
      std::string frame = R"({"type":"auth_error","code":)";
      AppendJsonString(frame, auth::AuthErrorCodeName(error->code));
      frame += R"(,"message":)";
      AppendJsonString(frame, error->message);
      frame += "}";
      Direct(std::move(frame));
      return CloseAfterQueued({kPolicyClose, "authentication failed"});
    }
    const auth::Principal& principal = std::get<auth::Principal>(result);
    auth_timer_.cancel();
    if (method == "jwt") token_ = token;
    live::Peer peer{.user_id = UserId(principal.user_id),
                    .username = principal.username,
                    .role = principal.role,
                    .client_address = ClientAddress(request_, services_.auth_settings)};
    std::weak_ptr<WebSocketSession> weak = weak_from_this();
    connection_ = services_.live.Connect(std::move(peer), [weak] {
      if (auto self = weak.lock()) self->Wake();
    });
    AuditLogin(services_.audit_log, request_, services_.auth_settings, principal.user_id,
               method == "basic" ? username : principal.username, "LOGIN_WS");
    std::string frame = R"({"type":"auth_success","user":)";
    AppendJsonString(frame, principal.username);
    frame += R"(,"user_id":)";
    AppendJsonString(frame, principal.user_id);
    frame += R"(,"role":)";
    AppendJsonString(frame, catalog::RoleName(principal.role));
    frame += "}";
    Direct(std::move(frame));
  }

  // ---- keep-alive ----

  void Heartbeat() {
    heartbeat_timer_.expires_after(options_.heartbeat_interval);
    heartbeat_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_) return;
      self->OnHeartbeat();
    });
  }

  void OnHeartbeat() {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_heard_ > options_.client_timeout) {
      // A client that also stopped reading may never take the close frame: one more
      // client_timeout later, the socket is closed outright.
      if (!given_up_at_.has_value()) {
        given_up_at_ = now;
        CloseAfterQueued({kPolicyClose, "heartbeat timeout"});
      } else if (now - *given_up_at_ > options_.client_timeout) {
        return Teardown();
      }
      return Heartbeat();
    }
    // A token's expiry, logout or revocation ends the connection it opened.
    if (!token_.empty() && connection_ != nullptr) {
      auto checked = services_.authenticator.Authenticate(
          "Bearer " + token_, OriginOf(request_, services_.auth_settings));
      if (std::holds_alternative<auth::AuthError>(checked)) {
        connection_->PushFinal(
            ErrorFrame("TOKEN_EXPIRED",
                       "the token is no longer valid (expired or revoked); authenticate again"));
        connection_->RequestClose({kPolicyClose, "token expired"});
        return;
      }
    }
    if (!pinging_) {
      pinging_ = true;
      ws_.async_ping({}, [self = shared_from_this()](beast::error_code ec) {
        self->pinging_ = false;
        if (ec) self->Teardown();
      });
    }
    Heartbeat();
  }

  // ---- writing: protocol replies first, then the live queue, then a due close ----

  void Direct(std::string frame) {
    direct_.push_back(std::move(frame));
    Pump();
  }
  // A reply that belongs after what live/ queued before it (a request's error).
  void SendToClient(std::string frame) {
    if (connection_ == nullptr || !connection_->Push(frame)) Direct(std::move(frame));
  }

  void Wake() {
    if (wake_posted_.exchange(true)) return;
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      self->wake_posted_ = false;
      self->Pump();
    });
  }

  void CloseAfterQueued(live::CloseRequest request) {
    if (!close_.has_value()) close_ = std::move(request);
    Pump();
  }

  void Pump() {
    if (closed_ || writing_ || closing_) return;
    std::optional<std::string> next;
    if (!direct_.empty()) {
      next = std::move(direct_.front());
      direct_.pop_front();
    } else {
      if (outgoing_.empty() && connection_ != nullptr && !close_.has_value()) {
        connection_->Pop(outgoing_, kMessagesPerPop, kBytesPerPop);
      }
      if (!outgoing_.empty()) {
        next = std::move(outgoing_.front());
        outgoing_.pop_front();
      }
    }
    // While more messages follow, the socket is corked: the kernel sends full segments
    // instead of one per message (most of fan-out's cost otherwise), and uncorking once
    // the queue is drained sends the rest at once.
    Cork(next.has_value() && (corked_ || !outgoing_.empty() || !direct_.empty()));
    if (next.has_value()) {
      writing_ = true;
      current_ = std::move(*next);
      ws_.text(true);
      ws_.async_write(net::buffer(current_),
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        self->writing_ = false;
                        if (ec) return self->Teardown();
                        self->Pump();
                      });
      return;
    }
    std::optional<live::CloseRequest> due = close_;
    if (!due.has_value() && connection_ != nullptr) due = connection_->CloseDue();
    if (!due.has_value()) return;
    closing_ = true;
    ws_.async_close(
        websocket::close_reason(static_cast<websocket::close_code>(due->code), due->reason),
        [self = shared_from_this()](beast::error_code) { self->Teardown(); });
  }

  void Cork(bool cork) {
    if (cork == corked_) return;
    corked_ = cork;
    const int value = cork ? 1 : 0;
    ::setsockopt(beast::get_lowest_layer(ws_).socket().native_handle(), IPPROTO_TCP, TCP_CORK,
                 &value, sizeof value);
  }

  void Teardown() {
    if (closed_) return;
    closed_ = true;
    auth_timer_.cancel();
    heartbeat_timer_.cancel();
    if (connection_ != nullptr) {
      connection_->MarkClosed();
      services_.live.Disconnect(*connection_);
    }
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).close();
  }

  websocket::stream<beast::tcp_stream> ws_;
  const HttpRequest request_;
  const WebSocketServices& services_;
  const WebSocketOptions& options_;
  WebSocketSessions& sessions_;
  std::shared_ptr<void> slot_;
  net::steady_timer auth_timer_;
  net::steady_timer heartbeat_timer_;
  beast::flat_buffer buffer_;
  bool discarding_ = false;  // the message being read is over the limit
  bool busy_ = false;        // a request runs on a worker; reading waits for it
  bool authenticating_ = false;
  bool pinging_ = false;
  bool writing_ = false;
  bool corked_ = false;
  bool closing_ = false;
  bool closed_ = false;
  std::atomic<bool> wake_posted_{false};
  std::chrono::steady_clock::time_point last_heard_;
  std::optional<std::chrono::steady_clock::time_point> given_up_at_;  // heartbeat timeout hit
  std::chrono::steady_clock::time_point window_start_;
  uint32_t in_window_ = 0;
  std::string token_;  // the JWT the connection authenticated with, re-checked each heartbeat
  std::shared_ptr<live::Connection> connection_;  // once authenticated
  std::deque<std::string> direct_;                // protocol replies, sent before live messages
  std::deque<std::string> outgoing_;              // taken from live/'s queue, not yet sent
  std::string current_;                           // the frame being written
  std::optional<live::CloseRequest> close_;
};

void WebSocketSessions::Add(const std::shared_ptr<WebSocketSession>& session) {
  bool refuse = false;
  {
    MutexLock lock(mu_);
    refuse = closing_;
    if (!refuse) open_.emplace(session.get(), session);
  }
  if (refuse) session->Shutdown();
}

void WebSocketSessions::Remove(const WebSocketSession* session) {
  {
    MutexLock lock(mu_);
    open_.erase(session);
  }
  ended_.notify_all();
}

void WebSocketSessions::CloseAll(std::chrono::milliseconds timeout) {
  std::vector<std::shared_ptr<WebSocketSession>> sessions;
  {
    MutexLock lock(mu_);
    closing_ = true;
    for (const auto& [key, weak] : open_) {
      if (auto session = weak.lock()) sessions.push_back(std::move(session));
    }
  }
  for (const auto& session : sessions)
    session->Shutdown();
  sessions.clear();
  std::unique_lock<Mutex> lock(mu_);
  ended_.wait_for(lock, timeout,
                  [this]() KALAM_NO_THREAD_SAFETY_ANALYSIS { return open_.empty(); });
}

void StartWebSocketSession(beast::tcp_stream stream, http::request<http::string_body> upgrade,
                           HttpRequest request, const WebSocketServices& services,
                           WebSocketSessions& sessions, std::shared_ptr<void> slot) {
  auto session = std::make_shared<WebSocketSession>(std::move(stream), std::move(request), services,
                                                    sessions, std::move(slot));
  sessions.Add(session);
  session->Start(std::move(upgrade));
}

}  // namespace kalam::api
