#include "spam/filter.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "common/ids.h"
#include "common/strings.h"

namespace postdesk::spam {
namespace {

constexpr size_t kExplainTokens = 10;
constexpr size_t kPrefetchDistance = 16;

// Whitespace runs become one space; ends trimmed.
void AppendCollapsed(std::string& out, std::string_view s) {
  bool space = true;  // drops leading whitespace
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
      space = true;
      continue;
    }
    if (space && !out.empty() && out.back() != '\n') out.push_back(' ');
    space = false;
    out.push_back(c);
  }
}

struct Clue {
  double p;
  uint32_t feature;
};

// The store's model generation: one more with every learning, by any process.
constexpr std::string_view kGenerationSetting = "spam_model_generation";

Result<int64_t> StoredGeneration(store::Tx& tx) {
  auto v = tx.GetSetting(kGenerationSetting);
  if (!v.ok()) {
    if (v.status().kind() == ErrorKind::kNotFound) return int64_t{0};
    return v.status();
  }
  int64_t n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size()) return int64_t{0};
  return n;
}

}  // namespace

std::string Verdict::ToJson() const {
  auto list = [](const std::vector<TokenWeight>& v) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& t : v) {
      // Four decimals are plenty to read, and keep the JSON short.
      a.push_back({{"token", SanitizeUtf8(t.token)}, {"p", std::round(t.probability * 1e4) / 1e4}});
    }
    return a;
  };
  nlohmann::json j = {{"score", std::round(score * 1e4) / 1e4},
                      {"decision", decision},
                      {"trained", trained},
                      {"spam_tokens", list(spammy)},
                      {"ham_tokens", list(hammy)},
                      {"learned", {{"spam", learned_spam}, {"ham", learned_ham}}}};
  return j.dump();
}

Filter::Filter(FilterOptions options) : options_(std::move(options)) {}

Filter::~Filter() = default;

std::vector<Feature> Filter::FeaturesOf(const Tokens& tokens) const {
  return Features(tokens, options_.window);
}

Status Filter::Load(store::Tx& tx) {
  auto counts = tx.LoadSpamTokens();
  if (!counts.ok()) return counts.status();
  auto learned = tx.CountSpamLearned();
  if (!learned.ok()) return learned.status();
  auto generation = StoredGeneration(tx);
  if (!generation.ok()) return generation.status();
  CountTable table;
  table.Reserve(counts->size());
  for (const auto& c : *counts) table.Set(c.token, c.spam, c.ham);
  std::unique_lock lock(mu_);
  table_ = std::move(table);
  learned_spam_ = learned->first;
  learned_ham_ = learned->second;
  generation_ = *generation;
  return Status::Ok();
}

Result<bool> Filter::RefreshFrom(store::Tx& tx) {
  auto stored = StoredGeneration(tx);
  if (!stored.ok()) return stored.status();
  {
    std::shared_lock lock(mu_);
    if (*stored == generation_) return false;
  }
  if (Status s = Load(tx); !s.ok()) return s;
  return true;
}

Verdict Filter::Classify(std::string_view raw_message) const {
  mime::InitMime();
  return Classify(mime::Parse(raw_message));
}

Verdict Filter::Classify(const mime::Message& message, Thresholds thresholds) const {
  const Tokens tokens = Tokenize(message, options_.limits);
  const std::vector<Feature> features = FeaturesOf(tokens);
  const ModelParams& params = options_.model;

  Verdict v;
  std::vector<Clue> clues;
  clues.reserve(features.size());
  {
    std::shared_lock lock(mu_);
    v.learned_spam = learned_spam_;
    v.learned_ham = learned_ham_;
    const size_t n = features.size();
    for (size_t i = 0; i < std::min(n, kPrefetchDistance); ++i) table_.Prefetch(features[i].hash);
    for (size_t i = 0; i < n; ++i) {
      if (i + kPrefetchDistance < n) table_.Prefetch(features[i + kPrefetchDistance].hash);
      CountTable::Counts c = table_.Find(features[i].hash);
      // A feature never learned (or too rarely) is no clue.
      if (static_cast<int64_t>(c.spam) + c.ham < params.min_count) continue;
      double p = FeatureProbability(c.spam, c.ham, learned_spam_, learned_ham_, params);
      if (std::fabs(p - 0.5) >= params.min_deviation)
        clues.push_back({p, static_cast<uint32_t>(i)});
    }
  }
  if (params.one_clue_per_token) {
    // A token and the pairs ending at it say much the same thing; counting
    // them all as independent evidence makes long messages extreme. Each
    // token position gives its strongest feature only.
    std::vector<int32_t> best(tokens.size(), -1);
    for (size_t k = 0; k < clues.size(); ++k) {
      int32_t& b = best[features[clues[k].feature].token];
      if (b < 0 || std::fabs(clues[k].p - 0.5) > std::fabs(clues[static_cast<size_t>(b)].p - 0.5)) {
        b = static_cast<int32_t>(k);
      }
    }
    std::vector<Clue> kept;
    kept.reserve(tokens.size());
    for (int32_t b : best) {
      if (b >= 0) kept.push_back(clues[static_cast<size_t>(b)]);
    }
    clues.swap(kept);
  }
  auto strength = [](const Clue& a, const Clue& b) {
    return std::fabs(a.p - 0.5) > std::fabs(b.p - 0.5);
  };
  if (params.max_clues > 0 && clues.size() > params.max_clues) {
    std::nth_element(clues.begin(), clues.begin() + static_cast<ptrdiff_t>(params.max_clues),
                     clues.end(), strength);
    clues.resize(params.max_clues);
  }
  FisherCombiner combiner;
  for (const Clue& c : clues) combiner.Add(c.p);
  v.score = combiner.Score(params.dependence);

  v.trained = v.learned_spam >= options_.min_spam && v.learned_ham >= options_.min_ham;
  if (!v.trained) {
    v.decision = "untrained";
  } else if (v.score >= thresholds.refuse_at) {
    v.decision = "refuse";
  } else if (v.score >= thresholds.suspend_at) {
    v.decision = "suspend";
  } else {
    v.decision = "ham";
  }

  // The explanation: the strongest clues each way, in readable form.
  auto top = [&](bool spammy, std::vector<TokenWeight>& out) {
    std::vector<Clue> side;
    for (const Clue& c : clues) {
      if ((c.p > 0.5) == spammy && c.p != 0.5) side.push_back(c);
    }
    size_t k = std::min(side.size(), kExplainTokens);
    std::partial_sort(side.begin(), side.begin() + static_cast<ptrdiff_t>(k), side.end(),
                      [&](const Clue& a, const Clue& b) {
                        if (a.p != b.p) return spammy ? a.p > b.p : a.p < b.p;
                        return a.feature < b.feature;  // earlier in the message first
                      });
    for (size_t i = 0; i < k; ++i) {
      out.push_back({FeatureText(tokens, features[side[i].feature]), side[i].p});
    }
  };
  top(true, v.spammy);
  top(false, v.hammy);
  return v;
}

std::string Filter::LearnKey(const mime::Message& message) {
  std::string s = "from ";
  if (!message.from.empty()) s += NormalizeEmail(message.from[0].email);
  s += "\nsubject ";
  AppendCollapsed(s, message.subject);
  s += "\nbody ";
  AppendCollapsed(s, message.text_body.empty() ? message.html_body : message.text_body);
  return Sha256Hex(s);
}

Result<bool> Filter::Learn(store::Tx& tx, std::string_view raw_message, bool spam) {
  mime::InitMime();
  return Learn(tx, mime::Parse(raw_message), spam);
}

Result<bool> Filter::Learn(store::Tx& tx, const mime::Message& message, bool spam) {
  auto n = LearnMany(tx, std::span<const mime::Message>(&message, 1), spam);
  if (!n.ok()) return n.status();
  return *n > 0;
}

Result<size_t> Filter::LearnMany(store::Tx& tx, std::span<const mime::Message> messages,
                                 bool spam) {
  const std::string cls = spam ? "spam" : "ham";
  // Summed per feature over the messages: a feature most of them share is
  // one row update, not one per message.
  std::unordered_map<uint64_t, std::pair<int64_t, int64_t>> sums;
  size_t changed = 0, moved = 0;
  for (const mime::Message& message : messages) {
    const std::string key = LearnKey(message);
    std::string before;
    if (auto prev = tx.GetSpamLearned(key); prev.ok()) {
      before = *prev;
    } else if (prev.status().kind() != ErrorKind::kNotFound) {
      return prev.status();
    }
    if (before == cls) continue;
    const bool moving = !before.empty();  // learned as the other class: move it
    const int64_t ds = spam ? 1 : (moving ? -1 : 0);
    const int64_t dh = spam ? (moving ? -1 : 0) : 1;
    for (const Feature& f : FeaturesOf(Tokenize(message, options_.limits))) {
      auto& sum = sums[f.hash];
      sum.first += ds;
      sum.second += dh;
    }
    // Written at once, so a second copy in the same batch finds it.
    if (Status s = tx.SetSpamLearned(key, cls); !s.ok()) return s;
    ++changed;
    if (moving) ++moved;
  }
  if (changed == 0) return size_t{0};
  std::vector<store::SpamTokenCount> deltas;
  deltas.reserve(sums.size());
  for (const auto& [token, d] : sums) deltas.push_back({token, d.first, d.second});
  // In key order: neighbouring rows of the store's index.
  std::sort(deltas.begin(), deltas.end(),
            [](const auto& a, const auto& b) { return a.token < b.token; });
  if (Status s = tx.AddSpamTokenCounts(deltas); !s.ok()) return s;
  auto stored = StoredGeneration(tx);
  if (!stored.ok()) return stored.status();
  if (Status s = tx.SetSetting(kGenerationSetting, std::to_string(*stored + 1)); !s.ok()) return s;

  std::unique_lock lock(mu_);
  // In step with the store, this learning is all that changed; otherwise
  // another process learned meanwhile and the next refresh reloads.
  generation_ = *stored == generation_ ? *stored + 1 : -1;
  for (const auto& d : deltas) table_.Add(d.token, d.spam, d.ham);
  const auto n = static_cast<int64_t>(changed), m = static_cast<int64_t>(moved);
  if (spam) {
    learned_spam_ += n;
    learned_ham_ = std::max<int64_t>(0, learned_ham_ - m);
  } else {
    learned_ham_ += n;
    learned_spam_ = std::max<int64_t>(0, learned_spam_ - m);
  }
  return changed;
}

void Filter::LearnInMemory(const mime::Message& message, bool spam) {
  const std::vector<Feature> features = FeaturesOf(Tokenize(message, options_.limits));
  std::unique_lock lock(mu_);
  for (const Feature& f : features) table_.Add(f.hash, spam ? 1 : 0, spam ? 0 : 1);
  ++(spam ? learned_spam_ : learned_ham_);
}

std::pair<int64_t, int64_t> Filter::learned() const {
  std::shared_lock lock(mu_);
  return {learned_spam_, learned_ham_};
}

size_t Filter::feature_count() const {
  std::shared_lock lock(mu_);
  return table_.size();
}

}  // namespace postdesk::spam
