// `postdesk dkim keygen|enable|disable|sign`: the help desk's own DKIM keys
// from the command line (the Email page does the same through api/dkim_api;
// both over channel/dkim_keys). keygen makes a key pair, stores it and prints
// the TXT record the admin publishes; a new key does not sign yet. enable
// first looks the record up (doctor's DkimKeyPublished) and refuses while it
// is missing or different (--force overrides), then switches signing on; a
// running serve picks the change up within 10 seconds. keygen --force
// replaces a key and switches it off again. sign signs one message with a
// stored key, for trying a key out.
//
// Input trust: the domain and selector are validated as channel/dkim_keys
// says; the message to sign is untrusted and bounded by max_message_bytes.
// Exit statuses are sysexits.h codes.
// Thread-safety: the commands are for main().
#pragma once

#include <string>
#include <vector>

#include "common/config.h"
#include "common/status.h"

namespace postdesk::app {

inline constexpr int kExitUsage = 64;       // bad domain, selector or algorithm
inline constexpr int kExitNoInput = 66;     // the message file cannot be read
inline constexpr int kExitCantCreate = 73;  // the key file exists (no --force) or cannot be written
inline constexpr int kExitIoErr = 74;       // writing the output failed
inline constexpr int kExitUnavailable = 69;  // dkim enable: the record is not published (yet)

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

// Signs the message in `file` ("-": stdin) and prints it, DKIM-Signature
// first, on stdout. 78 when the key is missing, 66 when the file is.
int DkimSign(const Config& config, std::string domain, std::string selector, std::string file);

}  // namespace postdesk::app
