#include "app/spam_command.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "app/bootstrap.h"
#include "app/commands.h"
#include "app/dkim_command.h"
#include "common/strings.h"
#include "mime/message.h"
#include "spam/filter.h"

namespace postdesk::app {
namespace {

constexpr size_t kLearnBatch = 200;  // messages per transaction
constexpr int kExitIoErr = 74;

void Complain(const std::string& text) {
  std::fprintf(stderr, "postdesk spam %s\n", SanitizeUtf8(text).c_str());
}

Status CannotRead(const std::string& path) {
  std::string why = std::strerror(errno);
  if (errno == ENOENT) return Status::NotFound("cannot read " + path + ": " + why);
  return Status::Permanent("cannot read " + path + ": " + why);
}

// Reads a whole single-message file; Invalid past `max_bytes`.
Result<std::string> ReadMessageFile(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return CannotRead(path);
  std::string raw;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    raw.append(buf, static_cast<size_t>(in.gcount()));
    if (raw.size() > max_bytes) {
      return Status::Invalid(path + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  if (in.bad()) return CannotRead(path);
  return raw;
}

bool IsDirectory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The message files of a maildir: cur/ then new/, each sorted by name,
// skipping dot files.
Result<std::vector<std::string>> MaildirFiles(const std::string& dir) {
  std::vector<std::string> files;
  bool maildir = false;
  for (const char* sub : {"cur", "new"}) {
    std::string d = dir + "/" + sub;
    if (!IsDirectory(d)) continue;
    maildir = true;
    DIR* h = ::opendir(d.c_str());
    if (!h) return CannotRead(d);
    std::vector<std::string> names;
    while (dirent* e = ::readdir(h)) {
      if (e->d_name[0] == '.') continue;
      names.emplace_back(e->d_name);
    }
    ::closedir(h);
    std::sort(names.begin(), names.end());
    for (const auto& n : names) files.push_back(d + "/" + n);
  }
  if (!maildir) {
    return Status::Invalid(dir + " is a directory but not a maildir (it has no cur/ or new/)");
  }
  return files;
}

int ExitForStore(const Status& s) { return s.temporary() ? kExitTempFail : kExitIoErr; }

}  // namespace

Status ForEachMessage(const std::string& path, size_t max_bytes,
                      const std::function<Status(const std::string& label, std::string raw)>& fn,
                      const std::function<void(const std::string& label)>& oversized) {
  if (IsDirectory(path)) {
    auto files = MaildirFiles(path);
    if (!files.ok()) return files.status();
    for (const std::string& f : *files) {
      auto raw = ReadMessageFile(f, max_bytes);
      if (!raw.ok()) {
        if (raw.status().kind() != ErrorKind::kInvalid) return raw.status();
        oversized(f);
        continue;
      }
      if (Status s = fn(f, std::move(*raw)); !s.ok()) return s;
    }
    return Status::Ok();
  }

  std::ifstream in(path, std::ios::binary);
  if (!in) return CannotRead(path);
  std::string line;
  if (!std::getline(in, line)) {
    if (in.bad()) return CannotRead(path);
    return fn(path, "");  // an empty file: one empty message
  }
  if (line.rfind("From ", 0) != 0) {
    // One message: the line already read, then the rest.
    in.close();
    auto raw = ReadMessageFile(path, max_bytes);
    if (!raw.ok()) {
      if (raw.status().kind() != ErrorKind::kInvalid) return raw.status();
      oversized(path);
      return Status::Ok();
    }
    return fn(path, std::move(*raw));
  }

  // An mbox: every line starting "From " begins a message; a body line that
  // began so was written as ">From " (mboxrd: any number of '>'), and loses
  // one '>' here.
  size_t index = 0;
  std::string message;
  bool too_big = false;
  auto flush = [&]() -> Status {
    if (index == 0) return Status::Ok();
    std::string label = path + ":" + std::to_string(index);
    if (too_big) {
      oversized(label);
      return Status::Ok();
    }
    return fn(label, std::move(message));
  };
  do {
    if (line.rfind("From ", 0) == 0) {
      if (Status s = flush(); !s.ok()) return s;
      ++index;
      message.clear();
      too_big = false;
      continue;
    }
    if (too_big) continue;
    size_t gt = line.find_first_not_of('>');
    if (gt != std::string::npos && gt > 0 && line.compare(gt, 5, "From ") == 0) line.erase(0, 1);
    message += line;
    message += '\n';
    if (message.size() > max_bytes) {
      too_big = true;
      message.clear();
    }
  } while (std::getline(in, line));
  if (in.bad()) return CannotRead(path);
  return flush();
}

int SpamLearn(const Config& config, const SpamArgs& args) {
  if (args.spam == args.ham) {
    Complain("learn: give exactly one of --spam or --ham");
    return kExitUsage;
  }
  if (args.files.empty()) {
    Complain("learn: no input files");
    return kExitUsage;
  }
  auto store = OpenStore(config);
  if (!store.ok()) {
    Complain("learn: " + store.status().message());
    return store.status().kind() == ErrorKind::kInvalid ? kExitUsage : kExitTempFail;
  }
  mime::InitMime();
  spam::Filter filter;  // learning needs only the store, not the loaded model
  const bool as_spam = args.spam;
  int64_t learned = 0, known = 0;
  int exit_code = kExitOk;
  Status store_failure;

  std::vector<std::string> labels, raws;
  // One transaction per batch; the filter sums the batch's counts per feature.
  auto learn_pending = [&]() -> Status {
    if (raws.empty()) return Status::Ok();
    std::vector<mime::Message> messages;
    messages.reserve(raws.size());
    for (const std::string& raw : raws) messages.push_back(mime::Parse(raw));
    size_t changed = 0;
    Status s = (*store)->Write([&](store::Tx& tx) -> Status {
      auto r = filter.LearnMany(tx, messages, as_spam);
      if (!r.ok()) return r.status();
      changed = *r;
      return Status::Ok();
    });
    if (!s.ok()) {
      Complain("learn: " + labels.front() + (labels.size() > 1 ? " .. " + labels.back() : "") +
               ": " + s.message());
      return s;
    }
    learned += static_cast<int64_t>(changed);
    known += static_cast<int64_t>(raws.size() - changed);
    labels.clear();
    raws.clear();
    return Status::Ok();
  };

  for (const std::string& file : args.files) {
    Status s = ForEachMessage(
        file, config.max_message_bytes,
        [&](const std::string& label, std::string raw) -> Status {
          labels.push_back(label);
          raws.push_back(std::move(raw));
          if (raws.size() < kLearnBatch) return Status::Ok();
          store_failure = learn_pending();
          return store_failure;
        },
        [&](const std::string& label) {
          Complain("learn: " + label + ": larger than " + std::to_string(config.max_message_bytes) +
                   " bytes, not learned");
          if (exit_code == kExitOk) exit_code = kExitDataErr;
        });
    if (!store_failure.ok()) break;  // already reported
    if (!s.ok()) {
      Complain("learn: " + s.message());
      exit_code = kExitNoInput;
    }
  }
  if (store_failure.ok()) {
    if (Status s = learn_pending(); !s.ok()) store_failure = s;
  }
  if (!store_failure.ok()) return ExitForStore(store_failure);

  std::pair<int64_t, int64_t> totals{0, 0};
  Status s = (*store)->Read([&](store::Tx& tx) {
    auto t = tx.CountSpamLearned();
    if (!t.ok()) return t.status();
    totals = *t;
    return Status::Ok();
  });
  if (!s.ok()) {
    Complain("learn: " + s.message());
    return ExitForStore(s);
  }
  std::printf(
      "learned %lld message%s as %s (%lld already learned so); the filter knows %lld spam "
      "and %lld ham\n",
      static_cast<long long>(learned), learned == 1 ? "" : "s", as_spam ? "spam" : "ham",
      static_cast<long long>(known), static_cast<long long>(totals.first),
      static_cast<long long>(totals.second));
  return exit_code;
}

int SpamCheck(const Config& config, const SpamArgs& args) {
  if (args.spam || args.ham) {
    Complain("check: --spam and --ham are for learn");
    return kExitUsage;
  }
  if (args.files.empty()) {
    Complain("check: no input files");
    return kExitUsage;
  }
  auto store = OpenStore(config);
  if (!store.ok()) {
    Complain("check: " + store.status().message());
    return store.status().kind() == ErrorKind::kInvalid ? kExitUsage : kExitTempFail;
  }
  mime::InitMime();
  spam::Filter filter(SpamOptionsOf(config));  // the verdicts serve would give
  Status loaded = (*store)->Read([&](store::Tx& tx) { return filter.Load(tx); });
  if (!loaded.ok()) {
    Complain("check: loading the model: " + loaded.message());
    return ExitForStore(loaded);
  }
  int exit_code = kExitOk;
  for (const std::string& file : args.files) {
    Status s = ForEachMessage(
        file, config.max_message_bytes,
        [&](const std::string& label, std::string raw) -> Status {
          spam::Verdict v = filter.Classify(raw);
          if (args.json) {
            nlohmann::json j = nlohmann::json::parse(v.ToJson());
            j["file"] = SanitizeUtf8(label);
            std::printf("%s\n", j.dump().c_str());
          } else {
            std::printf("%s %.4f %s\n", label.c_str(), v.score, v.decision.c_str());
          }
          return Status::Ok();
        },
        [&](const std::string& label) {
          Complain("check: " + label + ": larger than " + std::to_string(config.max_message_bytes) +
                   " bytes, not checked");
          if (exit_code == kExitOk) exit_code = kExitDataErr;
        });
    if (!s.ok()) {
      Complain("check: " + s.message());
      exit_code = kExitNoInput;
    }
  }
  std::fflush(stdout);
  return exit_code;
}

}  // namespace postdesk::app
