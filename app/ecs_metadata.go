package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// ECS task metadata endpoint (version 4) limits. The endpoint is link-local and answers in
// milliseconds; a request to /api/v1/info must never hang on it.
const (
	taskMetadataTimeout  = time.Second
	taskMetadataRetry    = 30 * time.Second // after a failure, /info answers without metadata this long before the next try
	taskMetadataMaxBytes = 1 << 20
)

// taskMetadata is what the API reports about the ECS task it runs in.
type taskMetadata struct {
	TaskARN          string
	AvailabilityZone string
}

// taskMetadataClient reads ${ECS_CONTAINER_METADATA_URI_V4}/task once, on first use, and caches it:
// the task ARN and availability zone never change during a task's life. A failed read is retried
// on a later call, at most once per retry interval.
type taskMetadataClient struct {
	url    string // empty when not running on ECS
	client *http.Client
	retry  time.Duration
	now    func() time.Time

	mu      sync.Mutex
	meta    taskMetadata
	fetched bool
	nextTry time.Time
}

// newTaskMetadataClient returns a client for the metadata endpoint at baseURI (the value of
// ECS_CONTAINER_METADATA_URI_V4; empty when not on ECS). Each read is bounded by timeout.
func newTaskMetadataClient(baseURI string, timeout, retry time.Duration, now func() time.Time) *taskMetadataClient {
	m := &taskMetadataClient{retry: retry, now: now}
	if baseURI != "" {
		m.url = strings.TrimSuffix(baseURI, "/") + "/task"
		m.client = &http.Client{
			Timeout: timeout,
			// The endpoint is link-local: never reach it through a proxy from HTTP_PROXY.
			Transport: &http.Transport{Proxy: nil, MaxIdleConns: 1, IdleConnTimeout: 5 * time.Second},
		}
	}
	return m
}

// Task returns the task's metadata: the zero value, without error, when not running on ECS; the
// zero value and an error while the endpoint cannot be read.
func (m *taskMetadataClient) Task(ctx context.Context) (taskMetadata, error) {
	if m == nil || m.url == "" {
		return taskMetadata{}, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fetched {
		return m.meta, nil
	}
	if now := m.now(); now.Before(m.nextTry) {
		return taskMetadata{}, fmt.Errorf("read task metadata: last attempt failed, next attempt after %s", m.nextTry.Format(time.RFC3339))
	}
	// Not the request's own cancellation: a client that goes away must not make this read fail,
	// and the failure be cached for the retry interval.
	meta, err := m.fetch(context.WithoutCancel(ctx))
	if err != nil {
		m.nextTry = m.now().Add(m.retry)
		return taskMetadata{}, err
	}
	m.meta, m.fetched = meta, true
	return meta, nil
}

func (m *taskMetadataClient) fetch(ctx context.Context) (taskMetadata, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url, nil)
	if err != nil {
		return taskMetadata{}, fmt.Errorf("read task metadata: %w", err)
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return taskMetadata{}, fmt.Errorf("read task metadata: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return taskMetadata{}, fmt.Errorf("read task metadata: GET %s: status %d", m.url, resp.StatusCode)
	}
	// The endpoint's field names: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-metadata-endpoint-v4-fargate.html
	var body struct {
		TaskARN          string `json:"TaskARN"`
		AvailabilityZone string `json:"AvailabilityZone"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, taskMetadataMaxBytes)).Decode(&body); err != nil {
		return taskMetadata{}, fmt.Errorf("read task metadata: decode GET %s: %w", m.url, err)
	}
	if !strings.HasPrefix(body.TaskARN, "arn:") {
		return taskMetadata{}, fmt.Errorf("read task metadata: GET %s: TaskARN %q is not an ARN", m.url, truncate(body.TaskARN, 100))
	}
	return taskMetadata{TaskARN: body.TaskARN, AvailabilityZone: body.AvailabilityZone}, nil
}
