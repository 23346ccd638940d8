// Package contract is what the API and the infrastructure that runs it agree on: the environment
// the task definition sets, the port and health path the load balancer uses, the timeouts that
// must fit inside each other, the user the container runs as, how the load balancer forwards the
// client's address, and the shape of every error body. The API (app/) and the Pulumi program
// (infra/) both import it; nothing else crosses between them.
package contract

import "time"

// Environment variables the task definition sets and the API reads. ECS itself sets
// EnvECSMetadataURI in every container.
const (
	EnvPort            = "PORT"
	EnvAppVersion      = "APP_VERSION"
	EnvServiceName     = "SERVICE_NAME"
	EnvLogLevel        = "LOG_LEVEL"
	EnvShutdownTimeout = "SHUTDOWN_TIMEOUT"
	EnvTrustedProxies  = "TRUSTED_PROXIES"
	EnvMaxBodyBytes    = "MAX_BODY_BYTES"
	EnvECSMetadataURI  = "ECS_CONTAINER_METADATA_URI_V4"
)

// DefaultPort is the port the API listens on when PORT is unset.
const DefaultPort = 8080

// HealthPath answers 200 while the API serves: the load balancer's target health check and the
// container health check both request it.
const HealthPath = "/healthz"

// The binary's path in the image and its health-check flag: the ECS container health check runs
// them, because the image has no shell or curl.
const (
	BinaryPath      = "/api"
	HealthcheckFlag = "-healthcheck"
)

// Idle timeouts of kept-alive connections. The API must keep a connection open longer than the
// load balancer does: if the API closed it first, the load balancer could send a request down it
// as it closes and answer 502.
const (
	AppIdleTimeout = 75 * time.Second
	ALBIdleTimeout = 60 * time.Second
)

// ShutdownTimeout is how long the API drains in-flight requests after SIGTERM; StopTimeout, the
// container's stopTimeout, gives it a few seconds more before ECS sends SIGKILL (Fargate allows at
// most 120 s).
const (
	ShutdownTimeout = 20 * time.Second
	StopTimeout     = ShutdownTimeout + 5*time.Second
)

// User is the numeric user and group the container runs as: distroless's nonroot.
const User = "65532:65532"

// ALBXFFMode is the load balancer's X-Forwarded-For processing: it appends the address of the peer
// it received the request from, so the rightmost entry that is not a trusted proxy (the load
// balancer, inside the VPC) is the client, whatever the client wrote into the header.
const ALBXFFMode = "append"

// Error codes that other parts of the stack than the API answer with, in the API's error shape.
const (
	CodeNotFound        = "not_found"
	CodeTooManyRequests = "too_many_requests"
)

// ErrorResponse is the one shape of every error body: the API's own, the load balancer's 404 for
// unrouted paths and the web ACL's 429.
//
//	{"error":{"code":"not_found","message":"...","requestId":"..."}}
type ErrorResponse struct {
	Error ErrorBody `json:"error"`
}

// ErrorBody is the error itself. RequestID is the request's X-Request-ID; answers that the load
// balancer or the web ACL write themselves carry none.
type ErrorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"requestId,omitempty"`
}
