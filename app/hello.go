package main

import (
	"net/http"
	"net/url"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"
)

// handleHello handles "GET /api/v1/hello?name=": a greeting for name, or for the world without one.
// name must be 1 to 64 letters, digits, spaces, or - ' . _ characters.
func handleHello() gin.HandlerFunc {
	type query struct {
		Name string `binding:"min=1,max=64"`
	}
	type response struct {
		Message string `json:"message"`
	}
	return func(c *gin.Context) {
		// One parameter, read by hand: Gin's form mapping would parse the query string a second
		// time through reflection (a few per cent of a request's CPU) and skip what it cannot parse.
		values, err := url.ParseQuery(c.Request.URL.RawQuery)
		if err != nil {
			respondError(c, errorf(codeInvalidParameter, "query string is malformed: %v", err))
			return
		}
		q := query{Name: "world"}
		if names, ok := values["name"]; ok {
			q.Name = names[0]
		}
		if err := binding.Validator.ValidateStruct(q); err != nil {
			respondError(c, bindError(err, codeInvalidParameter, `query parameter "name"`))
			return
		}
		for _, r := range q.Name {
			if !isNameRune(r) {
				respondError(c, errorf(codeInvalidParameter, "query parameter \"name\" contains %q: allowed are letters, digits, spaces and - ' . _", r))
				return
			}
		}
		c.JSON(http.StatusOK, response{Message: "Hello, " + q.Name + "!"})
	}
}

func isNameRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) ||
		r == ' ' || r == '-' || r == '\'' || r == '.' || r == '_')
}
