package main

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// handleEcho handles "POST /api/v1/echo": it answers the message it was sent. The body must be a
// JSON object whose field message is a string of 1 to 1000 characters.
func handleEcho() gin.HandlerFunc {
	type request struct {
		Message *string `json:"message" binding:"required,min=1,max=1000"`
	}
	type response struct {
		Message string `json:"message"`
	}
	return func(c *gin.Context) {
		var req request
		if err := c.ShouldBindJSON(&req); err != nil {
			respondError(c, bindError(err, codeInvalidField, `field "message"`))
			return
		}
		c.JSON(http.StatusOK, response{Message: *req.Message})
	}
}
