package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-fargate/gin-fargate/app/contract"
)

const (
	infoPath     = "/api/v1/info"
	notFoundPath = "/_smoke/not-found" // a path no deployment serves
)

// plan lists the checks in report order. The version comparison needs an expected version; the
// certificate and redirect checks apply to https URLs only (a stack with a domain).
func (p *prober) plan() []check {
	checks := []check{{name: "healthz", probe: p.healthz}, {name: "info", probe: p.info}}
	if p.version == "" {
		checks = append(checks, check{name: "version", skip: "no expected version: " + p.versionSource + " (pass -version)"})
	}
	checks = append(checks, check{name: "not-found", probe: p.notFound})
	if p.base.Scheme != "https" {
		const reason = "the URL is http:// (no domain configured)"
		return append(checks, check{name: "tls", skip: reason}, check{name: "redirect", skip: reason})
	}
	return append(checks, check{name: "tls", probe: p.certificate}, check{name: "redirect", probe: p.redirect})
}

// healthz wants 200 {"status":"ok"} from the health path. When the load balancer answers its own
// 404 (its paths do not forward the health path) the check is skipped: the target group's health
// check reaches the tasks directly.
func (p *prober) healthz(ctx context.Context) (string, error) {
	resp, body, err := p.get(ctx, p.at(contract.HealthPath))
	if err != nil {
		return "", err
	}
	if e, ok := errorBody(resp, body); ok && resp.StatusCode == http.StatusNotFound && e.RequestID == "" {
		return "", skipError("the load balancer answers 404 for " + contract.HealthPath + " (its paths do not forward it); the target group checks it on the tasks")
	}
	var health struct{ Status string }
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &health) != nil || health.Status != "ok" {
		return "", fmt.Errorf(`GET %s: %d %s, want 200 {"status":"ok"}`, contract.HealthPath, resp.StatusCode, snippet(body))
	}
	return `200 {"status":"ok"}`, nil
}

// info wants the info endpoint to answer 200 JSON naming the service and its version, and the
// version to be the expected one when there is one.
func (p *prober) info(ctx context.Context) (string, error) {
	resp, body, err := p.get(ctx, p.at(infoPath))
	if err != nil {
		return "", err
	}
	var info struct{ Service, Version, Uptime string }
	if resp.StatusCode != http.StatusOK || !isJSON(resp) || json.Unmarshal(body, &info) != nil || info.Version == "" {
		return "", fmt.Errorf("GET %s: %d %q %s, want 200 application/json with a version", infoPath, resp.StatusCode, resp.Header.Get("Content-Type"), snippet(body))
	}
	if p.version != "" && info.Version != p.version {
		return "", fmt.Errorf("GET %s: version %q, want %q (tasks of the previous deployment may still be serving)", infoPath, info.Version, p.version)
	}
	detail := fmt.Sprintf("200 service %q version %q uptime %s", info.Service, info.Version, info.Uptime)
	if p.version == "" {
		detail += " (not compared)"
	}
	return detail, nil
}

// notFound wants a path no deployment serves to answer 404 with the contract's error body, and
// says who answered: the API, whose errors carry the request ID, or the load balancer.
func (p *prober) notFound(ctx context.Context) (string, error) {
	resp, body, err := p.get(ctx, p.at(notFoundPath))
	if err != nil {
		return "", err
	}
	e, ok := errorBody(resp, body)
	if resp.StatusCode != http.StatusNotFound || !ok || e.Code != contract.CodeNotFound {
		return "", fmt.Errorf(`GET %s: %d %q %s, want 404 application/json {"error":{"code":%q,"message":…}}`,
			notFoundPath, resp.StatusCode, resp.Header.Get("Content-Type"), snippet(body), contract.CodeNotFound)
	}
	if e.RequestID == "" {
		return fmt.Sprintf("404 JSON from the load balancer (code %q)", e.Code), nil
	}
	return fmt.Sprintf("404 JSON from the API (code %q, requestId %q)", e.Code, e.RequestID), nil
}

// certificate wants the https URL's certificate to verify for its host against the client's roots,
// as every https request does, and reports who issued it and when it expires.
func (p *prober) certificate(ctx context.Context) (string, error) {
	resp, _, err := p.get(ctx, p.at(contract.HealthPath))
	if err != nil {
		return "", fmt.Errorf("TLS connection to %s: %w", p.base.Host, err)
	}
	leaf := resp.TLS.PeerCertificates[0]
	days := int(leaf.NotAfter.Sub(p.now()).Hours() / 24)
	detail := fmt.Sprintf("certificate valid for %s, issued by %s, expires %s (in %d days)",
		p.base.Hostname(), leaf.Issuer, leaf.NotAfter.UTC().Format(time.DateOnly), days)
	if days < 30 {
		detail += "; renew it soon"
	}
	return detail, nil
}

// redirect wants the plain-HTTP URL to answer 301 to the https URL's host and port with the same path.
func (p *prober) redirect(ctx context.Context) (string, error) {
	from := p.redirectFrom
	resp, _, err := p.get(ctx, from)
	if err != nil {
		return "", err
	}
	loc, err := resp.Location()
	if resp.StatusCode != http.StatusMovedPermanently || err != nil ||
		loc.Scheme != "https" || httpsAddr(loc) != httpsAddr(p.base) || loc.Path != from.Path {
		want := url.URL{Scheme: "https", Host: p.base.Host, Path: from.Path}
		return "", fmt.Errorf("GET %s: %d to %q, want 301 to %s", from, resp.StatusCode, resp.Header.Get("Location"), &want)
	}
	return fmt.Sprintf("%s answers 301 to %s", from, loc), nil
}

// errorBody decodes the contract's error body; ok is false for anything else.
func errorBody(resp *http.Response, body []byte) (e contract.ErrorBody, ok bool) {
	var r contract.ErrorResponse
	ok = isJSON(resp) && json.Unmarshal(body, &r) == nil && r.Error.Code != "" && r.Error.Message != ""
	return r.Error, ok
}

// isJSON reports whether the response declares a JSON body.
func isJSON(resp *http.Response) bool {
	mediaType, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return err == nil && mediaType == "application/json"
}

// httpsAddr is u's host and port, the port defaulting to HTTPS's.
func httpsAddr(u *url.URL) string {
	return strings.ToLower(net.JoinHostPort(u.Hostname(), cmp.Or(u.Port(), "443")))
}

// snippet shortens a body for an error message.
func snippet(body []byte) string {
	s := strings.TrimSpace(string(body))
	switch {
	case s == "":
		return "(empty body)"
	case len(s) > 200:
		return s[:200] + "…"
	}
	return s
}
