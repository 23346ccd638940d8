package main

import (
	"net/http"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// maxMessageLength bounds the message field of /api/v1/echo, in characters (runes).
const maxMessageLength = 1000

// handleEcho handles "POST /api/v1/echo": it answers the message it was sent. The body must be a
// JSON object with exactly one field, message: a string of 1 to 1000 characters.
func handleEcho() gin.HandlerFunc {
	type request struct {
		Message *string `json:"message"`
	}
	type response struct {
		Message string `json:"message"`
	}
	return func(c *gin.Context) {
		var req request
		if err := decodeJSON(c.Request.Body, &req); err != nil {
			respondError(c, err)
			return
		}
		if req.Message == nil {
			respondError(c, errorf(codeInvalidField, "field \"message\" is required: want a string of 1 to %d characters", maxMessageLength))
			return
		}
		if n := utf8.RuneCountInString(*req.Message); n < 1 || n > maxMessageLength {
			respondError(c, errorf(codeInvalidField, "field \"message\" must be 1 to %d characters, got %d", maxMessageLength, n))
			return
		}
		c.JSON(http.StatusOK, response{Message: *req.Message})
	}
}
