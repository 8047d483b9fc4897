// The stable error codes of the wire protocol (the `code` of an `error` body). Values never
// change once released; PROTOCOL.md lists when each is used.
#pragma once

#include <string_view>

namespace cocos::messages::err {

inline constexpr std::string_view kBadMessage = "bad_message";
inline constexpr std::string_view kUnsupportedVersion = "unsupported_version";
inline constexpr std::string_view kUnknownType = "unknown_type";
inline constexpr std::string_view kTooLarge = "too_large";
inline constexpr std::string_view kBadState = "bad_state";
inline constexpr std::string_view kBadManifest = "bad_manifest";
inline constexpr std::string_view kUnknownItem = "unknown_item";
inline constexpr std::string_view kAlreadyReceived = "already_received";
inline constexpr std::string_view kHashMismatch = "hash_mismatch";
inline constexpr std::string_view kBadSignature = "bad_signature";
inline constexpr std::string_view kSizeMismatch = "size_mismatch";
inline constexpr std::string_view kIoError = "io_error";
inline constexpr std::string_view kNoSpace = "no_space";
inline constexpr std::string_view kNotConsumer = "not_consumer";
inline constexpr std::string_view kBadChallenge = "bad_challenge";
inline constexpr std::string_view kAttestationUnavailable = "attestation_unavailable";
inline constexpr std::string_view kBadNonce = "bad_nonce";
inline constexpr std::string_view kBusy = "busy";
inline constexpr std::string_view kTimeout = "timeout";
inline constexpr std::string_view kInternal = "internal";

}  // namespace cocos::messages::err
