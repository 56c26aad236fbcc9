#include "accounts/sessions.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include "accounts/passwords.h"
#include "common/ids.h"
#include "common/strings.h"

namespace postdesk::accounts {

Sessions::Sessions(store::Store& store, const Clock& clock, SessionOptions options)
    : store_(store), clock_(clock), options_(options), throttle_(clock, options.throttle) {}

SignInResult Sessions::SignIn(std::string_view email, std::string_view password,
                              std::string_view client_address) {
  SignInResult result;
  const std::string who = NormalizeEmail(email);
  if (int64_t wait = throttle_.RetryAfter(who, client_address); wait > 0) {
    spdlog::warn("sign-in refused for {} from {}: locked out for {} s more", who, client_address,
                 wait);
    result.outcome = SignInOutcome::kLockedOut;
    result.retry_after = wait;
    return result;
  }
  if (checking_.fetch_add(1) >= options_.max_concurrent_checks) {
    checking_.fetch_sub(1);
    result.outcome = SignInOutcome::kBusy;
    result.retry_after = 1;
    return result;
  }
  struct Release {
    std::atomic<int>& n;
    ~Release() { n.fetch_sub(1); }
  } release{checking_};
  store::User user;
  std::string hash;
  Status s = store_.Read([&](store::Tx& tx) -> Status {
    auto found = tx.FindUserByEmail(who);
    if (!found.ok()) return found.status();
    user = std::move(found).value();
    auto h = tx.GetPasswordHash(user.id);
    if (!h.ok()) return h.status();
    hash = std::move(h).value();
    return Status::Ok();
  });
  if (!s.ok() && s.kind() != ErrorKind::kNotFound) {
    result.outcome = SignInOutcome::kStoreFailure;
    result.status = s;
    return result;
  }
  // Unknown users still pay for one hash, so timing does not tell which
  // emails are agents.
  static const std::string kDummy = [] {
    auto h = HashPassword("not-a-real-password");
    return h.ok() ? *h : std::string();
  }();
  bool known = s.ok() && IsStaff(user.role) && !user.suspended && !hash.empty();
  bool match = VerifyPassword(known ? hash : kDummy, password) && known;
  if (!match) {
    int64_t locked = throttle_.Failed(who, client_address);
    spdlog::warn("sign-in failed for {} from {}{}", who, client_address,
                 locked ? ": locked out for " + std::to_string(locked) + " s" : "");
    if (locked) {
      result.outcome = SignInOutcome::kLockedOut;
      result.retry_after = locked;
    }
    return result;
  }
  throttle_.Succeeded(who);

  SignedIn in;
  in.user = user;
  in.token = NewToken();
  in.session.token_sha256 = Sha256Hex(in.token);
  in.session.user_id = user.id;
  in.session.csrf_token = NewToken();
  in.session.client_ip = std::string(client_address);
  in.session.created_at = in.session.last_seen_at = clock_.Now();
  // Sessions are only made here, so this is also where idle ones are swept.
  s = store_.Write([&](store::Tx& tx) -> Status {
    if (Status a = tx.AddSession(in.session); !a.ok()) return a;
    return tx.DeleteSessionsIdleSince(clock_.Now() - options_.idle_seconds).status();
  });
  if (!s.ok()) {
    result.outcome = SignInOutcome::kStoreFailure;
    result.status = s;
    return result;
  }
  spdlog::info("{} signed in from {}", who, client_address);
  result.outcome = SignInOutcome::kSignedIn;
  result.signed_in = std::move(in);
  return result;
}

Result<SignedIn> Sessions::Resolve(std::string_view token) {
  if (token.empty() || token.size() > 256) return Status::NotFound("no session");
  const std::string key = Sha256Hex(token);
  SignedIn in;
  Status s = store_.Read([&](store::Tx& tx) -> Status {
    auto session = tx.GetSession(key);
    if (!session.ok()) return session.status();
    in.session = std::move(session).value();
    auto user = tx.GetUser(in.session.user_id);
    if (!user.ok()) return user.status();
    in.user = std::move(user).value();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  int64_t now = clock_.Now();
  if (now - in.session.last_seen_at > options_.idle_seconds || !IsStaff(in.user.role) ||
      in.user.suspended) {
    (void)store_.Write([&](store::Tx& tx) { return tx.DeleteSession(key); });
    return Status::NotFound("session expired");
  }
  if (now - in.session.last_seen_at >= options_.touch_every_seconds) {
    Status t = store_.Write([&](store::Tx& tx) { return tx.TouchSession(key, now); });
    if (!t.ok() && t.kind() != ErrorKind::kNotFound) return t;
    in.session.last_seen_at = now;
  }
  return in;
}

Status Sessions::SignOut(std::string_view token) {
  if (token.empty() || token.size() > 256) return Status::Ok();
  const std::string key = Sha256Hex(token);
  return store_.Write([&](store::Tx& tx) { return tx.DeleteSession(key); });
}

Result<int64_t> Sessions::ExpireIdle() {
  int64_t removed = 0;
  Status s = store_.Write([&](store::Tx& tx) -> Status {
    auto n = tx.DeleteSessionsIdleSince(clock_.Now() - options_.idle_seconds);
    if (!n.ok()) return n.status();
    removed = *n;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return removed;
}

bool Sessions::CsrfMatches(const store::AgentSession& session, std::string_view header) {
  if (session.csrf_token.empty() || header.size() != session.csrf_token.size()) return false;
  return sodium_memcmp(header.data(), session.csrf_token.data(), header.size()) == 0;
}

}  // namespace postdesk::accounts
