package main

import (
	"net/http"
	"net/url"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// Bounds of the name query parameter of /api/v1/hello.
const (
	maxNameLength = 64 // characters (runes)
	defaultName   = "world"
)

// handleHello handles "GET /api/v1/hello?name=": a greeting for name, or for the world without one.
// name must be 1 to 64 letters, digits, spaces, or - ' . _ characters, and given at most once.
func handleHello() gin.HandlerFunc {
	type response struct {
		Message string `json:"message"`
	}
	return func(c *gin.Context) {
		name, err := helloName(c.Request.URL.RawQuery)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, response{Message: "Hello, " + name + "!"})
	}
}

// helloName reads and validates the name parameter from a raw query string.
func helloName(rawQuery string) (string, error) {
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", errorf(codeInvalidParameter, "query string is malformed: %v", err)
	}
	names, ok := query["name"]
	switch {
	case !ok:
		return defaultName, nil
	case len(names) > 1:
		return "", errorf(codeInvalidParameter, "query parameter \"name\" is given %d times: give it at most once", len(names))
	}
	name := names[0]
	if n := utf8.RuneCountInString(name); n < 1 || n > maxNameLength {
		return "", errorf(codeInvalidParameter, "query parameter \"name\" must be 1 to %d characters, got %d", maxNameLength, n)
	}
	for _, r := range name {
		if !isNameRune(r) {
			return "", errorf(codeInvalidParameter, "query parameter \"name\" contains %q: allowed are letters, digits, spaces and - ' . _", r)
		}
	}
	return name, nil
}

func isNameRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) ||
		r == ' ' || r == '-' || r == '\'' || r == '.' || r == '_')
}
