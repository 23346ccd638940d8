package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzEcho sends arbitrary bodies and content types to POST /api/v1/echo through the real router.
// Whatever the input: no panic, no 5xx, a 4xx always in the one error shape, and a 200 only for a
// valid message, echoed unchanged. The f.Add seeds (and any testdata/fuzz corpus) run in every
// plain go test; go test -fuzz=FuzzEcho explores further.
func FuzzEcho(f *testing.F) {
	seeds := []struct{ contentType, body string }{
		{"application/json", `{"message":"hi"}`},
		{"application/json; charset=utf-8", `{"message":"h\u00e9llo \ud83d\ude00"}`},
		{"application/json", `{"message":""}`},
		{"application/json", `{"message":null}`},
		{"application/json", `{"message":1}`},
		{"application/json", `{"message":"a","extra":true}`},
		{"application/json", `{"MESSAGE":"case"}`},
		{"application/json", `{"message":"a","message":"b"}`},
		{"application/json", `{"message":"` + strings.Repeat("x", 1001) + `"}`},
		{"application/json", `{"message":"` + strings.Repeat("é", 1000) + `"}`},
		{"application/json", `{"message":"\xff\xfe"}`},
		{"application/json", `{"message":"\ud800"}`},
		{"application/json", `{"message":"a"} {"message":"b"}`},
		{"application/json", `{"message":`},
		{"application/json", `[{"message":"a"}]`},
		{"application/json", `"message"`},
		{"application/json", `{"message":"a"}` + strings.Repeat(" ", 300)},
		{"application/json", strings.Repeat("[", 10000)},
		{"application/json", `{"message":{"nested":{"deep":[1,2,3]}}}`},
		{"application/json", `{"message":1e999}`},
		{"application/json", ""},
		{"application/json", "\x00"},
		{"", `{"message":"hi"}`},
		{"text/plain", `{"message":"hi"}`},
		{"application/json; charset=latin1", `{"message":"hi"}`},
		{"application/json; charset", `{"message":"hi"}`},
		{"multipart/form-data; boundary=x", "--x--"},
		{"application/json\r\nX-Injected: 1", `{"message":"hi"}`},
	}
	for _, s := range seeds {
		f.Add(s.contentType, []byte(s.body))
	}

	cfg := testConfig(f, env{})
	cfg.maxBodyBytes = 256 // small, so that the fuzzer reaches the 413 path too
	srv := NewServer(newLogger(io.Discard, cfg), cfg, readTaskMetadata("", 0), time.Now)

	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/api/v1/echo", bytes.NewReader(body))
		req.Header["Content-Type"] = []string{contentType}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)

		switch w.Code {
		case http.StatusOK:
			var req, resp struct {
				Message string `json:"message"`
			}
			if err := json.NewDecoder(bytes.NewReader(body)).Decode(&req); err != nil {
				t.Fatalf("200 for a body that does not start with a JSON object: %q: %v", body, err)
			}
			if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
				t.Fatalf("200 body %q is not JSON: %v", w.Body, err)
			}
			if resp.Message != req.Message {
				t.Errorf("echoed %q, sent %q", resp.Message, req.Message)
			}
			if n := utf8.RuneCountInString(resp.Message); n < 1 || n > 1000 {
				t.Errorf("200 for a message of %d characters", n)
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
			e := parseErrorBody(t, w.Body.Bytes())
			if got, want := statusOf(e.Code), w.Code; got != want {
				t.Errorf("error code %q maps to %d, but the status is %d", e.Code, got, want)
			}
			if got, want := e.RequestID, w.Header().Get("X-Request-ID"); got != want {
				t.Errorf("error requestId = %q, want the header's %q", got, want)
			}
		default:
			t.Fatalf("status %d for Content-Type %q and body %q: %s", w.Code, contentType, body, w.Body)
		}
		if got, want := w.Header().Get("Content-Type"), "application/json; charset=utf-8"; got != want {
			t.Errorf("Content-Type = %q, want %q", got, want)
		}
	})
}
