// http/test_client: a tiny blocking HTTP/1.1 client for tests, with its own
// io_context so every operation has a deadline (a broken server fails the
// test instead of hanging it). Not for production use.
// Thread-safety: one client per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace postdesk::http::testing {

struct ClientResponse {
  int status = 0;  // 0: no response (connection error or timeout)
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool keep_alive = false;

  // First value of a header (case-insensitive), or "".
  std::string Header(std::string_view name) const;
  int HeaderCount(std::string_view name) const;
};

class TestClient {
 public:
  explicit TestClient(uint16_t port,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  ~TestClient();
  bool connected() const;

  // Sends one request ("Host" and "Content-Length" are added) and reads the reply.
  ClientResponse Send(std::string_view method, std::string_view target,
                      std::vector<std::pair<std::string, std::string>> headers = {},
                      std::string body = "");
  // Writes raw bytes as they are; false on error.
  bool SendRaw(std::string_view bytes);
  // Reads one response (e.g. after SendRaw). `head`: response to a HEAD.
  ClientResponse Read(bool head = false);
  // True when the server closes the connection within the timeout.
  bool WaitForClose();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace postdesk::http::testing
