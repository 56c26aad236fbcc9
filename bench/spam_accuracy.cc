// spam_accuracy: the spam filter's accuracy and speed on the SpamAssassin
// public corpus, against bogofilter on exactly the same split in the same run.
//
//   spam_accuracy --corpus DIR [--split forward|reverse|both|dev] [--memory]
//                 [--bogofilter PATH|none] [--s X] [--x X] [--min-dev X]
//                 [--max-clues N] [--window N] [--min-count N] [--dependence X]
//                 [--all-clues] [--explain N] [--scores FILE]
//
// DIR holds the corpus folders spam-1, spam-2, easy-ham-1, easy-ham-2,
// hard-ham-1 with one raw message per .txt file. forward trains on spam-1 +
// easy-ham-1 and tests on spam-2 + easy-ham-2 + hard-ham-1; reverse swaps the
// two; dev cross-validates (2 folds) inside the forward training part only, so
// settings can be chosen without looking at any test part.
//
// Every message is copied once, without its mbox "From " line, into a
// temporary directory; both filters read those same files. postdesk learns
// through a real SQLite store (one transaction per 200 messages) and a fresh
// Filter is loaded from it before testing (--memory learns in memory only).
// bogofilter gets its own word list in a temporary directory (-d), learns with
// -s / -n and scores with -T in bulk mode (-B), one process for all test
// messages. Throughput is messages per CPU second on one core: ours reads,
// parses and classifies each file on one thread (thread CPU time); bogofilter's
// is its process's user + system time (wait4).
#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "mime/message.h"
#include "spam/filter.h"
#include "store/store.h"

namespace {

using postdesk::Status;
namespace spam = postdesk::spam;
namespace store = postdesk::store;

struct Sample {
  std::string path;  // the copy without the mbox From line
  bool spam = false;
};

struct Split {
  std::string name;
  std::string train_desc, test_desc;
  std::vector<Sample> train, test;
};

struct Scores {
  std::vector<double> spam, ham;
  std::vector<bool> spam_flag, ham_flag;  // the filter's own "spam" verdict
  double cpu_seconds = 0, wall_seconds = 0;
  double train_seconds = 0;
  // postdesk only: Classify of an already parsed message, as intake calls it
  // (the parse is intake's anyway).
  double filter_cpu_seconds = 0;
};

struct Metrics {
  double auc = 0;
  double recall = 0, fp = 0;  // at the filter's default threshold
  double recall_at_fp = 0;    // at <= max_fp false positives
  double threshold_at_fp = 0;
  size_t fp_allowed = 0;
};

[[noreturn]] void Die(const std::string& what) {
  std::cerr << "spam_accuracy: " << what << "\n";
  std::exit(1);
}

double Now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

double ThreadCpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The corpus keeps each message as an mbox entry; an MTA would hand us the
// message without the envelope line.
std::string WithoutFromLine(std::string raw) {
  if (raw.rfind("From ", 0) == 0) {
    size_t nl = raw.find('\n');
    raw.erase(0, nl == std::string::npos ? raw.size() : nl + 1);
  }
  return raw;
}

std::vector<std::string> ListTxt(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (!d) Die("cannot open " + dir + " (is --corpus the data folder of the corpus package?)");
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > 4 && n.compare(n.size() - 4, 4, ".txt") == 0) out.push_back(n);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// Copies one corpus folder into `work`, returning the samples.
std::vector<Sample> Prepare(const std::string& corpus, const std::string& group,
                            const std::string& work, bool spam) {
  std::string dst = work + "/" + group;
  std::filesystem::create_directories(dst);
  std::vector<Sample> out;
  for (const std::string& name : ListTxt(corpus + "/" + group)) {
    std::string raw = WithoutFromLine(ReadFile(corpus + "/" + group + "/" + name));
    std::string path = dst + "/" + name.substr(0, name.size() - 4) + ".eml";
    std::ofstream(path, std::ios::binary) << raw;
    out.push_back({path, spam});
  }
  return out;
}

void Append(std::vector<Sample>& to, const std::vector<Sample>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

// ------------------------------------------------------------------ metrics

Metrics Measure(const Scores& s, double max_fp_rate) {
  Metrics m;
  // ROC AUC = P(score(spam) > score(ham)) + P(equal) / 2 (Mann-Whitney U).
  std::vector<std::pair<double, int>> all;
  for (double x : s.spam) all.push_back({x, 1});
  for (double x : s.ham) all.push_back({x, 0});
  std::sort(all.begin(), all.end());
  double rank_sum = 0;
  for (size_t i = 0; i < all.size();) {
    size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    double avg_rank = (i + 1 + j) / 2.0;  // ranks i+1 .. j
    for (size_t k = i; k < j; ++k) {
      if (all[k].second == 1) rank_sum += avg_rank;
    }
    i = j;
  }
  double ns = s.spam.size(), nh = s.ham.size();
  m.auc = (rank_sum - ns * (ns + 1) / 2) / (ns * nh);

  size_t caught = std::count(s.spam_flag.begin(), s.spam_flag.end(), true);
  size_t false_pos = std::count(s.ham_flag.begin(), s.ham_flag.end(), true);
  m.recall = caught / ns;
  m.fp = false_pos / nh;

  // The best threshold with at most floor(rate * hams) hams at or above it:
  // spam must score strictly above the next ham.
  std::vector<double> ham = s.ham;
  std::sort(ham.rbegin(), ham.rend());
  m.fp_allowed = static_cast<size_t>(max_fp_rate * nh);
  double bar = m.fp_allowed < ham.size() ? ham[m.fp_allowed] : -1;
  m.threshold_at_fp = bar;
  m.recall_at_fp =
      std::count_if(s.spam.begin(), s.spam.end(), [&](double x) { return x > bar; }) / ns;
  return m;
}

void Report(const std::string& split, const std::string& who, const Split& sp, const Scores& s,
            const Metrics& m, const std::string& default_desc) {
  size_t n = sp.test.size();
  std::printf(
      "spam %s %s: auc %.4f | at %s: spam recall %.1f%%, ham fp %.2f%% | at <= 0.5%% fp (%zu of "
      "%zu ham): spam recall %.1f%% | classify %.0f msg/s per core (%.0f msg/s wall), learn %.1f "
      "s\n",
      split.c_str(), who.c_str(), m.auc, default_desc.c_str(), 100 * m.recall, 100 * m.fp,
      m.fp_allowed, s.ham.size(), 100 * m.recall_at_fp, n / s.cpu_seconds, n / s.wall_seconds,
      s.train_seconds);
  if (s.filter_cpu_seconds > 0) {
    std::printf(
        "spam %s %s: classify of a parsed message (as intake calls it): %.0f msg/s per core\n",
        split.c_str(), who.c_str(), n / s.filter_cpu_seconds);
  }
  std::fflush(stdout);
}

// ------------------------------------------------------------------ postdesk

struct Settings {
  spam::FilterOptions options;
  bool memory = false;
  size_t explain = 0;       // print the verdicts of the worst N hams and spams
  std::string scores_file;  // every test message's label, score and file
};

// The `n` highest-scoring hams and lowest-scoring spams, with their reasons.
void Explain(const spam::Filter& filter, const Split& split, size_t n) {
  std::vector<std::pair<double, const Sample*>> ham, spam;
  for (const Sample& x : split.test) {
    double score = filter.Classify(ReadFile(x.path)).score;
    (x.spam ? spam : ham).push_back({x.spam ? score : -score, &x});
  }
  for (auto* side : {&ham, &spam}) {
    std::sort(side->begin(), side->end());
    for (size_t i = 0; i < std::min(n, side->size()); ++i) {
      const Sample* x = (*side)[i].second;
      std::printf("explain %s %s %s\n", x->spam ? "spam" : "ham", x->path.c_str(),
                  filter.Classify(ReadFile(x->path)).ToJson().c_str());
    }
  }
}

Scores RunPostdesk(const Split& split, const Settings& settings, const std::string& work) {
  Scores s;
  spam::Filter trainer(settings.options);
  spam::Filter filter(settings.options);
  double t0 = Now();
  std::unique_ptr<store::Store> db;
  if (settings.memory) {
    for (const Sample& x : split.train) {
      filter.LearnInMemory(postdesk::mime::Parse(ReadFile(x.path)), x.spam);
    }
  } else {
    std::string path = work + "/postdesk-" + split.name + ".db";
    auto opened = store::OpenSqlite(path);
    if (!opened.ok()) Die("store: " + opened.status().message());
    db = std::move(*opened);
    // As `postdesk spam learn` does: one transaction per batch of messages.
    constexpr size_t kBatch = 200;
    for (size_t i = 0; i < split.train.size(); i += kBatch) {
      for (bool as_spam : {true, false}) {
        std::vector<postdesk::mime::Message> batch;
        for (size_t k = i; k < std::min(split.train.size(), i + kBatch); ++k) {
          if (split.train[k].spam == as_spam) {
            batch.push_back(postdesk::mime::Parse(ReadFile(split.train[k].path)));
          }
        }
        if (batch.empty()) continue;
        Status st = db->Write([&](store::Tx& tx) -> Status {
          auto r = trainer.LearnMany(tx, batch, as_spam);
          return r.ok() ? Status::Ok() : r.status();
        });
        if (!st.ok()) Die("learn: " + st.message());
      }
    }
    // Test with a filter loaded from the store, as the server would start.
    Status st = db->Read([&](store::Tx& tx) { return filter.Load(tx); });
    if (!st.ok()) Die("load: " + st.message());
  }
  s.train_seconds = Now() - t0;

  double wall = Now(), cpu = ThreadCpu();
  for (const Sample& x : split.test) {
    spam::Verdict v = filter.Classify(ReadFile(x.path));
    bool flagged = v.score >= settings.options.suspend_at;
    (x.spam ? s.spam : s.ham).push_back(v.score);
    (x.spam ? s.spam_flag : s.ham_flag).push_back(flagged);
  }
  s.cpu_seconds = ThreadCpu() - cpu;
  s.wall_seconds = Now() - wall;
  std::vector<postdesk::mime::Message> parsed;
  for (const Sample& x : split.test) parsed.push_back(postdesk::mime::Parse(ReadFile(x.path)));
  cpu = ThreadCpu();
  for (const auto& m : parsed) {
    spam::Verdict v = filter.Classify(m);
    if (v.score < 0) Die("negative score");  // keeps the call from being optimized out
  }
  s.filter_cpu_seconds = ThreadCpu() - cpu;
  if (settings.explain > 0) Explain(filter, split, settings.explain);
  if (!settings.scores_file.empty()) {
    std::ofstream out(settings.scores_file + "." + split.name);
    size_t is = 0, ih = 0;
    for (const Sample& x : split.test) {
      double score = x.spam ? s.spam[is++] : s.ham[ih++];
      out << (x.spam ? "spam " : "ham ") << std::setprecision(17) << score << " " << x.path << "\n";
    }
  }
  return s;
}

// ------------------------------------------------------------------ bogofilter

// Runs argv, returning its stdout; `usage` gets the child's resource usage.
std::string Run(const std::vector<std::string>& argv, rusage* usage = nullptr) {
  int fds[2];
  if (pipe(fds) != 0) Die("pipe failed");
  pid_t pid = fork();
  if (pid < 0) Die("fork failed");
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    std::perror(args[0]);
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  if (usage) *usage = ru;
  // bogofilter exits 0 spam, 1 ham, 2 unsure, 3 error.
  if (!WIFEXITED(status) || WEXITSTATUS(status) >= 3) Die(argv[0] + " failed");
  return out;
}

double Seconds(const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; }

Scores RunBogofilter(const std::string& bogofilter, const Split& split, const std::string& work) {
  Scores s;
  std::string db = work + "/bogofilter-" + split.name;
  std::filesystem::create_directories(db);
  double t0 = Now();
  for (bool spam : {true, false}) {
    std::vector<std::string> argv = {bogofilter, "-d", db, spam ? "-s" : "-n", "-B"};
    for (const Sample& x : split.train) {
      if (x.spam == spam) argv.push_back(x.path);
    }
    Run(argv);
  }
  s.train_seconds = Now() - t0;

  std::vector<std::string> argv = {bogofilter, "-d", db, "-T", "-B"};
  std::map<std::string, bool> is_spam;
  for (const Sample& x : split.test) {
    argv.push_back(x.path);
    is_spam[x.path] = x.spam;
  }
  rusage ru{};
  double wall = Now();
  std::string out = Run(argv, &ru);
  s.wall_seconds = Now() - wall;
  s.cpu_seconds = Seconds(ru.ru_utime) + Seconds(ru.ru_stime);
  // "PATH S 0.998057" per message: class S(pam), H(am) or U(nsure), score.
  std::istringstream lines(out);
  std::string path, cls;
  double score;
  size_t seen = 0;
  while (lines >> path >> cls >> score) {
    auto it = is_spam.find(path);
    if (it == is_spam.end()) Die("bogofilter printed an unknown file: " + path);
    (it->second ? s.spam : s.ham).push_back(score);
    (it->second ? s.spam_flag : s.ham_flag).push_back(cls == "S");
    ++seen;
  }
  if (seen != split.test.size())
    Die("bogofilter scored " + std::to_string(seen) + " of " + std::to_string(split.test.size()) +
        " messages");
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::string corpus, which = "both", bogofilter = "bogofilter";
  Settings settings;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--corpus")
      corpus = next();
    else if (a == "--split")
      which = next();
    else if (a == "--bogofilter")
      bogofilter = next();
    else if (a == "--memory")
      settings.memory = true;
    else if (a == "--scores")
      settings.scores_file = next();
    else if (a == "--explain")
      settings.explain = std::stoul(next());
    else if (a == "--s")
      settings.options.model.strength = std::stod(next());
    else if (a == "--x")
      settings.options.model.unknown = std::stod(next());
    else if (a == "--min-dev")
      settings.options.model.min_deviation = std::stod(next());
    else if (a == "--max-clues")
      settings.options.model.max_clues = std::stoul(next());
    else if (a == "--window")
      settings.options.window = std::stoi(next());
    else if (a == "--min-count")
      settings.options.model.min_count = std::stol(next());
    else if (a == "--dependence")
      settings.options.model.dependence = std::stod(next());
    else if (a == "--all-clues")
      settings.options.model.one_clue_per_token = false;
    else
      Die("unknown argument " + a);
  }
  if (corpus.empty()) Die("--corpus DIR is required");
  postdesk::mime::InitMime();

  char tmpl[] = "/tmp/spam_accuracy.XXXXXX";
  if (!mkdtemp(tmpl)) Die("mkdtemp failed");
  const std::string work = tmpl;

  auto spam1 = Prepare(corpus, "spam-1", work, true);
  auto ham1 = Prepare(corpus, "easy-ham-1", work, false);
  std::vector<Split> splits;
  if (which == "dev") {
    // Two folds inside the forward training part: even/odd positions.
    for (int fold = 0; fold < 2; ++fold) {
      Split s{"dev" + std::to_string(fold + 1),
              "half of spam-1 + easy-ham-1",
              "the other half",
              {},
              {}};
      for (const auto* group : {&spam1, &ham1}) {
        for (size_t i = 0; i < group->size(); ++i) {
          ((i % 2 == static_cast<size_t>(fold)) ? s.train : s.test).push_back((*group)[i]);
        }
      }
      splits.push_back(std::move(s));
    }
  } else {
    auto spam2 = Prepare(corpus, "spam-2", work, true);
    auto ham2 = Prepare(corpus, "easy-ham-2", work, false);
    auto hard = Prepare(corpus, "hard-ham-1", work, false);
    Split fwd{"forward", "spam-1 + easy-ham-1", "spam-2 + easy-ham-2 + hard-ham-1", {}, {}};
    Append(fwd.train, spam1);
    Append(fwd.train, ham1);
    Append(fwd.test, spam2);
    Append(fwd.test, ham2);
    Append(fwd.test, hard);
    Split rev{"reverse", fwd.test_desc, fwd.train_desc, fwd.test, fwd.train};
    if (which == "forward" || which == "both") splits.push_back(fwd);
    if (which == "reverse" || which == "both") splits.push_back(rev);
    if (splits.empty()) Die("--split is forward, reverse, both or dev");
  }

  const auto& o = settings.options;
  std::printf(
      "spam settings: s %.3g, x %.3g, min_dev %.3g, max_clues %zu, dependence %.3g, window %d, "
      "suspend_at %.2f, %s\n",
      o.model.strength, o.model.unknown, o.model.min_deviation, o.model.max_clues,
      o.model.dependence, o.window, o.suspend_at,
      settings.memory ? "learning in memory" : "learning through SQLite");
  bool with_bogofilter = bogofilter != "none";
  for (const Split& sp : splits) {
    auto count = [](const std::vector<Sample>& v, bool spam) {
      return std::count_if(v.begin(), v.end(), [&](const Sample& x) { return x.spam == spam; });
    };
    std::printf("spam %s: train %s (%ld spam, %ld ham), test %s (%ld spam, %ld ham)\n",
                sp.name.c_str(), sp.train_desc.c_str(), count(sp.train, true),
                count(sp.train, false), sp.test_desc.c_str(), count(sp.test, true),
                count(sp.test, false));
    Scores ours = RunPostdesk(sp, settings, work);
    Metrics m = Measure(ours, 0.005);
    char desc[64];
    std::snprintf(desc, sizeof desc, "score >= %.2f", o.suspend_at);
    Report(sp.name, "postdesk", sp, ours, m, desc);
    if (with_bogofilter) {
      Scores theirs = RunBogofilter(bogofilter, sp, work);
      Metrics b = Measure(theirs, 0.005);
      Report(sp.name, "bogofilter", sp, theirs, b, "its spam verdict (S)");
      std::printf(
          "spam %s postdesk / bogofilter: auc %.4f vs %.4f, spam recall at <= 0.5%% fp %.1f%% vs "
          "%.1f%%, classify %.1fx from the raw file, %.1fx of a parsed message (msg/s per core, "
          "same messages, same run)\n",
          sp.name.c_str(), m.auc, b.auc, 100 * m.recall_at_fp, 100 * b.recall_at_fp,
          theirs.cpu_seconds / ours.cpu_seconds, theirs.cpu_seconds / ours.filter_cpu_seconds);
    }
    std::fflush(stdout);
  }
  std::filesystem::remove_all(work);
  return 0;
}
