#include "http/test_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <optional>

#include "common/strings.h"

namespace postdesk::http::testing {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

std::string ClientResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (IEquals(k, name)) return v;
  }
  return "";
}

int ClientResponse::HeaderCount(std::string_view name) const {
  int n = 0;
  for (const auto& [k, v] : headers) n += IEquals(k, name) ? 1 : 0;
  return n;
}

struct TestClient::Impl {
  asio::io_context io;
  tcp::socket socket{io};
  boost::beast::flat_buffer buffer;
  std::chrono::milliseconds timeout;
  bool connected = false;

  // Runs the io_context until `done` or the timeout; on timeout, closes.
  bool RunUntil(const bool& done) {
    io.restart();
    io.run_for(timeout);
    if (!done) {
      error_code ignored;
      socket.close(ignored);
      io.restart();
      io.run_for(std::chrono::milliseconds(100));
      return false;
    }
    return true;
  }
};

TestClient::TestClient(uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->timeout = timeout;
  error_code ec;
  impl_->socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  impl_->connected = !ec;
}

TestClient::~TestClient() = default;

bool TestClient::connected() const { return impl_->connected; }

bool TestClient::SendRaw(std::string_view bytes) {
  bool done = false;
  error_code result;
  asio::async_write(impl_->socket, asio::buffer(bytes.data(), bytes.size()),
                    [&](error_code ec, size_t) {
                      result = ec;
                      done = true;
                    });
  return impl_->RunUntil(done) && !result;
}

ClientResponse TestClient::Read(bool head) {
  ClientResponse out;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  parser.skip(head);
  bool done = false;
  error_code result;
  bhttp::async_read(impl_->socket, impl_->buffer, parser, [&](error_code ec, size_t) {
    result = ec;
    done = true;
  });
  if (!impl_->RunUntil(done) || result) return out;
  auto msg = parser.release();
  out.status = static_cast<int>(msg.result_int());
  for (const auto& field : msg) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = std::move(msg.body());
  out.keep_alive = msg.keep_alive();
  return out;
}

ClientResponse TestClient::Send(std::string_view method, std::string_view target,
                                std::vector<std::pair<std::string, std::string>> headers,
                                std::string body) {
  std::string raw;
  raw += std::string(method) + " " + std::string(target) + " HTTP/1.1\r\n";
  bool has_host = false;
  for (const auto& [k, v] : headers) has_host |= IEquals(k, "host");
  if (!has_host) raw += "Host: 127.0.0.1\r\n";
  for (const auto& [k, v] : headers) raw += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") {
    raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  raw += "\r\n";
  raw += body;
  if (!SendRaw(raw)) return {};
  return Read(method == "HEAD");
}

bool TestClient::WaitForClose() {
  bool done = false;
  error_code result;
  char scratch[4096];
  std::function<void()> read_more;
  read_more = [&] {
    impl_->socket.async_read_some(asio::buffer(scratch), [&](error_code ec, size_t) {
      if (ec) {
        result = ec;
        done = true;
      } else {
        read_more();
      }
    });
  };
  if (impl_->buffer.size() > 0) impl_->buffer.consume(impl_->buffer.size());
  read_more();
  return impl_->RunUntil(done) &&
         (result == asio::error::eof || result == asio::error::connection_reset);
}

}  // namespace postdesk::http::testing
