// Result<T>: the project's one error convention. Every fallible function of ours returns a
// Result (a value or an Error with a stable code and a readable message); our code does not
// throw. Exceptions from libraries (zmq, msgpack, nlohmann, std) are caught at the boundary
// where they can occur and turned into an Error.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace cocos {

// A stable machine-readable code ("hash_mismatch", "bad_state", ...) plus a message for people.
struct Error {
  std::string code;
  std::string message;

  std::string to_string() const { return code + ": " + message; }
};

inline Error make_error(std::string code, std::string message) {
  return Error{std::move(code), std::move(message)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  static_assert(!std::is_same_v<std::decay_t<T>, Error>, "Result<Error> is ambiguous");

  Result(const T& v) : v_(std::in_place_index<0>, v) {}          // NOLINT: implicit by design
  Result(T&& v) : v_(std::in_place_index<0>, std::move(v)) {}    // NOLINT
  Result(Error e) : v_(std::in_place_index<1>, std::move(e)) {}  // NOLINT
  template <class U>
  requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::decay_t<U>, T> &&
           !std::is_same_v<std::decay_t<U>, Error> && !std::is_same_v<std::decay_t<U>, Result<T>>)
      Result(U&& u)
      : v_(std::in_place_index<0>, std::forward<U>(u)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Accessing the value of a failed Result is a programming error: it aborts.
  T& value() & { return checked(); }
  const T& value() const& { return const_cast<Result*>(this)->checked(); }
  T&& value() && { return std::move(checked()); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(checked()); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }
  Error&& take_error() { return std::get<1>(std::move(v_)); }

  template <class U>
  T value_or(U&& fallback) const {
    return ok() ? std::get<0>(v_) : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  T& checked() {
    if (!ok()) std::abort();
    return std::get<0>(v_);
  }
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error e) : err_(std::move(e)) {}  // NOLINT: implicit by design

  bool ok() const { return !err_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *err_; }
  Error&& take_error() { return std::move(*err_); }

 private:
  std::optional<Error> err_;
};

using Status = Result<void>;

inline Status ok_status() {
  return Status{};
}

}  // namespace cocos
