package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// NewServer returns the API's HTTP handler: a Gin engine with every route and middleware. Its
// dependencies are its arguments: the logger, the validated config, the ECS task metadata reader
// and the clock.
func NewServer(logger *slog.Logger, cfg config, meta func() (taskMetadata, error), now func() time.Time) http.Handler {
	r := gin.New()

	// Unknown paths get a JSON 404 instead of a redirect to a cleaned path, and wrong methods a
	// JSON 405 whose Allow header Gin fills with the methods the path has.
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = true

	// The client IP comes from X-Forwarded-For only when the peer is a trusted proxy (the ALB,
	// inside the VPC CIDR), walking the list from the right to the first untrusted hop. X-Real-IP
	// is not consulted: the ALB passes it through from the client unchecked.
	r.TrustedPlatform = ""
	r.ForwardedByClientIP = true
	r.RemoteIPHeaders = []string{"X-Forwarded-For"}
	if err := r.SetTrustedProxies(cfg.trustedProxies); err != nil {
		// loadConfig has validated every CIDR, so this is a programming error.
		panic(fmt.Sprintf("set trusted proxies %q: %v", cfg.trustedProxies, err))
	}

	// Outermost first: the request ID exists before anything logs, the access log sees the final
	// status (a recovered panic's 500 included), and recovery guards everything after it.
	r.Use(
		requestID(),
		accessLog(logger),
		recovery(logger),
		secureHeaders(),
		limitBody(cfg.maxBodyBytes),
	)
	addRoutes(r, logger, cfg, meta, now)
	return r
}
