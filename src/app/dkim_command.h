// `postdesk dkim keygen|enable|disable|sign`: the help desk's own DKIM keys.
// keygen makes a key pair, keeps the private key under
// DATA_DIR/dkim/<domain>/<selector>.pem (file 0600, directories 0700) and
// prints the TXT record the admin publishes. A new key does not sign yet:
// signing a domain whose record is missing makes every receiver fail our
// signatures (and DMARC p=reject then rejects the mail), so `dkim enable`
// first looks the record up (channel/domain_checks) and refuses while it is
// missing or different (--force overrides), then writes the marker
// <selector>.enabled beside the key. `serve` signs mail From a domain with
// that domain's enabled key (LoadEnabledSigningKeys, MakeDkimSigner); keygen
// --force replaces a key and switches it off again. sign signs one message
// with a stored key, for trying a key out.
//
// Input trust: the domain and selector come from the command line or
// configuration and become path components, so they are lower-cased and must
// match [a-z0-9.-] (no empty label, no leading '-' or '.') before any path is
// built; the message to sign is untrusted and bounded by max_message_bytes;
// the key files are trusted once read. Exit statuses are sysexits.h codes.
// Thread-safety: LoadSigningKey is reentrant; the commands are for main().
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "auth/dkim.h"
#include "common/config.h"
#include "common/status.h"

namespace postdesk::app {

inline constexpr int kExitUsage = 64;       // bad domain, selector or algorithm
inline constexpr int kExitNoInput = 66;     // the message file cannot be read
inline constexpr int kExitCantCreate = 73;  // the key file exists (no --force) or cannot be written
inline constexpr int kExitIoErr = 74;       // writing the output failed
inline constexpr int kExitUnavailable = 69;  // dkim enable: the record is not published (yet)

// Lower-cases `name` and checks it may be used as a DKIM domain or selector
// and as a path component. Invalid with the reason otherwise.
Result<std::string> ValidDkimName(std::string_view name, std::string_view what);

// DATA_DIR/dkim/<domain>/<selector>.pem (names already validated).
std::string DkimKeyPath(const Config& config, std::string_view domain, std::string_view selector);

// The zone-file line for a key record, the value split into quoted strings of
// at most 255 bytes: `sel._domainkey.example.com IN TXT "v=DKIM1; k=rsa; p=..." "..."`.
std::string DkimTxtRecordLine(std::string_view domain, std::string_view selector,
                              std::string_view txt);

// Reads the stored key of `domain`/`selector`. NotFound when there is none,
// Invalid for a bad name or a key file that does not parse.
Result<auth::SigningKey> LoadSigningKey(const Config& config, std::string domain,
                                        std::string selector);

// DATA_DIR/dkim/<domain>/<selector>.enabled: present while serve signs with the key.
std::string DkimEnabledPath(const Config& config, std::string_view domain,
                            std::string_view selector);

// `algorithm`: "rsa" (2048 bits) or "ed25519". Exit 0 after storing the key
// and printing the record on stdout; kExitCantCreate when a key is already
// stored and `force` is false.
int DkimKeygen(const Config& config, std::string domain, std::string selector = "postdesk",
               std::string algorithm = "rsa", bool force = false);

// Switches signing on for `domain` with `selector` once its DNS record
// (looked up through config.dns) publishes our key. Exit 0 when enabled;
// kExitUnavailable when the record is missing or holds another key, 75 when
// the lookup failed temporarily (both unless `force`); 78 without a key.
int DkimEnable(const Config& config, std::string domain, std::string selector, bool force);
// Switches signing off (removes the marker). 0 also when it was off.
int DkimDisable(const Config& config, std::string domain, std::string selector);

// Every enabled key under DATA_DIR/dkim, one per domain (selector "postdesk"
// when it is enabled, else the first enabled by name). Keys that cannot be
// loaded are skipped and described in `errors`.
std::vector<auth::SigningKey> LoadEnabledSigningKeys(const Config& config,
                                                     std::vector<std::string>* errors);

// The outbound queue's signer: the DKIM-Signature field for a message, made
// with the key of its From domain, or "" (unsigned) when there is none.
std::function<std::string(const std::string&)> MakeDkimSigner(std::vector<auth::SigningKey> keys);

// Signs the message in `file` ("-": stdin) and prints it, DKIM-Signature
// first, on stdout. 78 when the key is missing, 66 when the file is.
int DkimSign(const Config& config, std::string domain, std::string selector, std::string file);

}  // namespace postdesk::app
