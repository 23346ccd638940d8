package main

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// handleInfo handles "GET /api/v1/info": the service's name (SERVICE_NAME, left out when unset),
// version and uptime, and, on ECS, the task ARN and availability zone from the task metadata
// endpoint. When the metadata could not be read the two fields are left out and the reason is
// logged; the endpoint itself still answers 200.
func handleInfo(logger *slog.Logger, cfg config, meta func() (taskMetadata, error), now func() time.Time) gin.HandlerFunc {
	type response struct {
		Service          string    `json:"service,omitempty"`
		Version          string    `json:"version"`
		StartedAt        time.Time `json:"startedAt"`
		Uptime           string    `json:"uptime"`
		UptimeSeconds    int64     `json:"uptimeSeconds"`
		TaskARN          string    `json:"taskArn,omitempty"`
		AvailabilityZone string    `json:"availabilityZone,omitempty"`
	}
	started := now().UTC()
	return func(c *gin.Context) {
		task, err := meta()
		if err != nil {
			logger.LogAttrs(c.Request.Context(), slog.LevelWarn, "task metadata unavailable",
				slog.String("requestId", requestIDOf(c)), slog.String("error", err.Error()))
		}
		uptime := now().Sub(started).Truncate(time.Second)
		c.JSON(http.StatusOK, response{
			Service:          cfg.serviceName,
			Version:          cfg.version,
			StartedAt:        started,
			Uptime:           uptime.String(),
			UptimeSeconds:    int64(uptime / time.Second),
			TaskARN:          task.TaskARN,
			AvailabilityZone: task.AvailabilityZone,
		})
	}
}
