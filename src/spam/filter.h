// spam/filter: the learning spam filter the desk runs on every inbound email.
// It holds the whole model in memory (loaded once from the store), scores a
// message without touching the store, and learns by writing count deltas and
// the learn cache through a store::Tx. Every verdict carries its explanation.
//
// The pieces: spam/tokenizer (mail -> tokens), spam/model (tokens -> 64-bit
// features, the count table, Robinson's f(w) and Fisher's chi-square). The
// learn cache is keyed by the SHA-256 of the normalized sender, subject and
// body, so one message is learned once however often it is submitted, and
// learning it as the other class moves its counts.
//
// Input trust: messages are untrusted (the tokenizer bounds the work); the
// store's counts are trusted. Thread-safety: Classify may run concurrently
// with itself and with Learn and Load (a reader/writer lock around the
// in-memory model; tokenizing happens outside it).
#pragma once

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "mime/message.h"
#include "spam/model.h"
#include "spam/tokenizer.h"
#include "store/store.h"

namespace postdesk::spam {

struct FilterOptions {
  double suspend_at = 0.9;  // score >= this: suspend (cause spam)
  double refuse_at = 0.99;  // score >= this: refuse at SMTP (550 5.7.1)
  // The filter gives no verdict until it has learned at least this many
  // messages of each class.
  int64_t min_spam = 20;
  int64_t min_ham = 20;

  // The model's constants (see spam/model.h) and the OSB window: a token is
  // paired with the tokens up to window - 1 positions before it.
  ModelParams model;
  int window = 3;
  TokenizerLimits limits;
};

// A feature that weighed in the verdict, in readable form (e.g.
// "subject:free", "url:example.com", "不在", "click * here").
struct TokenWeight {
  std::string token;
  double probability = 0.5;  // the feature's spam probability
};

struct Verdict {
  bool trained = false;             // enough training to act
  double score = 0.5;               // 0 = ham .. 1 = spam
  std::string decision;             // "ham" | "suspend" | "refuse" | "untrained"
  std::vector<TokenWeight> spammy;  // strongest spam indicators, strongest first
  std::vector<TokenWeight> hammy;   // strongest ham indicators, strongest first
  // Learned messages when it was scored.
  int64_t learned_spam = 0;
  int64_t learned_ham = 0;
  // {"score":..,"decision":..,"trained":..,"spam_tokens":[{"token":..,"p":..}],
  //  "ham_tokens":[..],"learned":{"spam":N,"ham":N}}
  std::string ToJson() const;
};

// When a score suspends and when it refuses (FilterOptions' by default).
struct Thresholds {
  double suspend_at = 0.9;
  double refuse_at = 0.99;  // above 1: never
};

class Filter {
 public:
  explicit Filter(FilterOptions options = {});
  ~Filter();
  Filter(const Filter&) = delete;
  Filter& operator=(const Filter&) = delete;

  const FilterOptions& options() const { return options_; }
  Thresholds thresholds() const { return {options_.suspend_at, options_.refuse_at}; }

  // Reads every token count and the learned totals.
  Status Load(store::Tx& tx);
  // Loads again when the store's model generation (a setting every learning
  // increments, in its transaction) differs from the one the model reflects
  // -- another process (`postdesk spam learn`) taught it -- and says whether
  // it did. A learning here that was rolled back makes them differ too; the
  // reload puts the model right.
  Result<bool> RefreshFrom(store::Tx& tx);

  // Scores a raw RFC 5322 message.
  Verdict Classify(std::string_view raw_message) const;
  // Scores a message already parsed (needs mime::InitMime()); the decision
  // follows `thresholds` (the desk's settings) when given.
  Verdict Classify(const mime::Message& message) const { return Classify(message, thresholds()); }
  Verdict Classify(const mime::Message& message, Thresholds thresholds) const;

  // Learns `raw_message` as spam (or ham) unless the learn cache says it was
  // already learned as that class; learned as the other class before, its
  // counts move. Writes through `tx` and updates the in-memory model at once
  // (a rolled-back tx leaves the memory model slightly ahead; harmless).
  // Returns true when the counts changed.
  Result<bool> Learn(store::Tx& tx, std::string_view raw_message, bool spam);
  Result<bool> Learn(store::Tx& tx, const mime::Message& message, bool spam);
  // Learns several messages in one go (bulk training): the learn cache is
  // consulted per message, but their counts are summed per feature and
  // written once. Returns how many messages changed the counts.
  Result<size_t> LearnMany(store::Tx& tx, std::span<const mime::Message> messages, bool spam);

  // Learns into memory only: no store, no learn cache. For benchmarks and
  // experiments that train and test on thousands of messages.
  void LearnInMemory(const mime::Message& message, bool spam);

  // Learned message counts {spam, ham}.
  std::pair<int64_t, int64_t> learned() const;
  // Features with a non-zero count in memory.
  size_t feature_count() const;

  // The learn cache's key of a message: hex SHA-256 of its normalized From
  // address, subject and body text.
  static std::string LearnKey(const mime::Message& message);

 private:
  std::vector<Feature> FeaturesOf(const Tokens& tokens) const;

  FilterOptions options_;
  mutable std::shared_mutex mu_;
  CountTable table_;          // guarded by mu_
  int64_t learned_spam_ = 0;  // guarded by mu_
  int64_t learned_ham_ = 0;   // guarded by mu_
  int64_t generation_ = 0;    // the store's spam_model_generation it reflects; guarded by mu_
};

}  // namespace postdesk::spam
