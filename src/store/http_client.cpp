#include "store/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#ifndef HEARTH_VERSION
#define HEARTH_VERSION "0.0.0"
#endif

namespace hearth::store {

namespace {

void init_curl() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) fail("cannot initialise libcurl");
  });
}

constexpr size_t kMaxErrorBody = 64 << 10;

struct Transfer {
  CURL* curl = nullptr;
  HttpResponse response;
  const std::function<bool(std::string_view)>* on_body = nullptr;
  const HeadFn* on_head = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  bool status_known = false;
  bool success = false;
  bool stopped_by_sink = false;
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(std::string s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    t->response.headers.clear();  // a new response (after a redirect or a 100 Continue)
  } else if (const size_t colon = line.find(':'); colon != std::string::npos) {
    t->response.headers.emplace_back(lower(trim(line.substr(0, colon))), trim(line.substr(colon + 1)));
  }
  return size * n;
}

size_t on_data(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * n;
  if (!t->status_known) {
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &t->response.status);
    t->success = t->response.status >= 200 && t->response.status < 300;
    t->status_known = true;
    if (t->success && *t->on_head && !(*t->on_head)(t->response)) {
      t->stopped_by_sink = true;
      return 0;
    }
  }
  if (!t->success) {
    const size_t room = kMaxErrorBody - std::min(kMaxErrorBody, t->response.error_body.size());
    t->response.error_body.append(data, std::min(room, bytes));
    return bytes;
  }
  if (!(*t->on_body)(std::string_view(data, bytes))) {
    t->stopped_by_sink = true;
    return 0;  // aborts the transfer
  }
  return bytes;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  return t->cancel && t->cancel->load() ? 1 : 0;
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  const std::string want = lower(std::string(name));
  for (const auto& [k, v] : headers)
    if (k == want) return v;
  return std::nullopt;
}

const std::string& user_agent() {
  static const std::string ua = "hearth/" HEARTH_VERSION;
  return ua;
}

std::string url_host(std::string_view url) {
  size_t start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  const size_t end = url.find_first_of("/?#", start);
  return std::string(url.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
}

HttpResponse http_get(const HttpRequest& request, const std::function<bool(std::string_view)>& on_body,
                      const HeadFn& on_head) {
  init_curl();
  Transfer t;
  t.curl = curl_easy_init();
  if (!t.curl) fail("cannot start an HTTP transfer (libcurl)");
  t.on_body = &on_body;
  t.on_head = &on_head;
  t.cancel = request.cancel;
  t.response.url = request.url;
  curl_slist* headers = nullptr;
  for (const std::string& h : request.headers) headers = curl_slist_append(headers, h.c_str());
  char error[CURL_ERROR_SIZE] = {0};
  CURL* c = t.curl;
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_USERAGENT, user_agent().c_str());
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, request.connect_timeout_s);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, request.stall_timeout_s);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  std::string range;
  if (request.range) {
    range = std::to_string(request.range->first) + "-";
    if (request.range->second >= 0) range += std::to_string(request.range->second);
    curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());
  }
  const CURLcode rc = curl_easy_perform(c);
  char* effective = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK && effective) t.response.url = effective;
  if (!t.status_known) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t.response.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);

  if (rc == CURLE_OK) return t.response;
  const bool cancelled = rc == CURLE_ABORTED_BY_CALLBACK;
  if (cancelled) throw HttpTransferError("cancelled", true);
  if (t.stopped_by_sink) throw HttpTransferError("the download was stopped", false);
  const std::string detail = error[0] ? std::string(error) : std::string(curl_easy_strerror(rc));
  throw HttpTransferError(detail, false);
}

HttpResponse http_get_text(const HttpRequest& request, std::string& body, size_t max_bytes) {
  body.clear();
  bool too_big = false;
  HttpResponse r;
  try {
    r = http_get(request, [&](std::string_view piece) {
      if (body.size() + piece.size() > max_bytes) {
        too_big = true;
        return false;
      }
      body.append(piece);
      return true;
    });
  } catch (const HttpTransferError&) {
    if (too_big) fail(url_host(request.url), " sent more than ", max_bytes, " bytes for ", request.url);
    throw;
  }
  return r;
}

}  // namespace hearth::store
