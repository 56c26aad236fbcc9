// Status and Result<T>: errors on the data path are values, not exceptions.
//
// A failure is either temporary (the caller may retry: SMTP 4xx, sysexits 75,
// outbound deferral) or permanent (SMTP 5xx, bounce). Keeping the two apart is
// the whole point of this type. Thread-safety: plain values.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace postdesk {

enum class ErrorKind { kTemporary, kPermanent, kNotFound, kInvalid };

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Temporary(std::string msg) { return Status(ErrorKind::kTemporary, std::move(msg)); }
  static Status Permanent(std::string msg) { return Status(ErrorKind::kPermanent, std::move(msg)); }
  static Status NotFound(std::string msg) { return Status(ErrorKind::kNotFound, std::move(msg)); }
  static Status Invalid(std::string msg) { return Status(ErrorKind::kInvalid, std::move(msg)); }

  bool ok() const { return !kind_.has_value(); }
  explicit operator bool() const { return ok(); }
  ErrorKind kind() const { return kind_.value_or(ErrorKind::kPermanent); }
  bool temporary() const { return kind_ == ErrorKind::kTemporary; }
  const std::string& message() const { return message_; }

 private:
  Status(ErrorKind kind, std::string msg) : kind_(kind), message_(std::move(msg)) {}
  std::optional<ErrorKind> kind_;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  // A Result made from an ok Status holds no value: it is a failure, and says
  // so (a bug in the caller, never an ok result with nothing in it).
  Result(Status status)  // NOLINT: implicit by design
      : v_(status.ok() ? Status::Permanent("internal error: a result was made from an ok status")
                       : std::move(status)) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace postdesk
