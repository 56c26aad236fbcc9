// `postdesk dkim keygen` and `postdesk dkim sign`: the help desk's own DKIM
// keys. keygen makes a key pair, keeps the private key under
// DATA_DIR/dkim/<domain>/<selector>.pem (file 0600, directories 0700) and
// prints the TXT record the admin publishes; sign signs one message with a
// stored key, for trying a key out (the outbound path uses LoadSigningKey).
//
// Input trust: the domain and selector come from the command line or
// configuration and become path components, so they are lower-cased and must
// match [a-z0-9.-] (no empty label, no leading '-' or '.') before any path is
// built; the message to sign is untrusted and bounded by max_message_bytes;
// the key files are trusted once read. Exit statuses are sysexits.h codes.
// Thread-safety: LoadSigningKey is reentrant; the commands are for main().
#pragma once

#include <string>

#include "auth/dkim.h"
#include "common/config.h"
#include "common/status.h"

namespace postdesk::app {

inline constexpr int kExitUsage = 64;       // bad domain, selector or algorithm
inline constexpr int kExitNoInput = 66;     // the message file cannot be read
inline constexpr int kExitCantCreate = 73;  // the key file exists (no --force) or cannot be written
inline constexpr int kExitIoErr = 74;       // writing the output failed

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

// `algorithm`: "rsa" (2048 bits) or "ed25519". Exit 0 after storing the key
// and printing the record on stdout; kExitCantCreate when a key is already
// stored and `force` is false.
int DkimKeygen(const Config& config, std::string domain, std::string selector = "postdesk",
               std::string algorithm = "rsa", bool force = false);

// Signs the message in `file` ("-": stdin) and prints it, DKIM-Signature
// first, on stdout. 78 when the key is missing, 66 when the file is.
int DkimSign(const Config& config, std::string domain, std::string selector, std::string file);

}  // namespace postdesk::app
