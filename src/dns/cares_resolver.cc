#include "dns/cares_resolver.h"

#include <ares.h>
#include <sys/time.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "dns/names.h"
#include "dns/wire.h"

namespace postdesk::dns {

namespace asio = boost::asio;

namespace {

std::once_flag g_ares_init;

Answer TempError(std::string why) {
  Answer a;
  a.rcode = Rcode::kTempError;
  a.error = std::move(why);
  return a;
}

// "HOST:PORT" / "HOST" / "[V6]:PORT" -> the form ares_set_servers_ports_csv
// takes; empty on a malformed value.
std::string ServerCsv(const std::string& server) {
  if (server.empty()) return "";
  for (char c : server) {
    if (!(isxdigit(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '[' ||
          c == ']')) {
      return "";
    }
  }
  if (server.front() == '[') {
    return server.find(']') == std::string::npos ? "" : server;
  }
  size_t colons = std::count(server.begin(), server.end(), ':');
  if (colons > 1) return "[" + server + "]";  // a bare IPv6 address
  return server;
}

}  // namespace

// A type-erased completion handler that resumes its owner on the owner's
// executor. (asio::any_completion_handler of Boost 1.81 wraps itself
// recursively when copied from an lvalue, so this small one is used.)
class AnswerHandler {
 public:
  virtual ~AnswerHandler() = default;
  virtual void Complete(Answer answer) = 0;
};

template <typename Handler, typename Fallback>
class AnswerHandlerImpl final : public AnswerHandler {
 public:
  AnswerHandlerImpl(Handler handler, const Fallback& fallback)
      : work_(asio::get_associated_executor(handler, fallback)), handler_(std::move(handler)) {}

  void Complete(Answer answer) override {
    auto ex = work_.get_executor();
    // Resume the caller on its own executor, never inline in c-ares.
    asio::post(ex, [h = std::move(handler_), a = std::move(answer)]() mutable {
      std::move(h)(std::move(a));
    });
    work_.reset();
  }

 private:
  asio::executor_work_guard<asio::associated_executor_t<Handler, Fallback>> work_;
  Handler handler_;
};

class CaresResolver::Impl : public std::enable_shared_from_this<Impl> {
 public:
  using Strand = asio::strand<asio::any_io_executor>;
  using Handler = std::unique_ptr<AnswerHandler>;

  template <typename H>
  Handler Wrap(H handler) {
    return std::make_unique<AnswerHandlerImpl<H, Strand>>(std::move(handler), strand_);
  }

  Impl(asio::any_io_executor executor, CaresOptions options)
      : strand_(asio::make_strand(executor)),
        timer_(strand_),
        options_(std::move(options)),
        clock_(options_.clock != nullptr ? options_.clock : &system_clock_) {}

  ~Impl() {
    if (channel_ != nullptr) ares_destroy(channel_);
  }

  Status Init() {
    std::call_once(g_ares_init, [] { ares_library_init(ARES_LIB_INIT_ALL); });
    ares_options opts{};
    int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB |
               ARES_OPT_EDNSPSZ;
    opts.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_EDNS;
    opts.timeout = static_cast<int>(std::max<int64_t>(1, options_.timeout.count()));
    opts.tries = std::max(1, options_.tries);
    opts.sock_state_cb = &Impl::SockStateCallback;
    opts.sock_state_cb_data = this;
    opts.ednspsz = 1232;
    int rc = ares_init_options(&channel_, &opts, mask);
    if (rc != ARES_SUCCESS) {
      channel_ = nullptr;
      return Status::Invalid(std::string("c-ares init: ") + ares_strerror(rc));
    }
    if (!options_.server.empty()) {
      std::string csv = ServerCsv(options_.server);
      if (csv.empty()) return Status::Invalid("bad DNS server address: " + options_.server);
      rc = ares_set_servers_ports_csv(channel_, csv.c_str());
      if (rc != ARES_SUCCESS) {
        return Status::Invalid("bad DNS server address: " + options_.server + " (" +
                               ares_strerror(rc) + ")");
      }
    }
    return Status::Ok();
  }

  // Any thread.
  void Start(Handler handler, std::string name, RrType type) {
    ++stats_queries_;
    auto pending = std::make_unique<Pending>();
    pending->handler = std::move(handler);
    pending->name = NormalizeName(name);
    pending->type = type;
    pending->key = pending->name + "/" + RrTypeName(type);
    pending->impl = shared_from_this();

    if (!IsValidQueryName(pending->name)) {
      Answer a;
      a.rcode = Rcode::kFormError;
      a.error = "invalid query name";
      Complete(std::move(pending), std::move(a));
      return;
    }
    if (auto cached = FromCache(pending->key)) {
      ++stats_cache_hits_;
      Complete(std::move(pending), std::move(*cached));
      return;
    }
    asio::post(strand_, [self = shared_from_this(), p = std::move(pending)]() mutable {
      self->Send(std::move(p));
    });
  }

  // Any thread when no query runs (see the header).
  void Shutdown() {
    if (shut_down_.exchange(true)) return;
    timer_.cancel();
    for (auto& [fd, watch] : watches_) {
      watch->closed = true;
      watch->desc.release();
    }
    watches_.clear();
    if (channel_ != nullptr) {
      ares_destroy(channel_);  // ends every query with ARES_EDESTRUCTION
      channel_ = nullptr;
    }
  }

  Stats stats() const {
    Stats s;
    s.queries = stats_queries_;
    s.cache_hits = stats_cache_hits_;
    s.sent = stats_sent_;
    return s;
  }

  void ClearCache() {
    std::lock_guard<std::mutex> lock(cache_mu_);
    cache_.clear();
  }

 private:
  struct Pending {
    std::shared_ptr<Impl> impl;
    Handler handler;
    std::string name;
    RrType type = RrType::kA;
    std::string key;
  };

  struct Watch {
    Watch(asio::strand<asio::any_io_executor>& strand, int fd_in)
        : desc(strand, fd_in), fd(fd_in) {}
    asio::posix::stream_descriptor desc;
    int fd;
    bool want_read = false;
    bool want_write = false;
    bool reading = false;
    bool writing = false;
    bool closed = false;
  };

  struct CacheEntry {
    Answer answer;
    int64_t expires = 0;
  };

  static void Complete(std::unique_ptr<Pending> p, Answer answer) {
    p->handler->Complete(std::move(answer));
  }

  std::optional<Answer> FromCache(const std::string& key) {
    if (!options_.cache) return std::nullopt;
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = cache_.find(key);
    if (it == cache_.end()) return std::nullopt;
    const int64_t now = clock_->Now();
    if (now >= it->second.expires) {
      cache_.erase(it);
      return std::nullopt;
    }
    Answer a = it->second.answer;
    a.ttl = static_cast<uint32_t>(it->second.expires - now);
    return a;
  }

  void ToCache(const std::string& key, const Answer& answer) {
    if (!options_.cache || !(answer.ok() || answer.none())) return;
    const uint32_t ttl = std::min(answer.ttl, options_.max_ttl);
    if (ttl == 0) return;
    std::lock_guard<std::mutex> lock(cache_mu_);
    const int64_t now = clock_->Now();
    if (cache_.size() >= options_.cache_max_entries) {
      std::erase_if(cache_, [now](const auto& kv) { return now >= kv.second.expires; });
      if (cache_.size() >= options_.cache_max_entries) cache_.clear();
    }
    cache_[key] = CacheEntry{answer, now + ttl};
  }

  // On the strand.
  void Send(std::unique_ptr<Pending> p) {
    if (shut_down_ || channel_ == nullptr) {
      Complete(std::move(p), TempError("resolver shut down"));
      return;
    }
    ++stats_sent_;
    const std::string name = p->name;
    const int type = RrTypeCode(p->type);
    ares_query(channel_, name.c_str(), 1 /* IN */, type, &Impl::QueryCallback, p.release());
    UpdateTimer();
  }

  static void QueryCallback(void* arg, int status, int /*timeouts*/, unsigned char* abuf,
                            int alen) {
    std::unique_ptr<Pending> p(static_cast<Pending*>(arg));
    Impl* self = p->impl.get();
    Answer answer;
    if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) {
      answer = TempError("resolver shut down");
    } else if (abuf != nullptr && alen > 0) {
      answer = ParseResponse(std::span<const uint8_t>(abuf, static_cast<size_t>(alen)), p->name,
                             p->type, self->options_.negative_ttl);
      self->ToCache(p->key, answer);
    } else if (status == ARES_EBADNAME) {
      answer.rcode = Rcode::kFormError;
      answer.error = ares_strerror(status);
    } else {
      answer = TempError(ares_strerror(status));
    }
    Complete(std::move(p), std::move(answer));
  }

  static void SockStateCallback(void* data, ares_socket_t fd, int readable, int writable) {
    static_cast<Impl*>(data)->OnSockState(fd, readable != 0, writable != 0);
  }

  void OnSockState(int fd, bool readable, bool writable) {
    auto it = watches_.find(fd);
    if (!readable && !writable) {
      if (it != watches_.end()) {
        it->second->closed = true;
        it->second->desc.release();  // c-ares closes the fd itself
        watches_.erase(it);
      }
      return;
    }
    if (shut_down_) return;
    std::shared_ptr<Watch> w;
    if (it == watches_.end()) {
      w = std::make_shared<Watch>(strand_, fd);
      watches_.emplace(fd, w);
    } else {
      w = it->second;
    }
    w->want_read = readable;
    w->want_write = writable;
    Arm(w);
  }

  void Arm(const std::shared_ptr<Watch>& w) {
    if (w->want_read && !w->reading) {
      w->reading = true;
      w->desc.async_wait(asio::posix::descriptor_base::wait_read,
                         [self = shared_from_this(), w](boost::system::error_code ec) {
                           w->reading = false;
                           if (w->closed || self->shut_down_) return;
                           if (ec != asio::error::operation_aborted) {
                             ares_process_fd(self->channel_, w->fd, ARES_SOCKET_BAD);
                           }
                           if (!w->closed) self->Arm(w);
                           self->UpdateTimer();
                         });
    }
    if (w->want_write && !w->writing) {
      w->writing = true;
      w->desc.async_wait(asio::posix::descriptor_base::wait_write,
                         [self = shared_from_this(), w](boost::system::error_code ec) {
                           w->writing = false;
                           if (w->closed || self->shut_down_) return;
                           if (ec != asio::error::operation_aborted) {
                             ares_process_fd(self->channel_, ARES_SOCKET_BAD, w->fd);
                           }
                           if (!w->closed) self->Arm(w);
                           self->UpdateTimer();
                         });
    }
  }

  void UpdateTimer() {
    if (shut_down_ || channel_ == nullptr) return;
    timeval tv{};
    timeval* next = ares_timeout(channel_, nullptr, &tv);
    if (next == nullptr) {
      timer_.cancel();
      return;
    }
    timer_.expires_after(std::chrono::seconds(next->tv_sec) +
                         std::chrono::microseconds(next->tv_usec));
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->shut_down_) return;
      ares_process_fd(self->channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      self->UpdateTimer();
    });
  }

  asio::strand<asio::any_io_executor> strand_;
  asio::steady_timer timer_;
  CaresOptions options_;
  SystemClock system_clock_;
  const Clock* clock_;
  ares_channel channel_ = nullptr;
  std::unordered_map<int, std::shared_ptr<Watch>> watches_;
  std::atomic<bool> shut_down_{false};

  std::mutex cache_mu_;
  std::unordered_map<std::string, CacheEntry> cache_;

  std::atomic<uint64_t> stats_queries_{0};
  std::atomic<uint64_t> stats_cache_hits_{0};
  std::atomic<uint64_t> stats_sent_{0};
};

Result<std::unique_ptr<CaresResolver>> CaresResolver::Create(asio::any_io_executor executor,
                                                             CaresOptions options) {
  auto impl = std::make_shared<Impl>(std::move(executor), std::move(options));
  Status st = impl->Init();
  if (!st.ok()) return st;
  return std::unique_ptr<CaresResolver>(new CaresResolver(std::move(impl)));
}

CaresResolver::CaresResolver(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

CaresResolver::~CaresResolver() { impl_->Shutdown(); }

asio::awaitable<Answer> CaresResolver::Query(std::string name, RrType type) {
  // The initiation is a named local: g++ 12 destroys some temporaries of a
  // co_await full-expression twice, so none with a destructor is made there.
  auto initiation = [impl = impl_](auto handler, std::string n, RrType t) {
    impl->Start(impl->Wrap(std::move(handler)), std::move(n), t);
  };
  const auto& token = asio::use_awaitable;
  Answer answer = co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(Answer)>(
      initiation, token, name, type);
  co_return answer;
}

CaresResolver::Stats CaresResolver::stats() const { return impl_->stats(); }

void CaresResolver::ClearCache() { impl_->ClearCache(); }

}  // namespace postdesk::dns
