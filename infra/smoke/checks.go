package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// checkFunc probes the service at base once. It returns a one-line description
// of what it saw, an error when the check failed, or a skipError when the
// check does not apply to this deployment.
type checkFunc func(ctx context.Context, client *http.Client, base *url.URL) (string, error)

// skipError says a check does not apply; it is reported as SKIP, never retried.
type skipError struct{ reason string }

func (e skipError) Error() string { return e.reason }

// notFoundPath is a path no deployment serves.
const notFoundPath = "/_smoke/not-found"

// maxBody bounds how much of a response body a check reads.
const maxBody = 1 << 20

// checkHealthz wants GET /healthz to answer 200 {"status":"ok"}. When the load
// balancer itself answers 404 (its `paths` do not forward /healthz), the check
// is skipped: the target group probes /healthz on the tasks directly.
func checkHealthz() checkFunc {
	return func(ctx context.Context, client *http.Client, base *url.URL) (string, error) {
		resp, body, err := get(ctx, client, resolve(base, "/healthz"))
		if err != nil {
			return "", err
		}
		if resp.StatusCode == http.StatusNotFound {
			if e, ok := decodeError(resp, body); ok && e.fromLoadBalancer(resp) {
				return "", skipError{"the load balancer answers 404 for /healthz (its paths do not forward it); the target group checks /healthz on the tasks"}
			}
		}
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("GET /healthz: status %d, want 200: %s", resp.StatusCode, snippet(body))
		}
		var health struct {
			Status string `json:"status"`
		}
		if err := json.Unmarshal(body, &health); err != nil || health.Status != "ok" {
			return "", fmt.Errorf(`GET /healthz: body %s, want {"status":"ok"}`, snippet(body))
		}
		return `200 {"status":"ok"}`, nil
	}
}

// checkInfo wants GET /api/v1/info to answer 200 with JSON naming the service
// and its version, and the version to equal want unless want is empty.
func checkInfo(want string) checkFunc {
	return func(ctx context.Context, client *http.Client, base *url.URL) (string, error) {
		resp, body, err := get(ctx, client, resolve(base, "/api/v1/info"))
		if err != nil {
			return "", err
		}
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("GET /api/v1/info: status %d, want 200: %s", resp.StatusCode, snippet(body))
		}
		if !isJSON(resp) {
			return "", fmt.Errorf("GET /api/v1/info: Content-Type %q, want application/json", resp.Header.Get("Content-Type"))
		}
		var info struct {
			Service string `json:"service"`
			Version string `json:"version"`
			Uptime  any    `json:"uptime"`
		}
		if err := json.Unmarshal(body, &info); err != nil {
			return "", fmt.Errorf("GET /api/v1/info: decode %s: %w", snippet(body), err)
		}
		if info.Version == "" {
			return "", fmt.Errorf("GET /api/v1/info: no version in %s", snippet(body))
		}
		if want != "" && info.Version != want {
			return "", fmt.Errorf("GET /api/v1/info: version %q, want %q (tasks of the previous deployment may still be serving)", info.Version, want)
		}
		detail := fmt.Sprintf("200 service %q version %q", info.Service, info.Version)
		if want == "" {
			detail += " (not compared)"
		}
		if info.Uptime != nil {
			detail += fmt.Sprintf(" uptime %v", info.Uptime)
		}
		return detail, nil
	}
}

// checkNotFound wants an unknown path to get a JSON 404 in the error shape
// {"error":{"code","message"}}, and says who answered: the app (its errors
// carry a requestId) or the load balancer's fixed response.
func checkNotFound() checkFunc {
	return func(ctx context.Context, client *http.Client, base *url.URL) (string, error) {
		resp, body, err := get(ctx, client, resolve(base, notFoundPath))
		if err != nil {
			return "", err
		}
		if resp.StatusCode != http.StatusNotFound {
			return "", fmt.Errorf("GET %s: status %d, want 404: %s", notFoundPath, resp.StatusCode, snippet(body))
		}
		if !isJSON(resp) {
			return "", fmt.Errorf("GET %s: 404 with Content-Type %q, want application/json: %s", notFoundPath, resp.Header.Get("Content-Type"), snippet(body))
		}
		e, ok := decodeError(resp, body)
		if !ok {
			return "", fmt.Errorf(`GET %s: 404 body %s, want {"error":{"code":…,"message":…}}`, notFoundPath, snippet(body))
		}
		if e.fromLoadBalancer(resp) {
			return fmt.Sprintf("404 JSON from the load balancer (code %q)", e.Code), nil
		}
		return fmt.Sprintf("404 JSON from the app (code %q, requestId %q)", e.Code, e.RequestID), nil
	}
}

// checkTLS wants the https endpoint to present a certificate that verifies
// against the client's roots for the URL's host, and reports its expiry.
func checkTLS(now func() time.Time) checkFunc {
	return func(ctx context.Context, client *http.Client, base *url.URL) (string, error) {
		resp, _, err := get(ctx, client, resolve(base, "/healthz"))
		if err != nil {
			return "", fmt.Errorf("TLS connection to %s: %w", base.Host, err)
		}
		if resp.TLS == nil || len(resp.TLS.PeerCertificates) == 0 {
			return "", fmt.Errorf("%s answered without TLS", base.Host)
		}
		leaf := resp.TLS.PeerCertificates[0]
		issuer := leaf.Issuer.CommonName
		if issuer == "" && len(leaf.Issuer.Organization) > 0 {
			issuer = leaf.Issuer.Organization[0]
		}
		days := int(leaf.NotAfter.Sub(now()).Hours() / 24)
		detail := fmt.Sprintf("certificate valid for %s, issued by %q, expires %s (in %d days)",
			base.Hostname(), issuer, leaf.NotAfter.UTC().Format(time.DateOnly), days)
		if days < 30 {
			detail += "; renew it soon"
		}
		return detail, nil
	}
}

// checkRedirect wants from (a plain-HTTP URL) to answer 301 with a Location
// on the https base URL, same host, same path.
func checkRedirect(from *url.URL) checkFunc {
	return func(ctx context.Context, client *http.Client, base *url.URL) (string, error) {
		resp, body, err := get(ctx, client, from)
		if err != nil {
			return "", err
		}
		if resp.StatusCode != http.StatusMovedPermanently {
			return "", fmt.Errorf("GET %s: status %d, want 301 to https: %s", from, resp.StatusCode, snippet(body))
		}
		raw := resp.Header.Get("Location")
		loc, err := from.Parse(raw)
		if err != nil {
			return "", fmt.Errorf("GET %s: 301 with Location %q: %w", from, raw, err)
		}
		want := &url.URL{Scheme: "https", Host: base.Host, Path: from.Path}
		if loc.Scheme != "https" || canonicalHost(loc) != canonicalHost(want) || loc.Path != want.Path {
			return "", fmt.Errorf("GET %s: 301 to %s, want %s", from, loc, want)
		}
		return fmt.Sprintf("%s answers 301 to %s", from, loc), nil
	}
}

// apiError is the error shape shared by the app and the load balancer's fixed responses.
type apiError struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"requestId"`
}

// fromLoadBalancer reports whether the error came from the load balancer's
// fixed response rather than the app: only the app tags its errors and
// responses with a request ID.
func (e apiError) fromLoadBalancer(resp *http.Response) bool {
	return e.RequestID == "" && resp.Header.Get("X-Request-ID") == ""
}

// decodeError parses a JSON error body; ok is false unless it has the error
// shape with a code and a message.
func decodeError(resp *http.Response, body []byte) (apiError, bool) {
	if !isJSON(resp) {
		return apiError{}, false
	}
	var envelope struct {
		Error apiError `json:"error"`
	}
	if err := json.Unmarshal(body, &envelope); err != nil {
		return apiError{}, false
	}
	e := envelope.Error
	return e, e.Code != "" && e.Message != ""
}

// get sends GET u and reads at most maxBody bytes of the answer.
func get(ctx context.Context, client *http.Client, u *url.URL) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "gin-fargate-smoke")
	resp, err := client.Do(req)
	if err != nil {
		var netErr net.Error
		if ctx.Err() == nil && errors.As(err, &netErr) && netErr.Timeout() {
			return nil, nil, fmt.Errorf("GET %s: no answer within the request timeout (%s): %w", u.Path, client.Timeout, err)
		}
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", u, err)
	}
	return resp, body, nil
}

// resolve returns base with its path replaced by path.
func resolve(base *url.URL, path string) *url.URL {
	return base.ResolveReference(&url.URL{Path: path})
}

// isJSON reports whether the response declares a JSON body.
func isJSON(resp *http.Response) bool {
	mediaType, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return err == nil && mediaType == "application/json"
}

// canonicalHost is u's host with the scheme's default port dropped.
func canonicalHost(u *url.URL) string {
	port := u.Port()
	if port == "" || (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		return strings.ToLower(u.Hostname())
	}
	return strings.ToLower(u.Host)
}

// snippet shortens a body for an error message.
func snippet(body []byte) string {
	const limit = 200
	s := strings.TrimSpace(string(body))
	if s == "" {
		return "(empty body)"
	}
	if len(s) > limit {
		return s[:limit] + "…"
	}
	return s
}
