package main

import (
	"context"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

// headerRequestID is the request ID header in Go's canonical form, so that reading it from the
// header maps needs no canonicalisation.
const headerRequestID = "X-Request-Id"

// requestID keeps the client's X-Request-ID when it is sane (1 to 128 characters from
// A-Z a-z 0-9 - _ . : = + /), and otherwise replaces it with a fresh random UUID. The ID goes
// into the response header, where requestIDOf reads it back for log lines and error bodies.
func requestID() gin.HandlerFunc {
	sane := regexp.MustCompile(`^[A-Za-z0-9_.:=+/-]{1,128}$`)
	return func(c *gin.Context) {
		var id string
		if values := c.Request.Header[headerRequestID]; len(values) == 1 && sane.MatchString(values[0]) {
			id = values[0]
		} else {
			id = uuid.NewString()
		}
		c.Writer.Header()[headerRequestID] = []string{id}
		c.Next()
	}
}

// requestIDOf returns the ID that requestID gave the current request.
func requestIDOf(c *gin.Context) string {
	if values := c.Writer.Header()[headerRequestID]; len(values) > 0 {
		return values[0]
	}
	return ""
}

// maxLoggedPathLength bounds the request path in a log line.
const maxLoggedPathLength = 256

// accessLog writes one JSON line per request once it is answered: method, route (the matched
// route template), status, latencyUs (microseconds), bytes, requestId and clientIp; the path too
// when no route matched (for a matched route it adds nothing but cardinality); and the error
// behind a 5xx. 5xx lines are logged at error level, the rest at info.
func accessLog(logger *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		status := c.Writer.Status()
		level := slog.LevelInfo
		if status >= http.StatusInternalServerError {
			level = slog.LevelError
		}
		ctx := context.Background() // the request's context may be cancelled by now; the line must still be written
		handler := logger.Handler()
		if !handler.Enabled(ctx, level) {
			return
		}
		// Straight to the handler: Logger.LogAttrs would also record the caller's program counter,
		// a stack walk on every request for a source location the line does not show.
		end := time.Now()
		route := c.FullPath()
		r := slog.NewRecord(end, level, "request", 0)
		r.AddAttrs(
			slog.String("method", c.Request.Method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Int64("latencyUs", end.Sub(start).Microseconds()),
			slog.Int("bytes", bodyBytes(c)),
			slog.String("requestId", requestIDOf(c)),
			slog.String("clientIp", c.ClientIP()),
		)
		if route == "" {
			r.AddAttrs(slog.String("path", truncate(c.Request.URL.Path, maxLoggedPathLength)))
		}
		if len(c.Errors) > 0 {
			r.AddAttrs(slog.String("error", c.Errors.String()))
		}
		_ = handler.Handle(ctx, r)
	}
}

// bodyBytes is the size of the response body sent: none for HEAD, whatever the handler wrote.
func bodyBytes(c *gin.Context) int {
	if c.Request.Method == http.MethodHead {
		return 0
	}
	return max(c.Writer.Size(), 0)
}

// recovery turns a panic in a handler into a JSON 500. The panic value and stack go to the log
// with the request ID; the client sees only the generic error body.
func recovery(logger *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v) // a deliberate abort: net/http closes the connection without logging
			}
			logger.LogAttrs(context.Background(), slog.LevelError, "panic recovered",
				slog.String("requestId", requestIDOf(c)),
				slog.String("panic", fmt.Sprint(v)),
				slog.String("stack", string(debug.Stack())),
			)
			if c.Writer.Written() {
				c.Abort() // the status line is gone already; the access log still records it
				return
			}
			respondError(c, fmt.Errorf("panic: %v", v))
		}()
		c.Next()
	}
}

// limitBody caps request bodies at maxBytes: a declared Content-Length over the limit is answered
// 413 at once; any other body fails with a 413 when a handler reads past the limit.
func limitBody(maxBytes int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > maxBytes {
			respondError(c, errorf(codePayloadTooLarge, "request body is larger than the limit of %d bytes", maxBytes))
			return
		}
		if c.Request.Body == http.NoBody || c.Request.Body == nil {
			c.Next() // nothing to limit (net/http gives a request without a body http.NoBody)
			return
		}
		// The unwrapped writer lets net/http close the connection instead of draining an
		// oversized body.
		var w http.ResponseWriter = c.Writer
		if u, ok := w.(interface{ Unwrap() http.ResponseWriter }); ok {
			w = u.Unwrap()
		}
		c.Request.Body = http.MaxBytesReader(w, c.Request.Body, maxBytes)
		c.Next()
	}
}

// requireJSON answers 415 unless the request declares a JSON body: Content-Type application/json,
// with no charset or charset=utf-8.
func requireJSON() gin.HandlerFunc {
	return func(c *gin.Context) {
		contentType := c.Request.Header.Get("Content-Type")
		mediaType, params, err := mime.ParseMediaType(contentType)
		switch charset := params["charset"]; {
		case contentType == "":
			respondError(c, errorf(codeUnsupportedMediaType, "Content-Type is missing: want application/json"))
		case err != nil || mediaType != "application/json":
			respondError(c, errorf(codeUnsupportedMediaType, "Content-Type %q is not supported: want application/json", truncate(contentType, 100)))
		case charset != "" && !strings.EqualFold(charset, "utf-8"):
			respondError(c, errorf(codeUnsupportedMediaType, "charset %q is not supported: want utf-8", truncate(charset, 100)))
		default:
			c.Next()
		}
	}
}

// secureHeaders stops browsers from sniffing a response into something other than its declared
// JSON type.
func secureHeaders() gin.HandlerFunc {
	nosniff := []string{"nosniff"} // shared by every response, never mutated: no allocation per request
	return func(c *gin.Context) {
		c.Writer.Header()["X-Content-Type-Options"] = nosniff
		c.Next()
	}
}

// truncate shortens s to at most n bytes for an error message.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
