package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

// newClient returns the HTTP client every check uses. It verifies TLS against
// roots (nil means the system roots), never follows redirects (the checks look
// at them), opens a fresh connection per request so a retry sees new DNS
// answers and new targets, and gives up on one request after timeout.
func newClient(roots *x509.CertPool, timeout time.Duration, requestIDPrefix string) *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	transport.DisableKeepAlives = true
	return &http.Client{
		Transport: &requestIDTransport{next: transport, prefix: requestIDPrefix},
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// loadRoots returns the system roots plus the PEM certificates in caFile, or
// nil (the system roots) when caFile is empty.
func loadRoots(caFile string) (*x509.CertPool, error) {
	if caFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("read CA file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("read CA file %s: no PEM certificate in it", caFile)
	}
	return pool, nil
}

// requestIDTransport numbers the smoke test's requests with an X-Request-ID
// header, so they can be found in the service's logs.
type requestIDTransport struct {
	next   http.RoundTripper
	prefix string
	n      atomic.Int64
}

func (t *requestIDTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("X-Request-ID", t.prefix+"-"+strconv.FormatInt(t.n.Add(1), 10))
	return t.next.RoundTrip(req)
}
