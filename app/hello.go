package main

import (
	"net/http"
	"net/url"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// handleHello handles "GET /api/v1/hello?name=": a greeting for name, or for the world without one.
// name must be 1 to 64 letters, digits, spaces, or - ' . _ characters.
func handleHello() gin.HandlerFunc {
	type query struct {
		Name *string `form:"name" binding:"omitnil,min=1,max=64"`
	}
	type response struct {
		Message string `json:"message"`
	}
	return func(c *gin.Context) {
		// Gin's binding skips what it cannot parse; a malformed query string is the client's error.
		if _, err := url.ParseQuery(c.Request.URL.RawQuery); err != nil {
			respondError(c, errorf(codeInvalidParameter, "query string is malformed: %v", err))
			return
		}
		var q query
		if err := c.ShouldBindQuery(&q); err != nil {
			respondError(c, bindError(err, codeInvalidParameter, `query parameter "name"`))
			return
		}
		name := "world"
		if q.Name != nil {
			name = *q.Name
		}
		for _, r := range name {
			if !isNameRune(r) {
				respondError(c, errorf(codeInvalidParameter, "query parameter \"name\" contains %q: allowed are letters, digits, spaces and - ' . _", r))
				return
			}
		}
		c.JSON(http.StatusOK, response{Message: "Hello, " + name + "!"})
	}
}

func isNameRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) ||
		r == ' ' || r == '-' || r == '\'' || r == '.' || r == '_')
}
