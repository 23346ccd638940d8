// Command api is the HTTP API: a Gin server with JSON access logs, request IDs and a graceful
// shutdown, built to run as a container on ECS Fargate behind an Application Load Balancer.
//
// Usage:
//
//	api                 serve on :$PORT until SIGTERM or SIGINT
//	api -healthcheck    probe http://127.0.0.1:$PORT/healthz: exit 0 on 200, 1 otherwise (also: api healthcheck)
//	api -version        print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gin-fargate/gin-fargate/app/contract"
)

// version is the build's version, set at link time: go build -ldflags "-X main.version=v1.2.3".
// APP_VERSION overrides it at run time.
var version = "dev"

func main() {
	// Gin's mode is process-wide state: set once here, never in the code that tests call.
	gin.SetMode(gin.ReleaseMode)
	if err := run(context.Background(), os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "api: %s\n", err)
		os.Exit(1)
	}
}

// run is the whole program: main only supplies the process's arguments, environment and output.
// It serves until ctx is cancelled or SIGTERM/SIGINT arrives, then drains in-flight requests
// within SHUTDOWN_TIMEOUT and returns nil.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	cfg, err := loadConfig(args, getenv, version, stderr)
	if err != nil {
		return err
	}
	switch cfg.mode {
	case modeVersion:
		_, err := fmt.Fprintln(stdout, cfg.version)
		return err
	case modeHealthcheck:
		return healthcheck(ctx, "http://"+net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.port))+contract.HealthPath, healthcheckTimeout)
	}

	logOut := newLogWriter(stdout, logFlushInterval)
	defer logOut.Close()
	logger := newLogger(logOut, cfg)
	srv := newHTTPServer(NewServer(logger, cfg, readTaskMetadata(cfg.ecsMetadataURI, taskMetadataTimeout), time.Now), logger)

	// Listen before serving, so that a taken port fails the start instead of a goroutine.
	ln, err := net.Listen("tcp", net.JoinHostPort("", strconv.Itoa(cfg.port)))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	logger.Info("listening", slog.String("addr", ln.Addr().String()),
		slog.String("logLevel", cfg.logLevel.String()), slog.String("shutdownTimeout", cfg.shutdownTimeout.String()))

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	stop() // from here on a second SIGTERM/SIGINT kills the process the default way

	logger.Info("shutting down: draining in-flight requests", slog.String("timeout", cfg.shutdownTimeout.String()))
	// A fresh context: ctx is already cancelled and would give the drain no time at all.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		logger.Error("in-flight requests did not finish in time: closing their connections",
			slog.String("timeout", cfg.shutdownTimeout.String()), slog.String("error", err.Error()))
		closeErr := srv.Close()
		return fmt.Errorf("shut down within %s: %w", cfg.shutdownTimeout, errors.Join(err, closeErr))
	}
	if err := <-serveErr; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// newHTTPServer wraps handler in the server's limits. The idle timeout outlasts the load
// balancer's (contract.AppIdleTimeout); the header limit is the ALB's 64 KB.
func newHTTPServer(handler http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       contract.AppIdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}
