// spam/model: the arithmetic of the spam filter, apart from mail and storage.
//
// Features are 64-bit hashes: of each token, and of each pair of tokens of
// the same run fewer than `window` positions apart (3 by default) with their
// distance (OSB, orthogonal sparse bigrams, as in CRM114 and Rspamd). Hashes
// are stored, so HashToken and the pair mixing are part of the stored model's
// format: changing them means relearning. The readable form of a feature is
// recomputed from the message being explained, never stored.
//
// A feature's spam probability is Robinson's f(w) = (s*x + n*p(w)) / (s + n),
// where p(w) = (b/B) / (b/B + g/G) from its counts in spam (b of B learned)
// and ham (g of G), and n = b + g. Features nearer 0.5 than `min_deviation`
// are left out; of the features ending at one token only the strongest
// counts (they are far from independent). The rest are combined with
// Fisher's method (chi-square with 2N degrees of freedom), once for
// spamminess S and once for hamminess H, into (1 + S - H) / 2 (Robinson, "A
// statistical approach to the spam problem", 2003; as in SpamBayes and
// bogofilter).
// Thread-safety: CountTable is a plain value (the Filter locks it); the rest
// are pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "spam/tokenizer.h"

namespace postdesk::spam {

// Stable 64-bit hash of a token (never 0).
uint64_t HashToken(std::string_view token);
// The feature of `earlier` followed `distance` (1 .. window - 1) positions later by `later`.
uint64_t PairFeature(uint64_t earlier, uint64_t later, int distance);

struct Feature {
  static constexpr uint32_t kNone = 0xFFFFFFFF;
  uint64_t hash = 0;
  uint32_t token = 0;        // index in Tokens (the later one of a pair)
  uint32_t earlier = kNone;  // a pair's earlier token; kNone for a single token
};

// The features of a message, each once, in first-seen order: every token,
// and with `window` > 1 every pair of tokens of the same run fewer than
// `window` positions apart.
std::vector<Feature> Features(const Tokens& tokens, int window = 3);

// "free", "click here", "click * here" (one token between them).
std::string FeatureText(const Tokens& tokens, const Feature& feature);

// Open-addressing hash table from feature to its counts: 16 bytes per
// feature, one cache line per lookup, and Prefetch to overlap lookups.
class CountTable {
 public:
  struct Counts {
    uint32_t spam = 0;
    uint32_t ham = 0;
  };

  Counts Find(uint64_t key) const;
  void Prefetch(uint64_t key) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[Home(key)]);
  }
  // Adds (possibly negative) deltas; counts stop at 0.
  void Add(uint64_t key, int64_t spam, int64_t ham);
  void Set(uint64_t key, int64_t spam, int64_t ham);
  void Reserve(size_t features);
  void Clear();
  // Features with a non-zero count.
  size_t size() const { return live_; }

 private:
  struct Slot {
    uint64_t key = 0;  // 0: empty
    uint32_t spam = 0;
    uint32_t ham = 0;
  };
  size_t Home(uint64_t key) const { return (key ^ (key >> 31)) & mask_; }
  Slot& Insert(uint64_t key);
  void Grow(size_t capacity);

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t used_ = 0;  // slots holding a key (some may be 0/0)
  size_t live_ = 0;
};

struct ModelParams {
  double strength = 0.45;      // Robinson's s: weight of the prior x
  double unknown = 0.5;        // Robinson's x: the prior of a feature
  double min_deviation = 0.1;  // |f - 0.5| below this: not a clue
  size_t max_clues = 0;        // strongest clues combined; 0: all
  // Clues are not independent (a word and the pairs it is in say much the
  // same): Fisher's statistic and its degrees of freedom are divided by this
  // (Brown's correction for dependent tests).
  double dependence = 1.0;
  // A feature seen in fewer learned messages than this is not a clue (a
  // feature never seen is none either way).
  int64_t min_count = 1;
  // Of a token and the pairs that end at it, only the strongest is a clue.
  bool one_clue_per_token = true;
};

// Robinson's f(w) for a feature seen in `spam` of `spam_total` learned spam
// messages and `ham` of `ham_total` learned ham messages.
double FeatureProbability(int64_t spam, int64_t ham, int64_t spam_total, int64_t ham_total,
                          const ModelParams& params);

// Q(chi2 | dof): the probability that a chi-square variable with `dof`
// degrees of freedom is at least `chi2` (the regularized upper incomplete
// gamma function Q(dof/2, chi2/2)).
double ChiSquareQ(double chi2, double dof);

// Fisher's method over clues' spam probabilities, accumulated one clue at a
// time without a logarithm per clue.
class FisherCombiner {
 public:
  void Add(double p);
  size_t count() const { return n_; }
  // (1 + S - H) / 2 in [0, 1], where S = 1 - Q(-2 ln prod(1 - p), 2n) is the
  // spamminess and H = 1 - Q(-2 ln prod(p), 2n) the hamminess; 0.5 without
  // clues.
  double Score(double dependence = 1.0) const;

 private:
  double prod_p_ = 1.0, prod_not_p_ = 1.0;
  int64_t exp_p_ = 0, exp_not_p_ = 0;  // the products are mantissa * 2^exp
  size_t n_ = 0;
};

double FisherCombine(const std::vector<double>& probabilities);

}  // namespace postdesk::spam
