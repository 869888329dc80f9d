// The only Beast translation unit of the WebSocket client.
#include "client/ws_client.h"

#include <deque>
#include <optional>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace kalam::client {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct WsClient::Impl {
  net::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer buffer;
  std::deque<std::string> received;
  bool reading = false;
  bool closed = false;
  bool deflate = false;

  // Keeps one read outstanding; each message read is queued.
  void Read() {
    if (reading || closed) return;
    reading = true;
    ws.async_read(buffer, [this](beast::error_code ec, size_t) {
      reading = false;
      if (ec) {
        closed = true;
        return;
      }
      received.push_back(beast::buffers_to_string(buffer.data()));
      buffer.clear();
      Read();
    });
  }

  // Runs the client's I/O until `done` or the deadline.
  template <typename Done>
  bool RunUntil(Done done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      io.restart();
      io.run_one_for(deadline - now);
    }
    return true;
  }

  Status Write(std::string_view payload, bool text, std::chrono::milliseconds timeout) {
    if (closed) return Status::Unavailable("the WebSocket connection is closed");
    Read();
    ws.text(text);
    std::optional<beast::error_code> result;
    ws.async_write(net::buffer(payload), [&](beast::error_code ec, size_t) { result = ec; });
    if (!RunUntil([&] { return result.has_value(); }, timeout)) {
      beast::get_lowest_layer(ws).cancel();
      RunUntil([&] { return result.has_value(); }, std::chrono::seconds(1));
      closed = true;
      return Status::Unavailable("sending timed out");
    }
    if (*result) {
      closed = true;
      return Status::Unavailable("send failed: " + result->message());
    }
    return Status();
  }
};

WsClient::WsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WsClient::~WsClient() {
  if (impl_ != nullptr && !impl_->closed) {
    beast::error_code ignored;
    beast::get_lowest_layer(impl_->ws).socket().close(ignored);
  }
}

Result<std::unique_ptr<WsClient>> WsClient::Connect(const WsConnectOptions& options) {
  auto impl = std::make_unique<Impl>();
  beast::error_code ec;
  tcp::resolver resolver(impl->io);
  const auto endpoints = resolver.resolve(options.host, std::to_string(options.port), ec);
  if (ec) return Status::Unavailable("cannot resolve " + options.host + ": " + ec.message());
  beast::get_lowest_layer(impl->ws).expires_after(options.timeout);
  std::optional<beast::error_code> connected;
  beast::get_lowest_layer(impl->ws).async_connect(
      endpoints, [&](beast::error_code e, const tcp::endpoint&) { connected = e; });
  impl->RunUntil([&] { return connected.has_value(); }, options.timeout + std::chrono::seconds(1));
  if (!connected.has_value() || *connected) {
    return Status::Unavailable("cannot connect to " + options.host + ":" +
                               std::to_string(options.port));
  }
  beast::get_lowest_layer(impl->ws).socket().set_option(tcp::no_delay(true), ec);
  if (options.deflate) {
    websocket::permessage_deflate deflate;
    deflate.client_enable = true;
    impl->ws.set_option(deflate);
  }
  impl->ws.set_option(websocket::stream_base::decorator([&options](websocket::request_type& r) {
    for (const auto& [name, value] : options.headers)
      r.set(name, value);
  }));
  websocket::response_type response;
  std::optional<beast::error_code> handshake;
  impl->ws.async_handshake(response, options.host + ":" + std::to_string(options.port),
                           options.path, [&](beast::error_code e) { handshake = e; });
  impl->RunUntil([&] { return handshake.has_value(); }, options.timeout + std::chrono::seconds(1));
  if (!handshake.has_value()) return Status::Unavailable("the WebSocket handshake timed out");
  if (*handshake) {
    const unsigned status = response.result_int();
    const std::string detail =
        "the server refused the upgrade: HTTP " + std::to_string(status) + " " + response.body();
    if (status == 403) return Status::PermissionDenied(detail);
    if (status != 0 && status != 101) return Status::InvalidArgument(detail);
    return Status::Unavailable("the WebSocket handshake failed: " + handshake->message());
  }
  beast::get_lowest_layer(impl->ws).expires_never();
  const std::string extensions(response[http::field::sec_websocket_extensions]);
  impl->deflate = extensions.find("permessage-deflate") != std::string::npos;
  impl->Read();
  return std::unique_ptr<WsClient>(new WsClient(std::move(impl)));
}

Status WsClient::SendText(std::string_view text, std::chrono::milliseconds timeout) {
  return impl_->Write(text, /*text=*/true, timeout);
}

Status WsClient::SendBinary(std::string_view bytes, std::chrono::milliseconds timeout) {
  return impl_->Write(bytes, /*text=*/false, timeout);
}

Result<std::string> WsClient::Receive(std::chrono::milliseconds timeout) {
  impl_->Read();
  impl_->RunUntil([&] { return !impl_->received.empty() || impl_->closed; }, timeout);
  if (!impl_->received.empty()) {
    std::string message = std::move(impl_->received.front());
    impl_->received.pop_front();
    return message;
  }
  if (impl_->closed) return Status::Unavailable("the WebSocket connection is closed");
  return Status::DeadlineExceeded("no message within " + std::to_string(timeout.count()) + " ms");
}

bool WsClient::closed() const {
  return impl_->closed && impl_->received.empty();
}

uint16_t WsClient::close_code() const {
  return impl_->ws.reason().code;
}

std::string WsClient::close_reason() const {
  const auto& reason = impl_->ws.reason().reason;
  return std::string(reason.data(), reason.size());
}

bool WsClient::deflate_negotiated() const {
  return impl_->deflate;
}

void WsClient::Close() {
  if (impl_->closed) return;
  std::optional<beast::error_code> result;
  impl_->ws.async_close(websocket::close_code::normal, [&](beast::error_code ec) { result = ec; });
  impl_->RunUntil([&] { return impl_->closed || result.has_value(); }, std::chrono::seconds(1));
  impl_->closed = true;
}

}  // namespace kalam::client
