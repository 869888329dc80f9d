// The only Beast translation unit of the client side.
#include "client/http_client.h"

#include <limits>
#include <optional>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace kalam::client {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string_view HttpResult::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return {};
}

struct HttpClient::Impl {
  std::string host;
  uint16_t port;
  std::chrono::milliseconds timeout;
  Headers default_headers;
  net::io_context io;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  // Runs the queued async operations until they finish or the deadline passes.
  bool RunWithDeadline() {
    io.restart();
    io.run_for(timeout);
    if (io.stopped()) return true;
    if (stream) stream->cancel();
    io.restart();
    io.run();  // let the cancelled handlers complete
    return false;
  }

  Status Connect() {
    stream.emplace(io);
    buffer.clear();
    beast::error_code result = net::error::would_block;
    tcp::resolver resolver(io);
    beast::error_code resolve_ec;
    const auto endpoints = resolver.resolve(host, std::to_string(port), resolve_ec);
    if (resolve_ec)
      return Status::Unavailable("cannot resolve " + host + ": " + resolve_ec.message());
    stream->async_connect(endpoints,
                          [&](beast::error_code ec, const tcp::endpoint&) { result = ec; });
    if (!RunWithDeadline()) result = beast::error::timeout;
    if (result) {
      stream.reset();
      return Status::Unavailable("cannot connect to " + host + ":" + std::to_string(port) + ": " +
                                 result.message());
    }
    beast::error_code ignored;  // a request's header and body go out without waiting for an ACK
    stream->socket().set_option(tcp::no_delay(true), ignored);
    return Status();
  }

  // One attempt on the current connection. `stale` is set when the failure looks like a
  // keep-alive connection the server had already closed (worth one retry).
  Result<HttpResult> Exchange(http::request<http::string_body>& request, bool& stale) {
    beast::error_code write_ec = net::error::would_block;
    beast::error_code read_ec = net::error::would_block;
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<uint64_t>::max());
    http::async_write(*stream, request, [&](beast::error_code ec, size_t) {
      write_ec = ec;
      if (ec) return;
      http::async_read(*stream, buffer, parser,
                       [&](beast::error_code rec, size_t) { read_ec = rec; });
    });
    const bool finished = RunWithDeadline();
    const beast::error_code ec = write_ec ? write_ec : read_ec;
    if (!finished || ec) {
      stale = finished && (ec == http::error::end_of_stream || ec == net::error::connection_reset ||
                           ec == net::error::broken_pipe);
      stream.reset();
      return Status::Unavailable(finished ? "http request failed: " + ec.message()
                                          : "http request timed out");
    }
    http::response<http::string_body> response = parser.release();
    HttpResult result;
    result.status = static_cast<int>(response.result_int());
    for (const auto& field : response) {
      std::string name(field.name_string());
      for (char& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      result.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    result.body = std::move(response.body());
    if (!response.keep_alive()) stream.reset();
    return result;
  }
};

HttpClient::HttpClient(std::string host, uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
  impl_->timeout = timeout;
}

HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

void HttpClient::SetDefaultHeaders(Headers headers) {
  impl_->default_headers = std::move(headers);
}

void HttpClient::Disconnect() {
  impl_->stream.reset();
}

Result<HttpResult> HttpClient::Send(std::string_view method, std::string_view target,
                                    std::string_view body, const Headers& headers) {
  http::request<http::string_body> request;
  request.method_string(method);
  request.target(target);
  request.version(11);
  request.set(http::field::host, impl_->host);
  request.set(http::field::user_agent, "kalamdb-client");
  if (!body.empty()) request.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : impl_->default_headers)
    request.set(name, value);
  for (const auto& [name, value] : headers)
    request.set(name, value);
  request.body() = std::string(body);
  request.keep_alive(true);
  request.prepare_payload();

  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = impl_->stream.has_value();
    if (!reused) KALAM_RETURN_IF_ERROR(impl_->Connect());
    bool stale = false;
    Result<HttpResult> result = impl_->Exchange(request, stale);
    if (result.ok() || !(reused && stale)) return result;
  }
  return Status::Unavailable("http request failed after reconnecting");
}

}  // namespace kalam::client
