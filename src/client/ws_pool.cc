// The Beast translation unit of WsPool (see ws_client.cc for the single connection).
#include "client/ws_pool.h"

#include <deque>
#include <optional>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace kalam::client {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

struct PooledConnection {
  explicit PooledConnection(net::io_context& io) : ws(io) {}
  websocket::stream<beast::tcp_stream> ws;
  beast::flat_buffer buffer;
  std::deque<std::string> outbox;
  bool open = false;  // handshake done, not closed
  bool writing = false;
  bool closed = false;
};

}  // namespace

struct WsPool::Impl {
  WsConnectOptions options;
  OnMessage on_message;
  net::io_context io;
  tcp::resolver::results_type endpoints;
  std::vector<std::unique_ptr<PooledConnection>> connections;
  size_t closed = 0;

  void MarkClosed(PooledConnection& connection) {
    if (connection.closed) return;
    connection.closed = true;
    connection.open = false;
    ++closed;
  }

  void Read(size_t index) {
    PooledConnection& connection = *connections[index];
    connection.ws.async_read(connection.buffer, [this, index](beast::error_code ec, size_t) {
      PooledConnection& self = *connections[index];
      if (ec) return MarkClosed(self);
      const auto data = self.buffer.cdata();
      on_message(index, std::string_view(static_cast<const char*>(data.data()), data.size()));
      self.buffer.clear();
      Read(index);
    });
  }

  void Write(size_t index) {
    PooledConnection& connection = *connections[index];
    if (connection.writing || !connection.open || connection.outbox.empty()) return;
    connection.writing = true;
    connection.ws.text(true);
    connection.ws.async_write(net::buffer(connection.outbox.front()),
                              [this, index](beast::error_code ec, size_t) {
                                PooledConnection& self = *connections[index];
                                self.writing = false;
                                self.outbox.pop_front();
                                if (ec) return MarkClosed(self);
                                Write(index);
                              });
  }

  // Connects and upgrades connection `index`; `finished(ok)` when done either way.
  void Start(size_t index, std::function<void(bool)> finished) {
    PooledConnection& connection = *connections[index];
    beast::get_lowest_layer(connection.ws).expires_after(options.timeout);
    beast::get_lowest_layer(connection.ws)
        .async_connect(endpoints, [this, index, finished = std::move(finished)](
                                      beast::error_code ec, const tcp::endpoint&) mutable {
          PooledConnection& self = *connections[index];
          if (ec) {
            MarkClosed(self);
            return finished(false);
          }
          beast::get_lowest_layer(self.ws).socket().set_option(tcp::no_delay(true), ec);
          self.ws.set_option(
              websocket::stream_base::decorator([this](websocket::request_type& request) {
                for (const auto& [name, value] : options.headers)
                  request.set(name, value);
              }));
          self.ws.async_handshake(
              options.host + ":" + std::to_string(options.port), options.path,
              [this, index, finished = std::move(finished)](beast::error_code e) {
                PooledConnection& upgraded = *connections[index];
                if (e) {
                  MarkClosed(upgraded);
                  return finished(false);
                }
                beast::get_lowest_layer(upgraded.ws).expires_never();
                upgraded.open = true;
                Read(index);
                Write(index);
                finished(true);
              });
        });
  }

  bool RunUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      io.restart();
      // Nothing left to wait for (every connection closed): done() cannot change.
      if (io.run_one_for(deadline - now) == 0 && io.stopped()) return done();
    }
    return true;
  }
};

WsPool::WsPool(WsConnectOptions options, OnMessage on_message) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->on_message = std::move(on_message);
}

WsPool::~WsPool() {
  for (auto& connection : impl_->connections) {
    beast::error_code ignored;
    beast::get_lowest_layer(connection->ws).socket().close(ignored);
  }
}

Status WsPool::Open(size_t count, size_t parallel, std::chrono::milliseconds timeout) {
  if (impl_->endpoints.empty()) {
    beast::error_code ec;
    tcp::resolver resolver(impl_->io);
    impl_->endpoints =
        resolver.resolve(impl_->options.host, std::to_string(impl_->options.port), ec);
    if (ec) return Status::Unavailable("cannot resolve " + impl_->options.host);
  }
  const size_t first = impl_->connections.size();
  for (size_t i = 0; i < count; ++i)
    impl_->connections.push_back(std::make_unique<PooledConnection>(impl_->io));
  // Shared with the handlers, which may outlive this call if it gives up.
  struct Progress {
    size_t next = 0;
    size_t end = 0;
    size_t in_flight = 0;
    size_t failed = 0;
  };
  auto progress = std::make_shared<Progress>(Progress{first, first + count, 0, 0});
  Impl* impl = impl_.get();
  // Each finished handshake starts the next one, keeping `parallel` in flight.
  auto finished = std::make_shared<std::function<void(bool)>>();
  *finished = [progress, impl, weak = std::weak_ptr(finished)](bool ok) {
    --progress->in_flight;
    if (!ok) ++progress->failed;
    const auto self = weak.lock();
    if (self != nullptr && progress->next < progress->end && progress->failed == 0) {
      ++progress->in_flight;
      impl->Start(progress->next++, *self);
    }
  };
  while (progress->next < progress->end && progress->in_flight < std::max<size_t>(parallel, 1)) {
    ++progress->in_flight;
    impl_->Start(progress->next++, *finished);
  }
  const bool done = impl_->RunUntil([&] { return progress->in_flight == 0; }, timeout);
  if (done && progress->failed == 0) return Status();
  // Give up on the rest: cancel what is in flight and count what never started as closed.
  for (size_t i = first; i < first + count; ++i) {
    beast::get_lowest_layer(impl_->connections[i]->ws).cancel();
    if (i >= progress->next) impl_->MarkClosed(*impl_->connections[i]);
  }
  progress->next = progress->end;
  impl_->RunUntil([&] { return progress->in_flight == 0; }, std::chrono::seconds(5));
  return Status::Unavailable(done ? "a WebSocket connection or handshake failed"
                                  : "opening " + std::to_string(count) + " connections timed out");
}

void WsPool::Send(size_t connection, std::string text) {
  PooledConnection& target = *impl_->connections.at(connection);
  if (target.closed) return;
  target.outbox.push_back(std::move(text));
  impl_->Write(connection);
}

bool WsPool::RunUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  return impl_->RunUntil(done, timeout);
}

size_t WsPool::size() const {
  return impl_->connections.size();
}

size_t WsPool::closed_count() const {
  return impl_->closed;
}

void WsPool::CloseAll(std::chrono::milliseconds timeout) {
  for (auto& connection : impl_->connections) {
    if (!connection->open) continue;
    connection->ws.async_close(websocket::close_code::normal, [](beast::error_code) {});
  }
  impl_->RunUntil([&] { return impl_->closed == impl_->connections.size(); }, timeout);
}

}  // namespace kalam::client
