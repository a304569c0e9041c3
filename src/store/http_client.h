#pragma once
// HTTP(S) GETs through libcurl, as the registry clients need them: TLS with
// the system's certificates, redirects followed (a registry sends blobs to a
// CDN; an Authorization header is not sent on to another host), byte ranges,
// the body streamed to a callback, and a transfer that can be cancelled.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace hearth::store {

struct HttpRequest {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  // Bytes [first, last] (inclusive, as the Range header writes them); a
  // negative last asks for everything from first on.
  std::optional<std::pair<uint64_t, int64_t>> range;
  const std::atomic<bool>* cancel = nullptr;  // set: the transfer stops (HttpTransferError, cancelled)
  long connect_timeout_s = 30;
  long stall_timeout_s = 60;  // no byte for this long: the transfer fails
};

struct HttpResponse {
  long status = 0;
  std::string url;                                           // after redirects
  std::vector<std::pair<std::string, std::string>> headers;  // the last response's, names lower-case
  std::string error_body;                                    // the body of a non-2xx answer (its start)

  std::optional<std::string> header(std::string_view name) const;
};

// The request did not complete: no connection, a reset or a timeout mid-body
// (worth retrying), or cancelled. The message is libcurl's ("Could not
// resolve host: example.com"); callers say what was being fetched.
struct HttpTransferError : Error {
  HttpTransferError(const std::string& message, bool cancelled) : Error(message), cancelled(cancelled) {}
  bool cancelled;
};

// The body of a 2xx answer goes to on_body piece by piece, after on_head
// (when given) has seen the answer's status and headers; either returns
// false to stop (HttpTransferError). Other answers are returned with the
// start of their body in error_body. Throws HttpTransferError.
using HeadFn = std::function<bool(const HttpResponse&)>;
HttpResponse http_get(const HttpRequest& request, const std::function<bool(std::string_view)>& on_body,
                      const HeadFn& on_head = {});

// A whole (small) body: at most max_bytes, else hearth::Error.
HttpResponse http_get_text(const HttpRequest& request, std::string& body, size_t max_bytes);

// "hearth/<version>".
const std::string& user_agent();

// The host[:port] of a URL, for messages.
std::string url_host(std::string_view url);

}  // namespace hearth::store
