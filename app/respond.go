package main

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gin-fargate/gin-fargate/app/contract"
)

// Error codes: the stable, machine-readable part of every error response. Each maps to one status
// in statusOf; not_found is contract.CodeNotFound, which the load balancer answers too.
const (
	codeBadRequest           = "bad_request"
	codeInvalidParameter     = "invalid_parameter"
	codeInvalidJSON          = "invalid_json"
	codeInvalidField         = "invalid_field"
	codeMethodNotAllowed     = "method_not_allowed"
	codePayloadTooLarge      = "payload_too_large"
	codeUnsupportedMediaType = "unsupported_media_type"
	codeInternal             = "internal_error"
)

// statusOf maps an error code to its HTTP status.
func statusOf(code string) int {
	switch code {
	case codeBadRequest, codeInvalidParameter, codeInvalidJSON, codeInvalidField:
		return http.StatusBadRequest
	case contract.CodeNotFound:
		return http.StatusNotFound
	case codeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case codePayloadTooLarge:
		return http.StatusRequestEntityTooLarge
	case codeUnsupportedMediaType:
		return http.StatusUnsupportedMediaType
	}
	return http.StatusInternalServerError
}

// apiError is an error the client caused and may see: its message goes into the response.
type apiError struct {
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

// errorf returns an *apiError with a formatted message.
func errorf(code, format string, args ...any) *apiError {
	return &apiError{code: code, message: fmt.Sprintf(format, args...)}
}

// respondError writes err in the one error shape, contract.ErrorResponse, and stops the handler
// chain. An *apiError is shown as it is; any other error is an internal one: the client gets a
// bare 500, and the error is attached to the context for the access log line, which carries it
// with the request ID.
func respondError(c *gin.Context, err error) {
	var apiErr *apiError
	if !errors.As(err, &apiErr) {
		_ = c.Error(err)
		apiErr = &apiError{code: codeInternal, message: "internal server error"}
	}
	c.AbortWithStatusJSON(statusOf(apiErr.code), contract.ErrorResponse{Error: contract.ErrorBody{
		Code:      apiErr.code,
		Message:   apiErr.message,
		RequestID: requestIDOf(c),
	}})
}

// handleNoRoute answers a path that no route matches.
func handleNoRoute() gin.HandlerFunc {
	return func(c *gin.Context) {
		respondError(c, errorf(contract.CodeNotFound, "no route matches %s %s", c.Request.Method, truncate(c.Request.URL.Path, maxLoggedPathLength)))
	}
}

// handleNoMethod answers a known path requested with a method it does not have. Gin has already
// set the Allow header to the methods the path does have.
func handleNoMethod() gin.HandlerFunc {
	return func(c *gin.Context) {
		respondError(c, errorf(codeMethodNotAllowed, "method %s is not allowed on %s: allowed methods are %s",
			c.Request.Method, c.Request.URL.Path, c.Writer.Header().Get("Allow")))
	}
}
