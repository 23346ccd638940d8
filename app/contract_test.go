package main

import (
	"log/slog"
	"net/http"
	"testing"

	"github.com/gin-fargate/gin-fargate/app/contract"
)

// The relations between the API and the infrastructure that runs it, on the API's side.

// TestIdleTimeoutOutlastsALB: the server the API runs keeps an idle connection open longer than
// the load balancer does; if the API closed it first, the load balancer could send a request down
// it as it closes and answer 502.
func TestIdleTimeoutOutlastsALB(t *testing.T) {
	srv := newHTTPServer(http.NotFoundHandler(), slog.New(slog.DiscardHandler))
	if srv.IdleTimeout <= contract.ALBIdleTimeout {
		t.Errorf("http.Server IdleTimeout = %s, want more than the load balancer's %s", srv.IdleTimeout, contract.ALBIdleTimeout)
	}
}

// TestShutdownFitsStopTimeout: by default the API drains for the contract's shutdown timeout,
// which ends before ECS kills the container.
func TestShutdownFitsStopTimeout(t *testing.T) {
	cfg := testConfig(t, env{})
	if cfg.shutdownTimeout != contract.ShutdownTimeout {
		t.Errorf("default SHUTDOWN_TIMEOUT = %s, want contract.ShutdownTimeout %s", cfg.shutdownTimeout, contract.ShutdownTimeout)
	}
	if cfg.shutdownTimeout >= contract.StopTimeout {
		t.Errorf("default SHUTDOWN_TIMEOUT = %s, want less than the container's stopTimeout %s", cfg.shutdownTimeout, contract.StopTimeout)
	}
}

// TestClientCannotForgeIP sends requests as the load balancer forwards them in its
// X-Forwarded-For mode (contract.ALBXFFMode), from inside the VPC that TRUSTED_PROXIES trusts:
// whatever a client writes into X-Forwarded-For, the API sees and logs its real address.
func TestClientCannotForgeIP(t *testing.T) {
	const client, alb, vpc = "203.0.113.7", "10.0.1.5:40000", "10.0.0.0/16"
	// What the load balancer does with the header it receives, per processing mode:
	// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/x-forwarded-headers.html#x-forwarded-for
	modes := map[string]func(received string) string{
		"append": func(received string) string {
			if received == "" {
				return client
			}
			return received + ", " + client
		},
		"preserve": func(received string) string { return received },
		"remove":   func(string) string { return "" },
	}
	forward, ok := modes[contract.ALBXFFMode]
	if !ok {
		t.Fatalf("contract.ALBXFFMode = %q, want append, preserve or remove", contract.ALBXFFMode)
	}

	srv, logs := newTestServer(t, testConfig(t, env{"TRUSTED_PROXIES": vpc}))
	for _, forged := range []string{"", "198.51.100.66", "10.0.9.9", "198.51.100.66, 10.0.2.2", "not-an-ip"} {
		header := map[string]string{}
		if xff := forward(forged); xff != "" {
			header["X-Forwarded-For"] = xff
		}
		request{method: "GET", target: contract.HealthPath, header: header, remoteAddr: alb}.send(t, srv)
		lines := logs.find(t, "request")
		if got := lines[len(lines)-1].str("clientIp"); got != client {
			t.Errorf("client sent X-Forwarded-For %q, the load balancer (%s) forwarded %q: clientIp = %q, want the client's %s",
				forged, contract.ALBXFFMode, header["X-Forwarded-For"], got, client)
		}
	}
}
