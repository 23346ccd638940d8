package main

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// handleHealthz handles "GET /healthz" (contract.HealthPath), the path of the load balancer's
// target health check and of the container health check (-healthcheck). It answers 200 {"status":"ok"} while the process
// serves.
func handleHealthz() gin.HandlerFunc {
	type response struct {
		Status string `json:"status"`
	}
	return func(c *gin.Context) {
		c.JSON(http.StatusOK, response{Status: "ok"})
	}
}
