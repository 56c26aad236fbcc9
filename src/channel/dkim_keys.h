// channel/dkim_keys: the help desk's own DKIM keys, kept under
// DATA_DIR/dkim/<domain>/<selector>.pem (file 0600, directories 0700), and
// the signer serve's outbound queue uses. The CLI (`postdesk dkim`) and the
// API (api/dkim_api, the Email page) both go through here.
//
// A new key does not sign yet: signing a domain whose record is missing
// makes every receiver fail our signatures (and DMARC p=reject then rejects
// the mail), so the callers look the record up first (doctor's
// DkimKeyPublished) and only then EnableKey, which writes the marker
// <selector>.enabled beside the key. Replacing a key switches it off again.
// DkimSigner signs mail From a domain with that domain's enabled key and
// reloads the keys when told (serve: every 10 s and after an API change).
//
// Input trust: the domain and selector come from people and HTTP clients and
// become path components, so they are lower-cased and must match [a-z0-9.-]
// (no empty label, no leading or trailing '-') before any path is built; key
// files are ours once read (bounded to 64 KB).
// Thread-safety: the functions are reentrant; DkimSigner is thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/dkim.h"
#include "common/status.h"

namespace postdesk::channel {

// Lower-cases `name` and checks it may be used as a DKIM domain or selector
// and as a path component. Invalid with the reason otherwise.
Result<std::string> ValidDkimName(std::string_view name, std::string_view what);

// DATA_DIR/dkim/<domain>/<selector>.pem and .enabled (names already validated).
std::string DkimKeyPath(const std::string& data_dir, std::string_view domain,
                        std::string_view selector);
std::string DkimEnabledPath(const std::string& data_dir, std::string_view domain,
                            std::string_view selector);

// The record's owner name, `<selector>._domainkey.<domain>`.
std::string DkimRecordName(std::string_view domain, std::string_view selector);
// The zone-file line for a key record, the value split into quoted strings of
// at most 255 bytes: `sel._domainkey.example.com IN TXT "v=DKIM1; k=rsa; p=..." "..."`.
std::string DkimTxtRecordLine(std::string_view domain, std::string_view selector,
                              std::string_view txt);

// Reads the stored key of `domain`/`selector`. NotFound when there is none,
// Invalid for a bad name or a key file that does not parse.
Result<auth::SigningKey> LoadSigningKey(const std::string& data_dir, std::string domain,
                                        std::string selector);

// One stored key as the Email page shows it.
struct StoredKey {
  std::string domain;
  std::string selector;
  std::string algorithm;  // "rsa" | "ed25519"
  std::string public_key_base64;
  std::string txt;        // the TXT value to publish: v=DKIM1; k=...; p=...
  bool enabled = false;   // serve signs with it
};
// Every key that parses under DATA_DIR/dkim (of `domain` only when given),
// by domain then selector.
std::vector<StoredKey> ListKeys(const std::string& data_dir, std::string_view domain = {});

struct NewKey {
  StoredKey key;
  std::string path;          // where the private key is kept
  bool replaced = false;     // an earlier key of that selector was replaced
  bool was_enabled = false;  // ... and it was signing (now switched off)
};
// "rsa" / "rsa-sha256" or "ed25519" / "ed25519-sha256" (any case); nullopt otherwise.
std::optional<auth::DkimAlgorithm> ParseDkimAlgorithm(std::string_view name);

// Makes a key pair ("rsa": 2048 bits, or "ed25519") and stores it. Invalid for
// a bad name or algorithm, or when a key is stored and `replace` is false
// (callers that answer differently for that ask KeyExists first). A
// replaced key is switched off before the new one is in place, so no reload
// ever signs with a key whose record is not published.
Result<NewKey> GenerateKey(const std::string& data_dir, std::string domain, std::string selector,
                           std::string algorithm = "rsa", bool replace = false);
// True when a key of that name is stored (names validated by the caller).
bool KeyExists(const std::string& data_dir, std::string_view domain, std::string_view selector);

// Writes / removes the marker. EnableKey needs the key to exist (NotFound).
// DisableKey says whether it was enabled.
Status EnableKey(const std::string& data_dir, std::string domain, std::string selector);
Result<bool> DisableKey(const std::string& data_dir, std::string domain, std::string selector);

// Every enabled key under DATA_DIR/dkim, one per domain (selector "postdesk"
// when it is enabled, else the first enabled by name). Keys that cannot be
// loaded are skipped and described in `errors`.
std::vector<auth::SigningKey> LoadEnabledSigningKeys(const std::string& data_dir,
                                                     std::vector<std::string>* errors);

// The domain of the first address of a message's From field ("" when none).
// For our own messages (built by outbound/compose): a plain scan.
std::string FromDomainOfOurMessage(std::string_view message);

// The outbound queue's signer: the DKIM-Signature field for a message, made
// with the enabled key of its From domain, or "" (unsigned) when there is none.
class DkimSigner {
 public:
  explicit DkimSigner(std::string data_dir) : data_dir_(std::move(data_dir)) {}
  // Reads the enabled keys again; true when they changed. Errors (keys that
  // cannot be loaded) are described in `errors`.
  bool Reload(std::vector<std::string>* errors = nullptr);
  std::string Sign(const std::string& message) const;
  // The domains and selectors signing now: {"example.com", "postdesk"}.
  std::vector<std::pair<std::string, std::string>> Signing() const;

 private:
  using Keys = std::map<std::string, auth::SigningKey>;  // by domain
  std::string data_dir_;
  std::mutex reload_mu_;  // one reload at a time: its read and its swap together
  mutable std::mutex mu_;
  std::shared_ptr<const Keys> keys_ = std::make_shared<const Keys>();  // guarded by mu_
};

}  // namespace postdesk::channel
