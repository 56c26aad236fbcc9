#include "spam/model.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace postdesk::spam {
namespace {

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;
constexpr uint64_t kMulA = 0xBF58476D1CE4E5B9ull;
constexpr uint64_t kMulB = 0x94D049BB133111EBull;

// A bijective 64-bit finalizer (xor-shift, multiply).
uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= kMulA;
  x ^= x >> 27;
  x *= kMulB;
  x ^= x >> 31;
  return x;
}

uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

// Little-endian load of up to 8 bytes, the same on every platform.
uint64_t LoadLe(const unsigned char* p, size_t n) {
  uint64_t w = 0;
  for (size_t i = 0; i < n; ++i) w |= static_cast<uint64_t>(p[i]) << (8 * i);
  return w;
}

uint64_t NonZero(uint64_t h) { return h == 0 ? 1 : h; }

}  // namespace

uint64_t HashToken(std::string_view token) {
  const auto* p = reinterpret_cast<const unsigned char*>(token.data());
  size_t n = token.size();
  uint64_t h = kGolden ^ (static_cast<uint64_t>(n) * kMulB);
  while (n >= 8) {
    h = Mix(h ^ LoadLe(p, 8)) + kGolden;
    p += 8;
    n -= 8;
  }
  if (n > 0) h = Mix(h ^ LoadLe(p, n)) + kGolden;
  return NonZero(Mix(h));
}

uint64_t PairFeature(uint64_t earlier, uint64_t later, int distance) {
  return NonZero(
      Mix(earlier * kGolden + Rotl(later, 21) + static_cast<uint64_t>(distance) * kMulA));
}

std::vector<Feature> Features(const Tokens& tokens, int window) {
  const size_t n = tokens.size();
  std::vector<uint64_t> hashes(n);
  for (size_t i = 0; i < n; ++i) hashes[i] = HashToken(tokens.text(i));
  const size_t per_token = window > 1 ? static_cast<size_t>(window) : 1;
  size_t capacity = 64;
  while (capacity < 2 * n * per_token) capacity *= 2;
  std::vector<uint64_t> seen(capacity, 0);
  const size_t mask = capacity - 1;
  auto first_time = [&](uint64_t key) {
    for (size_t i = (key ^ (key >> 29)) & mask;; i = (i + 1) & mask) {
      if (seen[i] == key) return false;
      if (seen[i] == 0) {
        seen[i] = key;
        return true;
      }
    }
  };
  std::vector<Feature> out;
  out.reserve(n * per_token);
  for (size_t i = 0; i < n; ++i) {
    if (first_time(hashes[i])) out.push_back({hashes[i], static_cast<uint32_t>(i), Feature::kNone});
    uint32_t run = tokens.item(i).run;
    if (run == 0) continue;
    for (size_t d = 1; d < per_token && d <= i; ++d) {
      size_t j = i - d;
      if (tokens.item(j).run != run) break;
      uint64_t f = PairFeature(hashes[j], hashes[i], static_cast<int>(d));
      if (first_time(f)) out.push_back({f, static_cast<uint32_t>(i), static_cast<uint32_t>(j)});
    }
  }
  return out;
}

std::string FeatureText(const Tokens& tokens, const Feature& feature) {
  std::string out;
  if (feature.earlier != Feature::kNone) {
    out = tokens.text(feature.earlier);
    out += ' ';
    for (uint32_t k = feature.earlier + 1; k < feature.token; ++k) out += "* ";
  }
  out += tokens.text(feature.token);
  return out;
}

CountTable::Counts CountTable::Find(uint64_t key) const {
  if (slots_.empty()) return {};
  for (size_t i = Home(key);; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (s.key == key) return {s.spam, s.ham};
    if (s.key == 0) return {};
  }
}

void CountTable::Grow(size_t capacity) {
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  used_ = 0;
  for (const Slot& s : old) {
    if (s.key == 0 || (s.spam == 0 && s.ham == 0)) continue;  // drops emptied features
    size_t i = Home(s.key);
    while (slots_[i].key != 0) i = (i + 1) & mask_;
    slots_[i] = s;
    ++used_;
  }
}

void CountTable::Reserve(size_t features) {
  size_t capacity = 1024;
  while (capacity * 7 < features * 10) capacity *= 2;
  if (capacity > slots_.size()) Grow(capacity);
}

void CountTable::Clear() {
  slots_.clear();
  mask_ = 0;
  used_ = 0;
  live_ = 0;
}

CountTable::Slot& CountTable::Insert(uint64_t key) {
  if ((used_ + 1) * 10 > slots_.size() * 7) {
    // Grow only when live features fill the table; otherwise a rebuild at
    // the same size drops the emptied ones.
    size_t capacity = std::max<size_t>(1024, slots_.size());
    while (capacity * 7 < (live_ + 1) * 20) capacity *= 2;
    Grow(capacity);
  }
  for (size_t i = Home(key);; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (s.key == key) return s;
    if (s.key == 0) {
      s.key = key;
      ++used_;
      return s;
    }
  }
}

namespace {
uint32_t Clamp(int64_t v) {
  return static_cast<uint32_t>(std::clamp<int64_t>(v, 0, std::numeric_limits<uint32_t>::max()));
}
}  // namespace

void CountTable::Add(uint64_t key, int64_t spam, int64_t ham) {
  Slot& s = Insert(NonZero(key));
  bool was = s.spam != 0 || s.ham != 0;
  s.spam = Clamp(static_cast<int64_t>(s.spam) + spam);
  s.ham = Clamp(static_cast<int64_t>(s.ham) + ham);
  bool is = s.spam != 0 || s.ham != 0;
  live_ = live_ + (is ? 1 : 0) - (was ? 1 : 0);
}

void CountTable::Set(uint64_t key, int64_t spam, int64_t ham) {
  Slot& s = Insert(NonZero(key));
  bool was = s.spam != 0 || s.ham != 0;
  s.spam = Clamp(spam);
  s.ham = Clamp(ham);
  bool is = s.spam != 0 || s.ham != 0;
  live_ = live_ + (is ? 1 : 0) - (was ? 1 : 0);
}

double FeatureProbability(int64_t spam, int64_t ham, int64_t spam_total, int64_t ham_total,
                          const ModelParams& params) {
  const double n = static_cast<double>(spam + ham);
  if (n <= 0) return params.unknown;
  const double b = spam_total > 0 ? std::min(1.0, static_cast<double>(spam) / spam_total) : 0.0;
  const double g = ham_total > 0 ? std::min(1.0, static_cast<double>(ham) / ham_total) : 0.0;
  const double p = b + g > 0 ? b / (b + g) : 0.5;
  return (params.strength * params.unknown + n * p) / (params.strength + n);
}

double ChiSquareQ(double chi2, double dof) {
  const double a = dof / 2.0;
  const double x = chi2 / 2.0;
  if (!(x > 0.0) || a <= 0.0) return 1.0;
  constexpr double kEps = 1e-15;
  constexpr double kTiny = 1e-300;
  constexpr int kMaxIterations = 100000;
  // ln(x^a e^-x / Gamma(a)), the factor both expansions share.
  const double log_front = a * std::log(x) - x - std::lgamma(a);
  if (x < a + 1.0) {
    // Series for the lower tail P(a, x); Q = 1 - P.
    double term = 1.0 / a, sum = term, ap = a;
    for (int i = 0; i < kMaxIterations; ++i) {
      ap += 1.0;
      term *= x / ap;
      sum += term;
      if (std::fabs(term) < std::fabs(sum) * kEps) break;
    }
    double p = sum * std::exp(log_front);
    return std::clamp(1.0 - p, 0.0, 1.0);
  }
  // Continued fraction for Q(a, x) (modified Lentz).
  double b = x + 1.0 - a;
  double c = 1.0 / kTiny;
  double d = 1.0 / b;
  double h = d;
  for (int i = 1; i < kMaxIterations; ++i) {
    double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < kEps) break;
  }
  return std::clamp(std::exp(log_front) * h, 0.0, 1.0);
}

void FisherCombiner::Add(double p) {
  p = std::clamp(p, 1e-9, 1.0 - 1e-9);
  prod_p_ *= p;
  prod_not_p_ *= 1.0 - p;
  int e = 0;
  if (prod_p_ < 1e-200) {
    prod_p_ = std::frexp(prod_p_, &e);
    exp_p_ += e;
  }
  if (prod_not_p_ < 1e-200) {
    prod_not_p_ = std::frexp(prod_not_p_, &e);
    exp_not_p_ += e;
  }
  ++n_;
}

double FisherCombiner::Score(double dependence) const {
  if (n_ == 0) return 0.5;
  const double k = std::max(1.0, dependence);
  constexpr double kLn2 = 0.69314718055994530942;
  const double ln_p = std::log(prod_p_) + static_cast<double>(exp_p_) * kLn2;
  const double ln_not_p = std::log(prod_not_p_) + static_cast<double>(exp_not_p_) * kLn2;
  const double dof = 2.0 * static_cast<double>(n_) / k;
  const double hamminess = 1.0 - ChiSquareQ(-2.0 * ln_p / k, dof);
  const double spamminess = 1.0 - ChiSquareQ(-2.0 * ln_not_p / k, dof);
  return std::clamp((1.0 + spamminess - hamminess) / 2.0, 0.0, 1.0);
}

double FisherCombine(const std::vector<double>& probabilities) {
  FisherCombiner c;
  for (double p : probabilities) c.Add(p);
  return c.Score();
}

}  // namespace postdesk::spam
