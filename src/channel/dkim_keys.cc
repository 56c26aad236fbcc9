#include "channel/dkim_keys.h"

#include <dirent.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "auth/dkim_crypto.h"
#include "common/strings.h"

namespace postdesk::channel {
namespace {

constexpr size_t kMaxKeyFileBytes = 64 * 1024;

std::string Errno() { return std::strerror(errno); }

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

// Reads the file at `path` (not following a symlink), failing past the key size bound.
Result<std::string> ReadKeyFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    return errno == ENOENT ? Status::NotFound(path + " does not exist")
                           : Status::Permanent("cannot open " + path + ": " + Errno());
  }
  std::string out;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return Status::Permanent("cannot read " + path + ": " + Errno());
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > kMaxKeyFileBytes) {
      ::close(fd);
      return Status::Invalid(path + " is larger than " + std::to_string(kMaxKeyFileBytes) + " bytes");
    }
  }
  ::close(fd);
  return out;
}

void SyncDir(const std::string& dir) {
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

// Stores `pem` at `path` in one step: a temporary file (0600) is written and
// synced, then linked in place (refusing an existing key) or, with `replace`,
// renamed over it. A crash leaves the old key or the new one, never half of one.
Status StoreKey(const std::string& dir, const std::string& path, const std::string& pem,
                bool replace) {
  std::string tmp = dir + "/.keygen." + std::to_string(::getpid()) + "." + std::to_string(::gettid()) + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Permanent("cannot create " + tmp + ": " + Errno());
  Status s = WriteAll(fd, pem);
  if (s.ok() && ::fsync(fd) != 0) s = Status::Permanent(Errno());
  if (::close(fd) != 0 && s.ok()) s = Status::Permanent(Errno());
  if (s.ok()) {
    int rc = replace ? ::rename(tmp.c_str(), path.c_str()) : ::link(tmp.c_str(), path.c_str());
    if (rc != 0) {
      s = errno == EEXIST ? Status::Invalid(path + " already exists")
                          : Status::Permanent("cannot write " + path + ": " + Errno());
    }
  } else {
    s = Status::Permanent("cannot write " + tmp + ": " + s.message());
  }
  ::unlink(tmp.c_str());  // after link() the key stays under its own name
  if (s.ok()) SyncDir(dir);
  return s;
}

// Writes the enabled marker (0600) in one step, as StoreKey does.
Status WriteMarker(const std::string& path) {
  const std::string tmp = path + "." + std::to_string(::getpid()) + "." + std::to_string(::gettid()) + ".tmp";
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

bool Exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

// The names in `dir` (not starting with '.') that end in `suffix`, without it, sorted.
std::vector<std::string> NamesEndingIn(const std::string& dir, std::string_view suffix) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (struct dirent* e = ::readdir(d)) {
      std::string_view name = e->d_name;
      if (name.empty() || name[0] == '.') continue;
      if (suffix.empty()) {
        out.emplace_back(name);
      } else if (name.size() > suffix.size() && name.ends_with(suffix)) {
        out.emplace_back(name.substr(0, name.size() - suffix.size()));
      }
    }
    ::closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::pair<std::string, std::string>> ValidNames(std::string_view domain,
                                                       std::string_view selector) {
  auto d = ValidDkimName(domain, "domain");
  if (!d.ok()) return d.status();
  auto s = ValidDkimName(selector, "selector");
  if (!s.ok()) return s.status();
  return std::pair{*d, *s};
}

std::string KeyTypeName(const auth::PrivateKey& key) {
  return key.type() == auth::KeyType::kEd25519 ? "ed25519" : "rsa";
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

std::string DkimKeyPath(const std::string& data_dir, std::string_view domain,
                        std::string_view selector) {
  return data_dir + "/dkim/" + std::string(domain) + "/" + std::string(selector) + ".pem";
}

std::string DkimEnabledPath(const std::string& data_dir, std::string_view domain,
                            std::string_view selector) {
  return data_dir + "/dkim/" + std::string(domain) + "/" + std::string(selector) + ".enabled";
}

std::string DkimRecordName(std::string_view domain, std::string_view selector) {
  return std::string(selector) + "._domainkey." + std::string(domain);
}

std::string DkimTxtRecordLine(std::string_view domain, std::string_view selector,
                              std::string_view txt) {
  std::string out = DkimRecordName(domain, selector) + " IN TXT";
  // TXT character-strings hold at most 255 bytes; resolvers join them again.
  for (size_t i = 0; i < txt.size(); i += 255) {
    out += " \"" + std::string(txt.substr(i, 255)) + "\"";
  }
  return out;
}

Result<auth::SigningKey> LoadSigningKey(const std::string& data_dir, std::string domain,
                                        std::string selector) {
  auto names = ValidNames(domain, selector);
  if (!names.ok()) return names.status();
  const auto& [d, s] = *names;
  const std::string path = DkimKeyPath(data_dir, d, s);
  auto pem = ReadKeyFile(path);
  if (!pem.ok()) {
    if (pem.status().kind() == ErrorKind::kNotFound) {
      return Status::NotFound("no DKIM key for " + d + " selector " + s + " (" + path +
                              "); make one with: postdesk dkim keygen --domain " + d +
                              " --selector " + s);
    }
    return pem.status();
  }
  auto key = auth::PrivateKey::FromPem(*pem);
  if (!key.ok()) return Status::Invalid(path + " is not a usable key: " + key.status().message());
  auth::SigningKey out;
  out.domain = d;
  out.selector = s;
  out.algorithm = (*key)->type() == auth::KeyType::kEd25519 ? auth::DkimAlgorithm::kEd25519Sha256
                                                            : auth::DkimAlgorithm::kRsaSha256;
  out.private_key_pem = std::move(*pem);
  return out;
}

std::vector<StoredKey> ListKeys(const std::string& data_dir, std::string_view domain) {
  std::vector<StoredKey> out;
  const std::string root = data_dir + "/dkim";
  std::vector<std::string> domains;
  if (domain.empty()) {
    domains = NamesEndingIn(root, "");
  } else {
    domains.emplace_back(domain);
  }
  for (const std::string& d : domains) {
    if (!ValidDkimName(d, "domain").ok() || d != ToLower(d)) continue;
    const std::string dir = root + "/" + d;
    for (const std::string& sel : NamesEndingIn(dir, ".pem")) {
      if (!ValidDkimName(sel, "selector").ok() || sel != ToLower(sel)) continue;
      auto pem = ReadKeyFile(dir + "/" + sel + ".pem");
      if (!pem.ok()) continue;
      auto key = auth::PrivateKey::FromPem(*pem);
      if (!key.ok()) continue;
      StoredKey k;
      k.domain = d;
      k.selector = sel;
      k.algorithm = KeyTypeName(**key);
      k.public_key_base64 = (*key)->PublicKeyBase64();
      k.txt = "v=DKIM1; k=" + k.algorithm + "; p=" + k.public_key_base64;
      k.enabled = Exists(DkimEnabledPath(data_dir, d, sel));
      out.push_back(std::move(k));
    }
  }
  return out;
}

bool KeyExists(const std::string& data_dir, std::string_view domain, std::string_view selector) {
  return Exists(DkimKeyPath(data_dir, domain, selector));
}

Result<NewKey> GenerateKey(const std::string& data_dir, std::string domain, std::string selector,
                           std::string algorithm, bool replace) {
  auto names = ValidNames(domain, selector);
  if (!names.ok()) return names.status();
  const auto& [d, s] = *names;
  std::optional<auth::DkimAlgorithm> parsed = ParseDkimAlgorithm(algorithm);
  if (!parsed) {
    return Status::Invalid("unknown algorithm '" + SanitizeUtf8(algorithm) +
                           "' (use rsa or ed25519)");
  }
  const auth::DkimAlgorithm alg = *parsed;
  NewKey out;
  out.path = DkimKeyPath(data_dir, d, s);
  out.replaced = Exists(out.path);
  if (out.replaced && !replace) {
    return Status::Invalid(out.path + " already exists; replacing it stops mail signed with "
                                      "the old key from verifying once its DNS record changes");
  }
  const std::string dir = data_dir + "/dkim/" + d;
  for (const std::string& p : {data_dir, data_dir + "/dkim", dir}) {
    if (Status st = MakeDir(p); !st.ok()) return st;
  }
  auto key = auth::GenerateKey(alg);
  if (!key.ok()) return key.status();
  // A replaced key is a new key whose record is not published yet: signing
  // stops before it is in place.
  if (replace) {
    auto was_enabled = RemoveMarker(DkimEnabledPath(data_dir, d, s));
    if (!was_enabled.ok()) return was_enabled.status();
    out.was_enabled = *was_enabled;
  }
  if (Status st = StoreKey(dir, out.path, key->private_key_pem, replace); !st.ok()) return st;
  out.key.domain = d;
  out.key.selector = s;
  out.key.algorithm = alg == auth::DkimAlgorithm::kEd25519Sha256 ? "ed25519" : "rsa";
  out.key.txt = key->dns_txt;
  out.key.public_key_base64 = key->dns_txt.substr(key->dns_txt.find("p=") + 2);
  return out;
}

Status EnableKey(const std::string& data_dir, std::string domain, std::string selector) {
  auto key = LoadSigningKey(data_dir, std::move(domain), std::move(selector));
  if (!key.ok()) return key.status();
  return WriteMarker(DkimEnabledPath(data_dir, key->domain, key->selector));
}

Result<bool> DisableKey(const std::string& data_dir, std::string domain, std::string selector) {
  auto names = ValidNames(domain, selector);
  if (!names.ok()) return names.status();
  return RemoveMarker(DkimEnabledPath(data_dir, names->first, names->second));
}

std::vector<auth::SigningKey> LoadEnabledSigningKeys(const std::string& data_dir,
                                                     std::vector<std::string>* errors) {
  std::vector<auth::SigningKey> out;
  const std::string root = data_dir + "/dkim";
  for (const std::string& domain : NamesEndingIn(root, "")) {
    if (!ValidDkimName(domain, "domain").ok()) continue;
    std::vector<std::string> enabled = NamesEndingIn(root + "/" + domain, ".enabled");
    if (enabled.empty()) continue;
    auto postdesk = std::find(enabled.begin(), enabled.end(), "postdesk");
    const std::string selector = postdesk != enabled.end() ? *postdesk : enabled.front();
    auto key = LoadSigningKey(data_dir, domain, selector);
    if (key.ok()) {
      out.push_back(std::move(*key));
    } else if (errors != nullptr) {
      errors->push_back(key.status().message());
    }
  }
  return out;
}

std::string FromDomainOfOurMessage(std::string_view message) {
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

std::optional<auth::DkimAlgorithm> ParseDkimAlgorithm(std::string_view name) {
  const std::string a = ToLower(name);
  if (a == "rsa" || a == "rsa-sha256") return auth::DkimAlgorithm::kRsaSha256;
  if (a == "ed25519" || a == "ed25519-sha256") return auth::DkimAlgorithm::kEd25519Sha256;
  return std::nullopt;
}

bool DkimSigner::Reload(std::vector<std::string>* errors) {
  std::lock_guard reload(reload_mu_);
  auto next = std::make_shared<Keys>();
  for (auth::SigningKey& k : LoadEnabledSigningKeys(data_dir_, errors)) {
    next->emplace(k.domain, std::move(k));
  }
  std::lock_guard lock(mu_);
  auto same = [](const Keys& a, const Keys& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
      return x.first == y.first && x.second.selector == y.second.selector &&
             x.second.private_key_pem == y.second.private_key_pem;
    });
  };
  if (same(*keys_, *next)) return false;
  keys_ = std::move(next);
  return true;
}

std::string DkimSigner::Sign(const std::string& message) const {
  std::shared_ptr<const Keys> keys;
  {
    std::lock_guard lock(mu_);
    keys = keys_;
  }
  auto it = keys->find(FromDomainOfOurMessage(message));
  if (it == keys->end()) return "";
  auto header = auth::SignDkim(message, it->second, {}, static_cast<int64_t>(std::time(nullptr)));
  if (!header.ok()) {
    spdlog::error("DKIM signing for {} failed, sending unsigned: {}", it->first,
                  header.status().message());
    return "";
  }
  return *header;
}

std::vector<std::pair<std::string, std::string>> DkimSigner::Signing() const {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [domain, key] : *keys_) out.emplace_back(domain, key.selector);
  return out;
}

}  // namespace postdesk::channel
