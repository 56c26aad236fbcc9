#include "app/dkim_command.h"

#include <dirent.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <utility>

#include "app/commands.h"
#include "auth/dkim_crypto.h"
#include "channel/domain_checks.h"
#include "common/strings.h"
#include "doctor/setup_doctor.h"

namespace postdesk::app {

namespace {

constexpr size_t kMaxKeyFileBytes = 64 * 1024;

std::string Errno() { return std::strerror(errno); }

// Messages go to stderr: stdout carries the record or the signed message.
void Complain(const std::string& text) { std::fprintf(stderr, "postdesk %s\n", text.c_str()); }

// Creates `dir` with mode 0700 when it does not exist.
Status MakeDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Status::Ok();
    return Status::Permanent(dir + " exists and is not a directory");
  }
  return Status::Permanent("cannot create " + dir + ": " + Errno());
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Permanent(Errno());
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

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

// Stores `pem` at `path` in one step: a temporary file (0600) is written and
// synced, then linked in place (refusing an existing key) or, with `force`,
// renamed over it. A crash leaves the old key or the new one, never half of one.
Status StoreKey(const std::string& dir, const std::string& path, const std::string& pem,
                bool force) {
  std::string tmp = dir + "/.keygen." + std::to_string(::getpid()) + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Permanent("cannot create " + tmp + ": " + Errno());
  Status s = WriteAll(fd, pem);
  if (s.ok() && ::fsync(fd) != 0) s = Status::Permanent(Errno());
  if (::close(fd) != 0 && s.ok()) s = Status::Permanent(Errno());
  if (s.ok()) {
    int rc = force ? ::rename(tmp.c_str(), path.c_str()) : ::link(tmp.c_str(), path.c_str());
    if (rc != 0) {
      s = errno == EEXIST ? Status::Invalid(path + " already exists")
                          : Status::Permanent("cannot write " + path + ": " + Errno());
    }
  } else {
    s = Status::Permanent("cannot write " + tmp + ": " + s.message());
  }
  ::unlink(tmp.c_str());  // after link() the key stays under its own name
  if (s.ok()) {
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
  }
  return s;
}

// Writes the enabled marker (0600) in one step, as StoreKey does.
Status WriteMarker(const std::string& path) {
  const std::string tmp = path + "." + std::to_string(::getpid()) + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Permanent("cannot create " + tmp + ": " + Errno());
  Status s = WriteAll(fd, "enabled " + std::to_string(std::time(nullptr)) + "\n");
  if (s.ok() && ::fsync(fd) != 0) s = Status::Permanent(Errno());
  if (::close(fd) != 0 && s.ok()) s = Status::Permanent(Errno());
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    s = Status::Permanent("cannot write " + path + ": " + Errno());
  }
  ::unlink(tmp.c_str());
  return s;
}

// Removes the marker; true when there was one.
Result<bool> RemoveMarker(const std::string& path) {
  if (::unlink(path.c_str()) == 0) return true;
  if (errno == ENOENT) return false;
  return Status::Permanent("cannot remove " + path + ": " + Errno());
}

// The DKIM findings of one key of ours, as a report (for RunWithResolver).
boost::asio::awaitable<channel::Report> DkimRecordReport(dns::Resolver& resolver,
                                                         std::string domain,
                                                         channel::DomainCheckOptions options) {
  channel::Report report;
  report.subject = "dkim " + domain;
  report.findings = co_await channel::CheckDkim(resolver, domain, std::move(options));
  co_return report;
}

// The domain of the first address of the From field ("" when none). The
// message is ours (built by outbound/compose), so a plain scan suffices.
std::string FromDomain(std::string_view message) {
  size_t pos = 0;
  bool in_from = false;
  std::string value;
  while (pos < message.size()) {
    size_t eol = message.find('\n', pos);
    if (eol == std::string_view::npos) eol = message.size();
    std::string_view line = message.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = eol + 1;
    if (line.empty()) break;  // end of the header
    if (line[0] == ' ' || line[0] == '\t') {
      if (in_from) value += std::string(line);
      continue;
    }
    if (in_from) break;
    if (IStartsWith(line, "from:")) {
      in_from = true;
      value = std::string(line.substr(5));
    }
  }
  size_t at = value.find('@');
  if (at == std::string::npos) return "";
  std::string domain;
  for (char c : value.substr(at + 1)) {
    if (c == '>' || c == ' ' || c == '\t' || c == ',' || c == ';' || c == ')') break;
    domain.push_back(c);
  }
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
  return ToLower(domain);
}

}  // namespace

Result<std::string> ValidDkimName(std::string_view name, std::string_view what) {
  std::string n = ToLower(name);
  auto bad = [&](const std::string& why) {
    return Status::Invalid("invalid " + std::string(what) + " '" + SanitizeUtf8(name) +
                           "': " + why);
  };
  if (n.empty()) return bad("empty");
  if (n.size() > 253) return bad("longer than 253 characters");
  for (char c : n) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) {
      return bad("only letters, digits, '.' and '-' are allowed");
    }
  }
  for (const std::string& label : Split(n, '.')) {
    if (label.empty()) return bad("empty label");
    if (label.size() > 63) return bad("a label is longer than 63 characters");
    if (label.front() == '-' || label.back() == '-') return bad("a label starts or ends with '-'");
  }
  return n;
}

std::string DkimKeyPath(const Config& config, std::string_view domain, std::string_view selector) {
  return config.data_dir + "/dkim/" + std::string(domain) + "/" + std::string(selector) + ".pem";
}

std::string DkimEnabledPath(const Config& config, std::string_view domain,
                            std::string_view selector) {
  return config.data_dir + "/dkim/" + std::string(domain) + "/" + std::string(selector) +
         ".enabled";
}

std::string DkimTxtRecordLine(std::string_view domain, std::string_view selector,
                              std::string_view txt) {
  std::string out = std::string(selector) + "._domainkey." + std::string(domain) + " IN TXT";
  // TXT character-strings hold at most 255 bytes; resolvers join them again.
  for (size_t i = 0; i < txt.size(); i += 255) {
    out += " \"" + std::string(txt.substr(i, 255)) + "\"";
  }
  return out;
}

Result<auth::SigningKey> LoadSigningKey(const Config& config, std::string domain,
                                        std::string selector) {
  auto d = ValidDkimName(domain, "domain");
  if (!d.ok()) return d.status();
  auto s = ValidDkimName(selector, "selector");
  if (!s.ok()) return s.status();
  const std::string path = DkimKeyPath(config, *d, *s);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) {
      return Status::NotFound("no DKIM key for " + *d + " selector " + *s + " (" + path +
                              "); make one with: postdesk dkim keygen --domain " + *d +
                              " --selector " + *s);
    }
    return Status::Permanent("cannot open " + path + ": " + Errno());
  }
  auto pem = ReadAll(fd, kMaxKeyFileBytes);
  ::close(fd);
  if (!pem.ok()) return Status::Invalid("cannot read " + path + ": " + pem.status().message());
  auto key = auth::PrivateKey::FromPem(*pem);
  if (!key.ok()) return Status::Invalid(path + " is not a usable key: " + key.status().message());
  auth::SigningKey out;
  out.domain = *d;
  out.selector = *s;
  out.algorithm = (*key)->type() == auth::KeyType::kEd25519 ? auth::DkimAlgorithm::kEd25519Sha256
                                                            : auth::DkimAlgorithm::kRsaSha256;
  out.private_key_pem = std::move(*pem);
  return out;
}

int DkimKeygen(const Config& config, std::string domain, std::string selector,
               std::string algorithm, bool force) {
  auto d = ValidDkimName(domain, "domain");
  auto s = ValidDkimName(selector, "selector");
  for (const auto* r : {&d, &s}) {
    if (!r->ok()) {
      Complain("dkim keygen: " + r->status().message());
      return kExitUsage;
    }
  }
  auth::DkimAlgorithm alg;
  const std::string a = ToLower(algorithm);
  if (a == "rsa" || a == "rsa-sha256") {
    alg = auth::DkimAlgorithm::kRsaSha256;
  } else if (a == "ed25519" || a == "ed25519-sha256") {
    alg = auth::DkimAlgorithm::kEd25519Sha256;
  } else {
    Complain("dkim keygen: unknown algorithm '" + SanitizeUtf8(algorithm) +
             "' (use rsa or ed25519)");
    return kExitUsage;
  }

  const std::string dir = config.data_dir + "/dkim/" + *d;
  const std::string path = DkimKeyPath(config, *d, *s);
  struct stat st {};
  if (!force && ::lstat(path.c_str(), &st) == 0) {
    Complain("dkim keygen: " + path +
             " already exists; --force replaces it (mail signed with the old key stops "
             "verifying once its DNS record is replaced)");
    return kExitCantCreate;
  }
  for (const std::string& p : {config.data_dir, config.data_dir + "/dkim", dir}) {
    if (Status st2 = MakeDir(p); !st2.ok()) {
      Complain("dkim keygen: " + st2.message());
      return kExitCantCreate;
    }
  }
  auto key = auth::GenerateKey(alg);
  if (!key.ok()) {
    Complain("dkim keygen: " + key.status().message());
    return kExitCantCreate;
  }
  if (Status st2 = StoreKey(dir, path, key->private_key_pem, force); !st2.ok()) {
    Complain("dkim keygen: " + st2.message() +
             (st2.kind() == ErrorKind::kInvalid ? " (use --force to replace it)" : ""));
    return kExitCantCreate;
  }
  // A replaced key is a new key: its record is not published yet.
  auto was_enabled = RemoveMarker(DkimEnabledPath(config, *d, *s));
  Complain("dkim keygen: private key stored in " + path + "; publish this DNS record:");
  std::string line = DkimTxtRecordLine(*d, *s, key->dns_txt) + "\n";
  if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size() || std::fflush(stdout) != 0) {
    Complain("dkim keygen: writing stdout: " + Errno());
    return kExitIoErr;
  }
  Complain(std::string("dkim keygen: warning: ") +
           (was_enabled.ok() && *was_enabled ? "the replaced key was signing; " : "") +
           "mail from " + *d +
           " is not signed with this key until the record above is "
           "published and `postdesk dkim enable --domain " +
           *d + " --selector " + *s +
           "` has found it in DNS (signing without the record makes receivers fail every "
           "signature, and DMARC p=reject then rejects the mail)");
  if (!was_enabled.ok()) {
    Complain("dkim keygen: " + was_enabled.status().message());
    return kExitCantCreate;
  }
  return kExitOk;
}

int DkimEnable(const Config& config, std::string domain, std::string selector, bool force) {
  auto d = ValidDkimName(domain, "domain");
  auto s = ValidDkimName(selector, "selector");
  for (const auto* r : {&d, &s}) {
    if (!r->ok()) {
      Complain("dkim enable: " + r->status().message());
      return kExitUsage;
    }
  }
  auto key = LoadSigningKey(config, *d, *s);
  if (!key.ok()) {
    Complain("dkim enable: " + key.status().message());
    return kExitConfig;
  }
  auto pem = auth::PrivateKey::FromPem(key->private_key_pem);
  if (!pem.ok()) {
    Complain("dkim enable: " + pem.status().message());
    return kExitConfig;
  }
  channel::DomainCheckOptions options;
  options.desk_domain = config.domain;
  options.dkim_keys.push_back({*s, (*pem)->PublicKeyBase64(),
                               (*pem)->type() == auth::KeyType::kEd25519 ? "ed25519" : "rsa",
                               false});
  const std::string dom = *d;
  doctor::ReportFn run = [&](dns::Resolver& resolver) {
    return DkimRecordReport(resolver, dom, options);
  };
  channel::Report report = doctor::RunWithResolver(config.dns, "dkim " + dom, run);
  const channel::Finding* f = report.findings.empty() ? nullptr : &report.findings[0];
  const bool published =
      f != nullptr && f->details.is_object() && f->details.value("published", false);
  const std::string marker = DkimEnabledPath(config, *d, *s);
  if (!published) {
    const std::string why = f == nullptr ? "the DNS check gave no answer" : f->evidence;
    if (!force) {
      Complain("dkim enable: refusing to sign mail from " + *d + ": " + why);
      if (f != nullptr && !f->fix.empty()) Complain("dkim enable: fix: " + f->fix);
      Complain(
          "dkim enable: --force switches signing on anyway (receivers then fail every "
          "signature until the record is published)");
      return f != nullptr && f->temporary ? kExitTempFail : kExitUnavailable;
    }
    Complain("dkim enable: warning: " + why + "; signing anyway (--force)");
  }
  if (Status st = WriteMarker(marker); !st.ok()) {
    Complain("dkim enable: " + st.message());
    return kExitCantCreate;
  }
  Complain("dkim enable: signing mail from " + *d + " with selector " + *s +
           (published ? " (its DNS record publishes our key)" : "") +
           "; postdesk serve picks this up when it next starts");
  return kExitOk;
}

int DkimDisable(const Config& config, std::string domain, std::string selector) {
  auto d = ValidDkimName(domain, "domain");
  auto s = ValidDkimName(selector, "selector");
  for (const auto* r : {&d, &s}) {
    if (!r->ok()) {
      Complain("dkim disable: " + r->status().message());
      return kExitUsage;
    }
  }
  auto removed = RemoveMarker(DkimEnabledPath(config, *d, *s));
  if (!removed.ok()) {
    Complain("dkim disable: " + removed.status().message());
    return kExitCantCreate;
  }
  Complain("dkim disable: " + std::string(*removed ? "" : "already ") + "not signing mail from " +
           *d + " with selector " + *s + "; postdesk serve picks this up when it next starts");
  return kExitOk;
}

std::vector<auth::SigningKey> LoadEnabledSigningKeys(const Config& config,
                                                     std::vector<std::string>* errors) {
  std::vector<auth::SigningKey> out;
  const std::string root = config.data_dir + "/dkim";
  std::vector<std::string> domains;
  if (DIR* dir = ::opendir(root.c_str())) {
    while (struct dirent* e = ::readdir(dir)) {
      if (e->d_name[0] != '.') domains.emplace_back(e->d_name);
    }
    ::closedir(dir);
  }
  std::sort(domains.begin(), domains.end());
  for (const std::string& domain : domains) {
    if (!ValidDkimName(domain, "domain").ok()) continue;
    std::vector<std::string> enabled;
    if (DIR* dir = ::opendir((root + "/" + domain).c_str())) {
      while (struct dirent* e = ::readdir(dir)) {
        std::string name = e->d_name;
        if (name[0] != '.' && name.size() > 8 && name.ends_with(".enabled")) {
          enabled.push_back(name.substr(0, name.size() - 8));
        }
      }
      ::closedir(dir);
    }
    if (enabled.empty()) continue;
    std::sort(enabled.begin(), enabled.end());
    auto postdesk = std::find(enabled.begin(), enabled.end(), "postdesk");
    const std::string selector = postdesk != enabled.end() ? *postdesk : enabled.front();
    auto key = LoadSigningKey(config, domain, selector);
    if (key.ok()) {
      out.push_back(std::move(*key));
    } else if (errors != nullptr) {
      errors->push_back(key.status().message());
    }
  }
  return out;
}

std::function<std::string(const std::string&)> MakeDkimSigner(std::vector<auth::SigningKey> keys) {
  auto by_domain = std::make_shared<std::map<std::string, auth::SigningKey>>();
  for (auth::SigningKey& k : keys) by_domain->emplace(k.domain, std::move(k));
  return [by_domain](const std::string& message) -> std::string {
    auto it = by_domain->find(FromDomain(message));
    if (it == by_domain->end()) return "";
    auto header = auth::SignDkim(message, it->second, {}, static_cast<int64_t>(std::time(nullptr)));
    if (!header.ok()) {
      spdlog::error("DKIM signing for {} failed, sending unsigned: {}", it->first,
                    header.status().message());
      return "";
    }
    return *header;
  };
}

int DkimSign(const Config& config, std::string domain, std::string selector, std::string file) {
  for (const auto& [name, what] :
       {std::pair{&domain, "domain"}, std::pair{&selector, "selector"}}) {
    if (auto v = ValidDkimName(*name, what); !v.ok()) {
      Complain("dkim sign: " + v.status().message());
      return kExitUsage;
    }
  }
  auto key = LoadSigningKey(config, domain, selector);
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
