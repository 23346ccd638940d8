package main

import (
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gin-fargate/gin-fargate/app/contract"
)

// addRoutes registers the whole API surface. Every GET route also answers HEAD; anything else is a
// JSON 404 or, for a known path, a JSON 405 with an Allow header.
func addRoutes(r *gin.Engine, logger *slog.Logger, cfg config, meta func() (taskMetadata, error), now func() time.Time) {
	r.NoRoute(handleNoRoute())
	r.NoMethod(handleNoMethod())

	healthz := handleHealthz()
	r.GET(contract.HealthPath, healthz)
	r.HEAD(contract.HealthPath, healthz)

	v1 := r.Group("/api/v1")
	{
		info := handleInfo(logger, cfg, meta, now)
		v1.GET("/info", info)
		v1.HEAD("/info", info)

		hello := handleHello()
		v1.GET("/hello", hello)
		v1.HEAD("/hello", hello)

		v1.POST("/echo", requireJSON(), handleEcho())
	}
}
