#include "app/dkim_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "app/commands.h"
#include "channel/dkim_keys.h"
#include "common/strings.h"
#include "doctor/setup_doctor.h"

namespace postdesk::app {

namespace {

std::string Errno() { return std::strerror(errno); }

// Messages go to stderr: stdout carries the record or the signed message.
void Complain(const std::string& text) { std::fprintf(stderr, "postdesk %s\n", text.c_str()); }

// Reads all of `fd`, failing past `limit` bytes.
Result<std::string> ReadAll(int fd, size_t limit) {
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Permanent(Errno());
    }
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > limit) {
      return Status::Invalid("larger than " + std::to_string(limit) + " bytes");
    }
  }
}

// Validates both names for `command`; false (after saying why) when one is bad.
bool ValidNames(const char* command, std::string& domain, std::string& selector) {
  for (auto [name, what] : {std::pair{&domain, "domain"}, std::pair{&selector, "selector"}}) {
    auto v = channel::ValidDkimName(*name, what);
    if (!v.ok()) {
      Complain(std::string(command) + ": " + v.status().message());
      return false;
    }
    *name = *v;
  }
  return true;
}

}  // namespace

int DkimKeygen(const Config& config, std::string domain, std::string selector,
               std::string algorithm, bool force) {
  if (!ValidNames("dkim keygen", domain, selector)) return kExitUsage;
  if (!channel::ParseDkimAlgorithm(algorithm)) {
    Complain("dkim keygen: unknown algorithm '" + SanitizeUtf8(algorithm) + "' (use rsa or ed25519)");
    return kExitUsage;
  }
  if (!force && channel::KeyExists(config.data_dir, domain, selector)) {
    Complain("dkim keygen: " + channel::DkimKeyPath(config.data_dir, domain, selector) +
             " already exists; --force replaces it (mail signed with the old key stops "
             "verifying once its DNS record is replaced)");
    return kExitCantCreate;
  }
  auto made = channel::GenerateKey(config.data_dir, domain, selector, algorithm, force);
  if (!made.ok()) {
    Complain("dkim keygen: " + made.status().message());
    return kExitCantCreate;
  }
  Complain("dkim keygen: private key stored in " + made->path + "; publish this DNS record:");
  std::string line = channel::DkimTxtRecordLine(domain, selector, made->key.txt) + "\n";
  if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size() || std::fflush(stdout) != 0) {
    Complain("dkim keygen: writing stdout: " + Errno());
    return kExitIoErr;
  }
  Complain(std::string("dkim keygen: warning: ") +
           (made->was_enabled ? "the replaced key was signing; " : "") + "mail from " + domain +
           " is not signed with this key until the record above is "
           "published and `postdesk dkim enable --domain " +
           domain + " --selector " + selector +
           "` has found it in DNS (signing without the record makes receivers fail every "
           "signature, and DMARC p=reject then rejects the mail)");
  return kExitOk;
}

int DkimEnable(const Config& config, std::string domain, std::string selector, bool force) {
  if (!ValidNames("dkim enable", domain, selector)) return kExitUsage;
  auto keys = channel::ListKeys(config.data_dir, domain);
  auto key = std::find_if(keys.begin(), keys.end(),
                          [&](const channel::StoredKey& k) { return k.selector == selector; });
  if (key == keys.end()) {
    auto loaded = channel::LoadSigningKey(config.data_dir, domain, selector);
    Complain("dkim enable: " + (loaded.ok() ? "no usable key for " + domain : loaded.status().message()));
    return kExitConfig;
  }
  channel::Finding f = doctor::DkimKeyPublished(config.dns, config.domain, *key);
  const bool published = f.details.is_object() && f.details.value("published", false);
  if (!published) {
    if (!force) {
      Complain("dkim enable: refusing to sign mail from " + domain + ": " + f.evidence);
      if (!f.fix.empty()) Complain("dkim enable: fix: " + f.fix);
      Complain(
          "dkim enable: --force switches signing on anyway (receivers then fail every "
          "signature until the record is published)");
      return f.temporary ? kExitTempFail : kExitUnavailable;
    }
    Complain("dkim enable: warning: " + f.evidence + "; signing anyway (--force)");
  }
  if (Status st = channel::EnableKey(config.data_dir, domain, selector); !st.ok()) {
    Complain("dkim enable: " + st.message());
    return kExitCantCreate;
  }
  Complain("dkim enable: signing mail from " + domain + " with selector " + selector +
           (published ? " (its DNS record publishes our key)" : "") +
           "; a running postdesk serve picks this up within 10 seconds");
  return kExitOk;
}

int DkimDisable(const Config& config, std::string domain, std::string selector) {
  if (!ValidNames("dkim disable", domain, selector)) return kExitUsage;
  auto removed = channel::DisableKey(config.data_dir, domain, selector);
  if (!removed.ok()) {
    Complain("dkim disable: " + removed.status().message());
    return kExitCantCreate;
  }
  Complain("dkim disable: " + std::string(*removed ? "" : "already ") + "not signing mail from " +
           domain + " with selector " + selector +
           "; a running postdesk serve picks this up within 10 seconds");
  return kExitOk;
}

int DkimSign(const Config& config, std::string domain, std::string selector, std::string file) {
  if (!ValidNames("dkim sign", domain, selector)) return kExitUsage;
  auto key = channel::LoadSigningKey(config.data_dir, domain, selector);
  if (!key.ok()) {
    Complain("dkim sign: " + key.status().message());
    return kExitConfig;
  }
  int fd = file == "-" ? STDIN_FILENO : ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    Complain("dkim sign: cannot open " + file + ": " + Errno());
    return kExitNoInput;
  }
  auto message = ReadAll(fd, config.max_message_bytes);
  if (fd != STDIN_FILENO) ::close(fd);
  if (!message.ok()) {
    Complain("dkim sign: reading " + (file == "-" ? std::string("stdin") : file) + ": " +
             message.status().message());
    return message.status().kind() == ErrorKind::kInvalid ? kExitDataErr : kExitNoInput;
  }
  auto header = auth::SignDkim(*message, *key, {}, static_cast<int64_t>(std::time(nullptr)));
  if (!header.ok()) {
    Complain("dkim sign: " + header.status().message());
    return kExitDataErr;
  }
  std::string out = std::move(*header);
  if (message->find("\r\n") == std::string::npos) {
    // Keep the message's own (LF) line ends: the signature is over the
    // canonical form, which does not depend on them.
    std::string lf;
    for (char c : out) {
      if (c != '\r') lf.push_back(c);
    }
    out = std::move(lf);
  }
  out += *message;
  if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) {
    Complain("dkim sign: writing stdout: " + Errno());
    return kExitIoErr;
  }
  return kExitOk;
}

}  // namespace postdesk::app
