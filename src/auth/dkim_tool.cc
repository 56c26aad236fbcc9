// dkim_tool: a test executable over the DKIM and ARC library, for the
// black-box interop tests (tests/test_dkim_interop.py). Keys come from files
// instead of DNS. Not installed; not part of postdesk.
//
//   dkim_tool verify --key-file DOMAIN:SELECTOR:FILE... [--now UNIX] < message
//       one line per signature: dkim=STATUS reason="..." d=... s=... a=... ...
//       exit 0 when at least one signature passes, 1 otherwise
//   dkim_tool arc --key-file DOMAIN:SELECTOR:FILE... < message
//       arc=STATUS reason="..." i=N oldest-pass=N sealers=d1,d2
//   dkim_tool sign --domain D --selector S --key PEMFILE [--algorithm rsa|ed25519 (default: the
//   key's)]
//                  [--headers from:to:...] [--now UNIX] < message
//       prints the signed message
//   dkim_tool keygen --algorithm rsa|ed25519 [--private-out FILE]
//       prints the DNS TXT value; the private key PEM goes to FILE (or first to stdout)
//
// A key FILE holds the TXT record value, or a zone-file line as
// opendkim-genkey writes it (the quoted strings are joined).
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "auth/arc.h"
#include "auth/dkim.h"
#include "auth/dkim_crypto.h"
#include "auth/dkim_test_resolver.h"

namespace {

using postdesk::auth::testing::RunSync;
using postdesk::auth::testing::TxtResolver;

int Usage() {
  std::cerr << "usage: dkim_tool verify|arc --key-file DOMAIN:SELECTOR:FILE... < msg\n"
               "       dkim_tool sign --domain D --selector S --key PEM [--algorithm rsa|ed25519]"
               " [--headers a:b] [--now T] < msg\n"
               "       dkim_tool keygen --algorithm rsa|ed25519 [--private-out FILE]\n";
  return 2;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

std::string ReadStdin() {
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

// The TXT value from a file: either the bare value or zone-file syntax.
std::string TxtFromFile(const std::string& text) {
  if (text.find('"') == std::string::npos) {
    std::string out = text;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
  }
  std::string out;
  bool in_quote = false;
  for (char c : text) {
    if (c == '"') {
      in_quote = !in_quote;
    } else if (in_quote) {
      out.push_back(c);
    }
  }
  return out;
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

struct Args {
  std::vector<std::string> key_files;
  std::string domain, selector, key, algorithm, headers, private_out;
  int64_t now = static_cast<int64_t>(std::time(nullptr));
};

bool ParseArgs(int argc, char** argv, Args* a) {
  for (int i = 2; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) return false;
    std::string v = argv[++i];
    if (flag == "--key-file") {
      a->key_files.push_back(v);
    } else if (flag == "--domain") {
      a->domain = v;
    } else if (flag == "--selector") {
      a->selector = v;
    } else if (flag == "--key") {
      a->key = v;
    } else if (flag == "--algorithm") {
      a->algorithm = v;
    } else if (flag == "--headers") {
      a->headers = v;
    } else if (flag == "--private-out") {
      a->private_out = v;
    } else if (flag == "--now") {
      a->now = std::stoll(v);
    } else {
      return false;
    }
  }
  return true;
}

bool LoadKeys(const Args& args, TxtResolver* resolver) {
  for (const auto& spec : args.key_files) {
    size_t c1 = spec.find(':');
    size_t c2 = c1 == std::string::npos ? c1 : spec.find(':', c1 + 1);
    if (c2 == std::string::npos) {
      std::cerr << "--key-file wants DOMAIN:SELECTOR:FILE, got " << spec << "\n";
      return false;
    }
    std::string text;
    if (!ReadFile(spec.substr(c2 + 1), &text)) {
      std::cerr << "cannot read " << spec.substr(c2 + 1) << "\n";
      return false;
    }
    resolver->Add(spec.substr(c1 + 1, c2 - c1 - 1) + "._domainkey." + spec.substr(0, c1),
                  TxtFromFile(text));
  }
  return true;
}

int Verify(const Args& args) {
  TxtResolver resolver;
  if (!LoadKeys(args, &resolver)) return 2;
  std::string msg = ReadStdin();
  auto results = RunSync(postdesk::auth::VerifyDkim(resolver, msg, args.now));
  if (results.empty()) std::cout << "dkim=none\n";
  bool any_pass = false;
  for (const auto& r : results) {
    any_pass |= r.pass();
    std::cout << "dkim=" << DkimStatusName(r.status)
              << " reason=" << Quote(postdesk::auth::DkimReasonName(r.reason)) << " d=" << r.domain
              << " s=" << r.selector << " a=" << r.algorithm << " bits=" << r.key_bits;
    if (r.body_length) std::cout << " l=" << *r.body_length;
    if (r.testing) std::cout << " testing";
    if (!r.detail.empty()) std::cout << " detail=" << Quote(r.detail);
    std::cout << "\n";
  }
  return any_pass ? 0 : 1;
}

int Arc(const Args& args) {
  TxtResolver resolver;
  if (!LoadKeys(args, &resolver)) return 2;
  std::string msg = ReadStdin();
  auto r = RunSync(postdesk::auth::VerifyArc(resolver, msg, args.now));
  std::string sealers;
  for (const auto& s : r.sets) sealers += (sealers.empty() ? "" : ",") + s.seal_domain;
  std::cout << "arc=" << ArcStatusName(r.status) << " reason=" << Quote(r.reason)
            << " i=" << r.instances << " oldest-pass=" << r.oldest_pass << " sealers=" << sealers
            << "\n";
  return r.status == postdesk::auth::ArcStatus::kPass ? 0 : 1;
}

int Sign(const Args& args) {
  postdesk::auth::SigningKey key;
  key.domain = args.domain;
  key.selector = args.selector;
  if (!ReadFile(args.key, &key.private_key_pem)) {
    std::cerr << "cannot read key " << args.key << "\n";
    return 2;
  }
  std::string alg = args.algorithm;
  if (alg.empty()) {  // follow the key
    auto parsed = postdesk::auth::PrivateKey::FromPem(key.private_key_pem);
    if (!parsed.ok()) {
      std::cerr << "sign: " << parsed.status().message() << "\n";
      return 1;
    }
    alg = (*parsed)->type() == postdesk::auth::KeyType::kEd25519 ? "ed25519" : "rsa";
  }
  if (alg == "ed25519" || alg == "ed25519-sha256") {
    key.algorithm = postdesk::auth::DkimAlgorithm::kEd25519Sha256;
  } else if (alg != "rsa" && alg != "rsa-sha256") {
    return Usage();
  }
  std::vector<std::string> headers;
  if (!args.headers.empty()) headers = postdesk::Split(args.headers, ':');
  std::string msg = ReadStdin();
  auto header = postdesk::auth::SignDkim(msg, key, headers, args.now);
  if (!header.ok()) {
    std::cerr << "sign: " << header.status().message() << "\n";
    return 1;
  }
  std::cout << *header << msg;
  return 0;
}

int Keygen(const Args& args) {
  auto alg = args.algorithm == "ed25519" ? postdesk::auth::DkimAlgorithm::kEd25519Sha256
                                         : postdesk::auth::DkimAlgorithm::kRsaSha256;
  if (args.algorithm != "ed25519" && args.algorithm != "rsa") return Usage();
  auto key = postdesk::auth::GenerateKey(alg);
  if (!key.ok()) {
    std::cerr << "keygen: " << key.status().message() << "\n";
    return 1;
  }
  if (args.private_out.empty()) {
    std::cout << key->private_key_pem;
  } else {
    std::ofstream out(args.private_out, std::ios::binary);
    out << key->private_key_pem;
    if (!out) return 1;
  }
  std::cout << key->dns_txt << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  Args args;
  if (!ParseArgs(argc, argv, &args)) return Usage();
  std::string cmd = argv[1];
  if (cmd == "verify") return Verify(args);
  if (cmd == "arc") return Arc(args);
  if (cmd == "sign") return Sign(args);
  if (cmd == "keygen") return Keygen(args);
  return Usage();
}
