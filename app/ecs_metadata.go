package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// ECS task metadata endpoint (version 4) limits. The endpoint is link-local and answers in
// milliseconds; /api/v1/info must never hang on it.
const (
	taskMetadataTimeout  = time.Second
	taskMetadataMaxBytes = 1 << 20
)

// taskMetadata is what the API reports about the ECS task it runs in.
type taskMetadata struct {
	TaskARN          string
	AvailabilityZone string
}

// readTaskMetadata starts reading ${ECS_CONTAINER_METADATA_URI_V4}/task in the background, once:
// the task ARN and availability zone never change during a task's life. The function it returns
// waits for that read, which timeout bounds, and gives its result; not on ECS (baseURI empty),
// the zero value without error.
func readTaskMetadata(baseURI string, timeout time.Duration) func() (taskMetadata, error) {
	if baseURI == "" {
		return func() (taskMetadata, error) { return taskMetadata{}, nil }
	}
	read := sync.OnceValues(func() (taskMetadata, error) { return fetchTaskMetadata(baseURI+"/task", timeout) })
	go read()
	return read
}

func fetchTaskMetadata(url string, timeout time.Duration) (taskMetadata, error) {
	client := &http.Client{
		Timeout: timeout,
		// The endpoint is link-local: never reach it through a proxy from HTTP_PROXY.
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
	}
	resp, err := client.Get(url)
	if err != nil {
		return taskMetadata{}, fmt.Errorf("read task metadata: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return taskMetadata{}, fmt.Errorf("read task metadata: GET %s: status %d", url, resp.StatusCode)
	}
	// The endpoint's field names: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-metadata-endpoint-v4-fargate.html
	var meta taskMetadata
	if err := json.NewDecoder(io.LimitReader(resp.Body, taskMetadataMaxBytes)).Decode(&meta); err != nil {
		return taskMetadata{}, fmt.Errorf("read task metadata: decode GET %s: %w", url, err)
	}
	if !strings.HasPrefix(meta.TaskARN, "arn:") {
		return taskMetadata{}, fmt.Errorf("read task metadata: GET %s: TaskARN %q is not an ARN", url, truncate(meta.TaskARN, 100))
	}
	return meta, nil
}
