package ecsfake

import (
	"encoding/json"
	"strconv"
	"time"
)

// Step is what ECS answers at one poll: the service DescribeServices returns and the tasks
// ListTasks and DescribeTasks return, or, when Err is set, the error DescribeServices returns
// (and when TasksErr is set, the error ListTasks returns).
type Step struct {
	Service  Service
	Tasks    []Task
	Err      *APIError
	TasksErr *APIError
}

// Service is the part of an ECS Service the deployment watch reads.
type Service struct {
	ServiceName string       `json:"serviceName"`
	ClusterArn  string       `json:"clusterArn"`
	Deployments []Deployment `json:"deployments"`
	// Events are newest first, as ECS lists them.
	Events []Event `json:"events"`
}

// Deployment is an ECS Deployment.
type Deployment struct {
	ID                 string    `json:"id"`
	Status             string    `json:"status"`
	TaskDefinition     string    `json:"taskDefinition"`
	DesiredCount       int32     `json:"desiredCount"`
	PendingCount       int32     `json:"pendingCount"`
	RunningCount       int32     `json:"runningCount"`
	FailedTasks        int32     `json:"failedTasks"`
	CreatedAt          time.Time `json:"-"`
	RolloutState       string    `json:"rolloutState,omitempty"`
	RolloutStateReason string    `json:"rolloutStateReason,omitempty"`
}

// Event is an ECS ServiceEvent.
type Event struct {
	CreatedAt time.Time `json:"-"`
	Message   string    `json:"message"`
}

// Task is an ECS Task; ListTasks filters on DesiredStatus.
type Task struct {
	TaskArn           string      `json:"taskArn"`
	TaskDefinitionArn string      `json:"taskDefinitionArn"`
	StartedBy         string      `json:"startedBy,omitempty"`
	DesiredStatus     string      `json:"desiredStatus"`
	StoppedReason     string      `json:"stoppedReason,omitempty"`
	StoppedAt         time.Time   `json:"-"`
	Containers        []Container `json:"containers"`
}

// Container is a container of a Task; ExitCode is nil when the container never ran.
type Container struct {
	Name     string `json:"name"`
	ExitCode *int32 `json:"exitCode,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// APIError is an error as ECS returns it: HTTP Status (400 when 0) and a body naming Code in its
// __type field.
type APIError struct {
	Code    string
	Message string
	Status  int
}

// Throttling is the error ECS returns when a caller exceeds its request rate.
func Throttling() *APIError {
	return &APIError{Code: "ThrottlingException", Message: "Rate exceeded"}
}

// ECS writes timestamps as epoch seconds, encoding/json as RFC 3339 strings: each type with a
// timestamp adds it as a number.

func (d Deployment) MarshalJSON() ([]byte, error) {
	type plain Deployment
	return withEpoch(plain(d), "createdAt", d.CreatedAt)
}

func (e Event) MarshalJSON() ([]byte, error) {
	type plain Event
	return withEpoch(plain(e), "createdAt", e.CreatedAt)
}

func (t Task) MarshalJSON() ([]byte, error) {
	type plain Task
	return withEpoch(plain(t), "stoppedAt", t.StoppedAt)
}

// withEpoch is v as JSON with t under key in epoch seconds to the millisecond; without the key
// for the zero time.
func withEpoch(v any, key string, t time.Time) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || t.IsZero() {
		return b, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, err
	}
	fields[key] = json.RawMessage(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64))
	return json.Marshal(fields)
}
