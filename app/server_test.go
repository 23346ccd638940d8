package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gin-fargate/gin-fargate/app/contract"
)

// newTestServer returns the real router for cfg, logging at debug level into the returned buffer,
// as a *gin.Engine so that a test can add a route of its own (a panicking handler, say).
func newTestServer(t testing.TB, cfg config) (*gin.Engine, *logBuffer) {
	t.Helper()
	cfg.logLevel = -4 // slog.LevelDebug: every line
	logs := &logBuffer{}
	h := NewServer(newLogger(logs, cfg), cfg, readTaskMetadata(cfg.ecsMetadataURI, time.Second), time.Now)
	engine, ok := h.(*gin.Engine)
	if !ok {
		t.Fatalf("NewServer returned %T, want *gin.Engine", h)
	}
	return engine, logs
}

// request describes one request to send through the router.
type request struct {
	method, target string
	header         map[string]string
	body           string
	remoteAddr     string
	chunked        bool // send the body without a Content-Length
}

func (r request) send(t testing.TB, h http.Handler) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader = strings.NewReader(r.body)
	if r.chunked {
		body = io.MultiReader(body) // hides the length from httptest.NewRequest
	}
	req := httptest.NewRequestWithContext(t.Context(), r.method, r.target, body)
	if r.chunked {
		req.ContentLength = -1
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	if r.remoteAddr != "" {
		req.RemoteAddr = r.remoteAddr
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// parseErrorBody decodes body strictly as the one error shape and checks every field is set.
func parseErrorBody(t testing.TB, body []byte) contract.ErrorBody {
	t.Helper()
	var resp struct {
		Error *contract.ErrorBody `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&resp); err != nil || resp.Error == nil {
		t.Fatalf("body %s is not the error shape: %v", body, err)
	}
	if resp.Error.Code == "" || resp.Error.Message == "" || resp.Error.RequestID == "" {
		t.Errorf("error body %s has an empty field", body)
	}
	return *resp.Error
}

func jsonHeader() map[string]string { return map[string]string{"Content-Type": "application/json"} }

func TestRoutes(t *testing.T) {
	long := func(s string, n int) string { return strings.Repeat(s, n) }
	tests := map[string]struct {
		req         request
		maxBody     int64 // 0: the default
		wantStatus  int
		wantBody    string // the exact body of a success
		wantCode    string // the error code of a failure
		wantMessage string // a part of the failure's message
		wantAllow   string
	}{
		"healthz":                 {req: request{method: "GET", target: "/healthz"}, wantStatus: 200, wantBody: `{"status":"ok"}`},
		"healthz HEAD":            {req: request{method: "HEAD", target: "/healthz"}, wantStatus: 200},
		"healthz with query":      {req: request{method: "GET", target: "/healthz?probe=1"}, wantStatus: 200, wantBody: `{"status":"ok"}`},
		"healthz trailing slash":  {req: request{method: "GET", target: "/healthz/"}, wantStatus: 404, wantCode: "not_found", wantMessage: "GET /healthz/"},
		"healthz POST":            {req: request{method: "POST", target: "/healthz"}, wantStatus: 405, wantCode: "method_not_allowed", wantMessage: "POST", wantAllow: "GET, HEAD"},
		"healthz DELETE":          {req: request{method: "DELETE", target: "/healthz"}, wantStatus: 405, wantCode: "method_not_allowed", wantAllow: "GET, HEAD"},
		"unknown path":            {req: request{method: "GET", target: "/nope"}, wantStatus: 404, wantCode: "not_found", wantMessage: "GET /nope"},
		"unknown path POST":       {req: request{method: "POST", target: "/api/v1/nope", body: "{}"}, wantStatus: 404, wantCode: "not_found"},
		"api root":                {req: request{method: "GET", target: "/api/v1"}, wantStatus: 404, wantCode: "not_found"},
		"root":                    {req: request{method: "GET", target: "/"}, wantStatus: 404, wantCode: "not_found"},
		"unknown method on known": {req: request{method: "BREW", target: "/api/v1/info"}, wantStatus: 405, wantCode: "method_not_allowed", wantAllow: "GET, HEAD"},
		"info PUT":                {req: request{method: "PUT", target: "/api/v1/info"}, wantStatus: 405, wantCode: "method_not_allowed", wantAllow: "GET, HEAD"},
		"hello DELETE":            {req: request{method: "DELETE", target: "/api/v1/hello"}, wantStatus: 405, wantCode: "method_not_allowed", wantAllow: "GET, HEAD"},
		"echo GET":                {req: request{method: "GET", target: "/api/v1/echo"}, wantStatus: 405, wantCode: "method_not_allowed", wantMessage: "allowed methods are POST", wantAllow: "POST"},
		"echo OPTIONS":            {req: request{method: "OPTIONS", target: "/api/v1/echo"}, wantStatus: 405, wantCode: "method_not_allowed", wantAllow: "POST"},

		"hello":                 {req: request{method: "GET", target: "/api/v1/hello"}, wantStatus: 200, wantBody: `{"message":"Hello, world!"}`},
		"hello HEAD":            {req: request{method: "HEAD", target: "/api/v1/hello?name=Ada"}, wantStatus: 200},
		"hello name":            {req: request{method: "GET", target: "/api/v1/hello?name=Ada"}, wantStatus: 200, wantBody: `{"message":"Hello, Ada!"}`},
		"hello name with space": {req: request{method: "GET", target: "/api/v1/hello?name=Ada+Lovelace"}, wantStatus: 200, wantBody: `{"message":"Hello, Ada Lovelace!"}`},
		"hello unicode name":    {req: request{method: "GET", target: "/api/v1/hello?name=Zo%C3%AB%20O%27Brien-Smith"}, wantStatus: 200, wantBody: `{"message":"Hello, Zoë O'Brien-Smith!"}`},
		"hello other params":    {req: request{method: "GET", target: "/api/v1/hello?name=Ada&lang=en"}, wantStatus: 200, wantBody: `{"message":"Hello, Ada!"}`},
		"hello 64 characters":   {req: request{method: "GET", target: "/api/v1/hello?name=" + long("%C3%A9", 64)}, wantStatus: 200, wantBody: `{"message":"Hello, ` + long("é", 64) + `!"}`},
		"hello 65 characters":   {req: request{method: "GET", target: "/api/v1/hello?name=" + long("a", 65)}, wantStatus: 400, wantCode: "invalid_parameter", wantMessage: `query parameter "name" is 65 characters long: the maximum is 64`},
		"hello empty name":      {req: request{method: "GET", target: "/api/v1/hello?name="}, wantStatus: 400, wantCode: "invalid_parameter", wantMessage: `query parameter "name" is 0 characters long: the minimum is 1`},
		"hello markup":          {req: request{method: "GET", target: "/api/v1/hello?name=%3Cscript%3E"}, wantStatus: 400, wantCode: "invalid_parameter", wantMessage: `query parameter "name" contains '<': allowed are letters, digits, spaces and - ' . _`},
		"hello control char":    {req: request{method: "GET", target: "/api/v1/hello?name=a%00b"}, wantStatus: 400, wantCode: "invalid_parameter", wantMessage: `"name"`},
		"hello invalid utf-8":   {req: request{method: "GET", target: "/api/v1/hello?name=a%FFb"}, wantStatus: 400, wantCode: "invalid_parameter", wantMessage: `"name"`},
		"hello name twice":      {req: request{method: "GET", target: "/api/v1/hello?name=Ada&name=Bob"}, wantStatus: 200, wantBody: `{"message":"Hello, Ada!"}`},
		"hello bad escape":      {req: request{method: "GET", target: "/api/v1/hello?name=%zz"}, wantStatus: 400, wantCode: "invalid_parameter", wantMessage: "query string is malformed"},
		"hello semicolon":       {req: request{method: "GET", target: "/api/v1/hello?name=a;b"}, wantStatus: 400, wantCode: "invalid_parameter", wantMessage: "query string is malformed"},
		"hello POST":            {req: request{method: "POST", target: "/api/v1/hello?name=Ada"}, wantStatus: 405, wantCode: "method_not_allowed", wantAllow: "GET, HEAD"},

		"echo":                      {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: `{"message":"hi"}`}, wantStatus: 200, wantBody: `{"message":"hi"}`},
		"echo whitespace":           {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: " \n{ \"message\" : \"hi\" }\n\n"}, wantStatus: 200, wantBody: `{"message":"hi"}`},
		"echo 1000 characters":      {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: `{"message":"` + long("é", 1000) + `"}`}, wantStatus: 200, wantBody: `{"message":"` + long("é", 1000) + `"}`},
		"echo escapes":              {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: `{"message":"a\"b\\c\n\u00e9"}`}, wantStatus: 200, wantBody: `{"message":"a\"b\\c\né"}`},
		"echo charset utf-8":        {req: request{method: "POST", target: "/api/v1/echo", header: map[string]string{"Content-Type": "application/json; charset=UTF-8"}, body: `{"message":"hi"}`}, wantStatus: 200, wantBody: `{"message":"hi"}`},
		"echo upper-case type":      {req: request{method: "POST", target: "/api/v1/echo", header: map[string]string{"Content-Type": "Application/JSON"}, body: `{"message":"hi"}`}, wantStatus: 200, wantBody: `{"message":"hi"}`},
		"echo chunked":              {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: `{"message":"hi"}`, chunked: true}, wantStatus: 200, wantBody: `{"message":"hi"}`},
		"echo 1001 characters":      {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: `{"message":"` + long("a", 1001) + `"}`}, wantStatus: 400, wantCode: "invalid_field", wantMessage: `field "message" is 1001 characters long: the maximum is 1000`},
		"echo empty message":        {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: `{"message":""}`}, wantStatus: 400, wantCode: "invalid_field", wantMessage: `field "message" is 0 characters long: the minimum is 1`},
		"echo missing message":      {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: `{}`}, wantStatus: 400, wantCode: "invalid_field", wantMessage: `field "message" is required`},
		"echo null message":         {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: `{"message":null}`}, wantStatus: 400, wantCode: "invalid_field", wantMessage: `field "message" is required`},
		"echo null body":            {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: `null`}, wantStatus: 400, wantCode: "invalid_field", wantMessage: `field "message" is required`},
		"echo number":               {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: `{"message":42}`}, wantStatus: 400, wantCode: "invalid_field", wantMessage: `field "message" must be of type string, got number`},
		"echo bool":                 {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: `{"message":true}`}, wantStatus: 400, wantCode: "invalid_field", wantMessage: `field "message" must be of type string, got bool`},
		"echo object":               {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: `{"message":{"a":1}}`}, wantStatus: 400, wantCode: "invalid_field", wantMessage: `field "message" must be of type string, got object`},
		"echo array":                {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: `{"message":["a"]}`}, wantStatus: 400, wantCode: "invalid_field", wantMessage: `field "message" must be of type string, got array`},
		"echo other fields ignored": {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: `{"message":"hi","admin":true}`}, wantStatus: 200, wantBody: `{"message":"hi"}`},
		"echo malformed":            {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: `{"message" "hi"}`}, wantStatus: 400, wantCode: "invalid_json", wantMessage: `malformed JSON at byte 12: invalid character '"' after object key`},
		"echo single quotes":        {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: `{'message':'hi'}`}, wantStatus: 400, wantCode: "invalid_json", wantMessage: "malformed JSON at byte 2"},
		"echo truncated":            {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: `{"message":"hi"`}, wantStatus: 400, wantCode: "invalid_json", wantMessage: "ends before its JSON value is complete"},
		"echo empty body":           {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader()}, wantStatus: 400, wantCode: "invalid_json", wantMessage: "request body is empty"},
		"echo array body":           {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: `["hi"]`}, wantStatus: 400, wantCode: "invalid_json", wantMessage: "must be a JSON object, got array"},
		"echo string body":          {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: `"hi"`}, wantStatus: 400, wantCode: "invalid_json", wantMessage: "must be a JSON object, got string"},
		"echo no content type":      {req: request{method: "POST", target: "/api/v1/echo", body: `{"message":"hi"}`}, wantStatus: 415, wantCode: "unsupported_media_type", wantMessage: "Content-Type is missing: want application/json"},
		"echo text/plain":           {req: request{method: "POST", target: "/api/v1/echo", header: map[string]string{"Content-Type": "text/plain"}, body: `{"message":"hi"}`}, wantStatus: 415, wantCode: "unsupported_media_type", wantMessage: `Content-Type "text/plain" is not supported`},
		"echo form":                 {req: request{method: "POST", target: "/api/v1/echo", header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: `message=hi`}, wantStatus: 415, wantCode: "unsupported_media_type"},
		"echo bad content type":     {req: request{method: "POST", target: "/api/v1/echo", header: map[string]string{"Content-Type": "application/json; charset"}, body: `{"message":"hi"}`}, wantStatus: 415, wantCode: "unsupported_media_type"},
		"echo latin-1":              {req: request{method: "POST", target: "/api/v1/echo", header: map[string]string{"Content-Type": "application/json; charset=iso-8859-1"}, body: `{"message":"hi"}`}, wantStatus: 415, wantCode: "unsupported_media_type", wantMessage: `charset "iso-8859-1" is not supported: want utf-8`},
		"echo at the limit":         {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: `{"message":"` + long("a", 50) + `"}`}, maxBody: 64, wantStatus: 200, wantBody: `{"message":"` + long("a", 50) + `"}`},
		"echo over the limit":       {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: `{"message":"` + long("a", 51) + `"}`}, maxBody: 64, wantStatus: 413, wantCode: "payload_too_large", wantMessage: "larger than the limit of 64 bytes"},
		"echo over limit chunked":   {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: `{"message":"` + long("a", 51) + `"}`, chunked: true}, maxBody: 64, wantStatus: 413, wantCode: "payload_too_large", wantMessage: "larger than the limit of 64 bytes"},
		"echo over 1 MiB":           {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: `{"message":"` + long("a", 1<<20) + `"}`}, wantStatus: 413, wantCode: "payload_too_large", wantMessage: "larger than the limit of 1048576 bytes"},
		"echo over 1 MiB chunked":   {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: `{"message":"` + long("a", 1<<20) + `"}`, chunked: true}, wantStatus: 413, wantCode: "payload_too_large", wantMessage: "larger than the limit of 1048576 bytes"},
		"echo too large wrong type": {req: request{method: "POST", target: "/api/v1/echo", header: map[string]string{"Content-Type": "text/plain"}, body: long("a", 100)}, maxBody: 64, wantStatus: 413, wantCode: "payload_too_large"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(t, env{})
			if tt.maxBody != 0 {
				cfg.maxBodyBytes = tt.maxBody
			}
			srv, logs := newTestServer(t, cfg)
			w := tt.req.send(t, srv)
			body := w.Body.Bytes()

			if got, want := w.Code, tt.wantStatus; got != want {
				t.Fatalf("%s %s: status = %d, want %d; body %s", tt.req.method, tt.req.target, got, want, body)
			}
			if got, want := w.Header().Get("X-Content-Type-Options"), "nosniff"; got != want {
				t.Errorf("X-Content-Type-Options = %q, want %q", got, want)
			}
			if got, want := w.Header().Get("Allow"), tt.wantAllow; got != want {
				t.Errorf("Allow = %q, want %q", got, want)
			}
			if got, want := w.Header().Get("Content-Type"), "application/json; charset=utf-8"; got != want {
				t.Errorf("Content-Type = %q, want %q", got, want)
			}
			switch {
			case tt.req.method == http.MethodHead:
				// The recorder keeps what the handler wrote; net/http sends no body for HEAD
				// (TestRunServesUntilCancelled checks that on the wire).
			case tt.wantCode == "":
				if got, want := string(body), tt.wantBody; got != want {
					t.Errorf("body = %s, want %s", got, want)
				}
			default:
				e := parseErrorBody(t, body)
				if got, want := e.Code, tt.wantCode; got != want {
					t.Errorf("error code = %q, want %q (message %q)", got, want, e.Message)
				}
				if !strings.Contains(e.Message, tt.wantMessage) {
					t.Errorf("error message = %q, want it to contain %q", e.Message, tt.wantMessage)
				}
			}
			// One access line, with the status, for every answer (TestAccessLog checks its fields).
			if lines := logs.find(t, "request"); len(lines) != 1 || lines[0]["status"] != float64(tt.wantStatus) {
				t.Errorf("access log lines = %v, want 1 with status %d", lines, tt.wantStatus)
			}
		})
	}
}

func TestRequestID(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	tests := map[string]struct {
		header   []string // X-Request-ID values sent
		wantKept bool
	}{
		"absent":              {header: nil},
		"uuid":                {header: []string{"0b9c6c1e-7f3a-4c55-9d7e-0c5e7c2b1a11"}, wantKept: true},
		"trace id":            {header: []string{"Root=1-67891233-abcdef012345678912345678"}, wantKept: true},
		"base64":              {header: []string{"aGVsbG8+/w=="}, wantKept: true},
		"one character":       {header: []string{"a"}, wantKept: true},
		"128 characters":      {header: []string{strings.Repeat("a", 128)}, wantKept: true},
		"129 characters":      {header: []string{strings.Repeat("a", 129)}},
		"empty":               {header: []string{""}},
		"space":               {header: []string{"a b"}},
		"markup":              {header: []string{"<script>"}},
		"quote":               {header: []string{`a"b`}},
		"backslash":           {header: []string{`a\b`}},
		"non-ascii":           {header: []string{"é"}},
		"two headers":         {header: []string{"a", "b"}},
		"comma-joined header": {header: []string{"a,b"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, logs := newTestServer(t, testConfig(t, env{}))
			req := httptest.NewRequestWithContext(t.Context(), "GET", "/nope", nil)
			for _, v := range tt.header {
				req.Header.Add("X-Request-ID", v)
			}
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, req)

			got := w.Header().Values("X-Request-ID")
			if len(got) != 1 {
				t.Fatalf("X-Request-ID response headers = %q, want exactly one", got)
			}
			id := got[0]
			if tt.wantKept {
				if want := tt.header[0]; id != want {
					t.Errorf("X-Request-ID = %q, want the client's %q kept", id, want)
				}
			} else if !uuid.MatchString(id) {
				t.Errorf("X-Request-ID = %q, want a generated version 4 UUID", id)
			}
			if got, want := parseErrorBody(t, w.Body.Bytes()).RequestID, id; got != want {
				t.Errorf("error body requestId = %q, want %q", got, want)
			}
			lines := logs.find(t, "request")
			if len(lines) != 1 {
				t.Fatalf("access log lines = %d, want 1", len(lines))
			}
			if got, want := lines[0].str("requestId"), id; got != want {
				t.Errorf("access log requestId = %q, want %q", got, want)
			}
		})
	}

	t.Run("generated IDs differ", func(t *testing.T) {
		srv, _ := newTestServer(t, testConfig(t, env{}))
		seen := map[string]bool{}
		for range 100 {
			w := request{method: "GET", target: "/healthz"}.send(t, srv)
			id := w.Header().Get("X-Request-ID")
			if seen[id] {
				t.Fatalf("request ID %q generated twice", id)
			}
			seen[id] = true
		}
	})
}

func TestClientIP(t *testing.T) {
	tests := map[string]struct {
		trustedProxies string
		remoteAddr     string
		header         map[string]string
		want           string
	}{
		"no proxy trusted ignores X-Forwarded-For": {
			remoteAddr: "10.0.1.5:40000", header: map[string]string{"X-Forwarded-For": "203.0.113.7"}, want: "10.0.1.5",
		},
		"trusted proxy": {
			trustedProxies: "10.0.0.0/16", remoteAddr: "10.0.1.5:40000",
			header: map[string]string{"X-Forwarded-For": "203.0.113.7"}, want: "203.0.113.7",
		},
		"chain of trusted proxies": {
			trustedProxies: "10.0.0.0/16", remoteAddr: "10.0.1.5:40000",
			header: map[string]string{"X-Forwarded-For": "203.0.113.7, 10.0.2.2"}, want: "203.0.113.7",
		},
		"untrusted peer": {
			trustedProxies: "10.0.0.0/16", remoteAddr: "192.0.2.1:40000",
			header: map[string]string{"X-Forwarded-For": "203.0.113.7"}, want: "192.0.2.1",
		},
		"X-Real-IP is ignored": {
			trustedProxies: "10.0.0.0/16", remoteAddr: "10.0.1.5:40000",
			header: map[string]string{"X-Real-IP": "203.0.113.7"}, want: "10.0.1.5",
		},
		"garbage X-Forwarded-For": {
			trustedProxies: "10.0.0.0/16", remoteAddr: "10.0.1.5:40000",
			header: map[string]string{"X-Forwarded-For": "not-an-ip"}, want: "10.0.1.5",
		},
		"IPv6": {
			trustedProxies: "fd00::/8", remoteAddr: "[fd00::1]:40000",
			header: map[string]string{"X-Forwarded-For": "2001:db8::7"}, want: "2001:db8::7",
		},
		"single trusted address": {
			trustedProxies: "10.0.1.5", remoteAddr: "10.0.1.5:40000",
			header: map[string]string{"X-Forwarded-For": "203.0.113.7"}, want: "203.0.113.7",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, logs := newTestServer(t, testConfig(t, env{"TRUSTED_PROXIES": tt.trustedProxies}))
			request{method: "GET", target: "/healthz", header: tt.header, remoteAddr: tt.remoteAddr}.send(t, srv)
			lines := logs.find(t, "request")
			if len(lines) != 1 {
				t.Fatalf("access log lines = %d, want 1", len(lines))
			}
			if got := lines[0].str("clientIp"); got != tt.want {
				t.Errorf("clientIp = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAccessLog(t *testing.T) {
	tests := map[string]struct {
		req       request
		wantRoute string
		wantPath  string // logged only when no route matched
		wantLevel string
	}{
		"matched route":  {req: request{method: "GET", target: "/api/v1/hello?name=Ada"}, wantRoute: "/api/v1/hello", wantLevel: "INFO"},
		"client error":   {req: request{method: "POST", target: "/api/v1/echo", header: jsonHeader(), body: "{"}, wantRoute: "/api/v1/echo", wantLevel: "INFO"},
		"no route":       {req: request{method: "GET", target: "/secret?token=x"}, wantRoute: "", wantPath: "/secret", wantLevel: "INFO"},
		"wrong method":   {req: request{method: "PATCH", target: "/healthz"}, wantRoute: "", wantPath: "/healthz", wantLevel: "INFO"},
		"HEAD":           {req: request{method: "HEAD", target: "/healthz"}, wantRoute: "/healthz", wantLevel: "INFO"},
		"very long path": {req: request{method: "GET", target: "/" + strings.Repeat("x", 1000)}, wantRoute: "", wantPath: "/" + strings.Repeat("x", maxLoggedPathLength-1) + "...", wantLevel: "INFO"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, logs := newTestServer(t, testConfig(t, env{"APP_VERSION": "v1.0.0"}))
			tt.req.remoteAddr = "192.0.2.10:1234"
			w := tt.req.send(t, srv)

			wantBytes := w.Body.Len()
			if tt.req.method == http.MethodHead {
				wantBytes = 0 // net/http sends no body for HEAD, whatever the handler wrote
			}
			lines := logs.find(t, "request")
			if len(lines) != 1 {
				t.Fatalf("access log lines = %d, want 1; log:\n%s", len(lines), logs.String())
			}
			l := lines[0]
			for key, want := range map[string]any{
				"level":     tt.wantLevel,
				"method":    tt.req.method,
				"route":     tt.wantRoute,
				"status":    float64(w.Code),
				"bytes":     float64(wantBytes),
				"requestId": w.Header().Get("X-Request-ID"),
				"clientIp":  "192.0.2.10",
				"version":   "v1.0.0",
			} {
				if got := l[key]; got != want {
					t.Errorf("log %s = %#v, want %#v", key, got, want)
				}
			}
			if got, ok := l["path"]; tt.wantPath == "" && ok {
				t.Errorf("log path = %#v for a matched route, want none", got)
			} else if tt.wantPath != "" && got != tt.wantPath {
				t.Errorf("log path = %#v, want %q", got, tt.wantPath)
			}
			if latency, ok := l["latencyUs"].(float64); !ok || latency < 0 || latency != float64(int64(latency)) {
				t.Errorf("log latencyUs = %#v, want an integer >= 0", l["latencyUs"])
			}
			if _, err := time.Parse(time.RFC3339Nano, l.str("time")); err != nil {
				t.Errorf("log time %q: %v", l.str("time"), err)
			}
			if strings.Contains(logs.String(), "token=x") {
				t.Error("the access log contains the query string")
			}
		})
	}

	t.Run("level filters access lines", func(t *testing.T) {
		cfg := testConfig(t, env{"LOG_LEVEL": "warn"})
		logs := &logBuffer{}
		srv := NewServer(newLogger(logs, cfg), cfg, readTaskMetadata("", 0), time.Now)
		request{method: "GET", target: "/healthz"}.send(t, srv)
		if got := logs.String(); got != "" {
			t.Errorf("LOG_LEVEL=warn logged %q for a 200, want nothing", got)
		}
	})
}

func TestInternalErrors(t *testing.T) {
	const secret = "password=hunter2 at db.internal:5432"
	tests := map[string]struct {
		handler    gin.HandlerFunc
		wantStatus int
		wantPanic  bool
	}{
		"panic": {
			handler:    func(c *gin.Context) { panic(secret) },
			wantStatus: 500, wantPanic: true,
		},
		"panic with error": {
			handler:    func(c *gin.Context) { panic(errors.New(secret)) },
			wantStatus: 500, wantPanic: true,
		},
		"error": {
			handler:    func(c *gin.Context) { respondError(c, errors.New(secret)) },
			wantStatus: 500,
		},
		"panic after the header": {
			handler: func(c *gin.Context) {
				c.Status(http.StatusAccepted)
				c.Writer.WriteHeaderNow()
				panic(secret)
			},
			wantStatus: 202, wantPanic: true,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, logs := newTestServer(t, testConfig(t, env{}))
			srv.GET("/test/fail", tt.handler)
			w := request{method: "GET", target: "/test/fail"}.send(t, srv)

			if got, want := w.Code, tt.wantStatus; got != want {
				t.Fatalf("status = %d, want %d", got, want)
			}
			if strings.Contains(w.Body.String(), "hunter2") {
				t.Errorf("response body %s leaks the internal error", w.Body)
			}
			id := w.Header().Get("X-Request-ID")
			if tt.wantStatus == 500 {
				e := parseErrorBody(t, w.Body.Bytes())
				if e.Code != "internal_error" || e.Message != "internal server error" || e.RequestID != id {
					t.Errorf("error = %+v, want internal_error, \"internal server error\", request ID %q", e, id)
				}
			}

			access := logs.find(t, "request")
			if len(access) != 1 {
				t.Fatalf("access log lines = %d, want 1; log:\n%s", len(access), logs.String())
			}
			if tt.wantStatus == 500 {
				if got, want := access[0].str("level"), "ERROR"; got != want {
					t.Errorf("access log level = %q, want %q", got, want)
				}
				if !strings.Contains(access[0].str("error"), "hunter2") {
					t.Errorf("access log error = %q, want the internal error's details", access[0].str("error"))
				}
			}
			panics := logs.find(t, "panic recovered")
			if !tt.wantPanic {
				if len(panics) != 0 {
					t.Errorf("panic log lines = %d, want 0", len(panics))
				}
				return
			}
			if len(panics) != 1 {
				t.Fatalf("panic log lines = %d, want 1; log:\n%s", len(panics), logs.String())
			}
			p := panics[0]
			if got, want := p.str("requestId"), id; got != want {
				t.Errorf("panic log requestId = %q, want %q", got, want)
			}
			if !strings.Contains(p.str("panic"), "hunter2") {
				t.Errorf("panic log panic = %q, want the panic value", p.str("panic"))
			}
			if !strings.Contains(p.str("stack"), "server_test.go") {
				t.Errorf("panic log stack does not show the panicking handler:\n%s", p.str("stack"))
			}
		})
	}

	t.Run("abort handler panic propagates", func(t *testing.T) {
		srv, _ := newTestServer(t, testConfig(t, env{}))
		srv.GET("/test/abort", func(*gin.Context) { panic(http.ErrAbortHandler) })
		defer func() {
			if v := recover(); v != http.ErrAbortHandler {
				t.Errorf("recovered %v, want http.ErrAbortHandler to reach net/http", v)
			}
		}()
		request{method: "GET", target: "/test/abort"}.send(t, srv)
	})
}
