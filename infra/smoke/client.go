package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"
)

// maxBody bounds how much of a body a check reads.
const maxBody = 1 << 20

// prober sends the smoke run's requests to its target and judges the answers.
type prober struct {
	target
	client *http.Client
	runID  string // prefix of every request's X-Request-ID, so the run can be found in the logs
	sent   int
	now    func() time.Time
}

// newClient returns the client every check uses: it verifies TLS against roots (nil: the system
// roots), never follows redirects (the redirect check looks at them), opens a fresh connection per
// request so that a retry sees new DNS answers and targets, and gives up on a request after timeout.
func newClient(roots *x509.CertPool, timeout time.Duration) *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	transport.DisableKeepAlives = true
	return &http.Client{
		Transport:     transport,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// loadRoots returns the system roots plus the PEM certificates in caFile, or nil (the system roots)
// when caFile is empty.
func loadRoots(caFile string) (*x509.CertPool, error) {
	if caFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("read -ca-file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		return nil, fmt.Errorf("load the system roots: %w", err)
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("read -ca-file %s: no PEM certificate in it", caFile)
	}
	return pool, nil
}

// get sends GET u with the run's next request ID and reads at most maxBody bytes of the answer.
func (p *prober) get(ctx context.Context, u *url.URL) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("build request: %w", err)
	}
	p.sent++
	req.Header.Set("X-Request-ID", fmt.Sprintf("%s-%d", p.runID, p.sent))
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "gin-fargate-smoke")
	resp, err := p.client.Do(req)
	if err != nil {
		var netErr net.Error
		if errors.As(err, &netErr) && netErr.Timeout() && ctx.Err() == nil {
			return nil, nil, fmt.Errorf("GET %s: no answer within the request timeout (%s): %w", u, p.client.Timeout, err)
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

// at is the target's URL with path.
func (p *prober) at(path string) *url.URL {
	return p.base.ResolveReference(&url.URL{Path: path})
}
