// Package ecsfake is a local ECS endpoint for tests, like net/http/httptest: it speaks the ECS
// JSON 1.1 protocol for DescribeServices, ListTasks and DescribeTasks, plays a scenario one step
// per DescribeServices call and records every call. No library fakes ECS in Go, so it is written
// here, down to what the AWS SDK for Go v2 reads.
package ecsfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// targetPrefix starts the X-Amz-Target header of every ECS call.
const targetPrefix = "AmazonEC2ContainerServiceV20141113."

// Scenario is what the endpoint plays.
type Scenario struct {
	// Steps answer the DescribeServices calls in turn; the last one answers every call after it.
	Steps []Step
	// Now stamps each answer's Date header (time.Now when nil). A test that gives the watch a
	// clock passes the same clock here, shifted to play a clock skew between the caller and AWS.
	Now func() time.Time
}

// Call is one request the endpoint received.
type Call struct {
	// Operation is the ECS action, e.g. "DescribeServices".
	Operation string
	Body      []byte
}

// Server is a running fake ECS endpoint at URL.
type Server struct {
	URL string

	http     *httptest.Server
	scenario Scenario

	mu    sync.Mutex
	calls []Call
	next  int // the step the next DescribeServices call answers
	shown int // the last step whose service DescribeServices returned: ListTasks and DescribeTasks answer from it
}

// Start starts an endpoint that plays scenario; Close stops it.
func Start(scenario Scenario) *Server {
	if scenario.Now == nil {
		scenario.Now = time.Now
	}
	s := &Server{scenario: scenario}
	s.http = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.http.URL
	return s
}

// Close shuts the endpoint down.
func (s *Server) Close() { s.http.Close() }

// Calls returns every call received so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// Count returns how many calls of operation were received so far.
func (s *Server) Count(operation string) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Operation == operation {
			n++
		}
	}
	return n
}

// Env is the environment that points the AWS SDK's ECS client at the endpoint, with static fake
// credentials and no shared config or credentials files (so no developer profile leaks in).
func (s *Server) Env() map[string]string {
	return map[string]string{
		"AWS_ENDPOINT_URL_ECS":        s.URL,
		"AWS_ACCESS_KEY_ID":           "AKIAECSFAKE000000000",
		"AWS_SECRET_ACCESS_KEY":       "ecsfake-secret-access-key",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
	}
}

// request holds the fields of the three operations' inputs that the endpoint reads.
type request struct {
	Cluster       string   `json:"cluster"`
	Services      []string `json:"services"`
	DesiredStatus string   `json:"desiredStatus"`
	Tasks         []string `json:"tasks"`
}

type failure struct {
	Arn    string `json:"arn"`
	Reason string `json:"reason"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	op, isECS := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	s.mu.Lock()
	s.calls = append(s.calls, Call{Operation: op, Body: body})
	s.mu.Unlock()

	var req request
	switch {
	case r.Method != http.MethodPost || r.URL.Path != "/" || !isECS ||
		r.Header.Get("Content-Type") != "application/x-amz-json-1.1":
		s.fail(w, &APIError{Code: "UnknownOperationException", Message: "not an ECS JSON 1.1 call"})
		return
	case op != "DescribeServices" && op != "ListTasks" && op != "DescribeTasks":
		s.fail(w, &APIError{Code: "UnknownOperationException", Message: "ecsfake does not answer " + op})
		return
	case !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 "):
		s.fail(w, &APIError{Code: "MissingAuthenticationTokenException", Message: "Missing Authentication Token", Status: http.StatusForbidden})
		return
	case json.Unmarshal(body, &req) != nil:
		s.fail(w, &APIError{Code: "SerializationException", Message: "malformed request body"})
		return
	}

	step := s.current(op == "DescribeServices")
	switch {
	case step.Err != nil && op == "DescribeServices":
		s.fail(w, step.Err)
	case step.TasksErr != nil && op == "ListTasks":
		s.fail(w, step.TasksErr)
	case !names(req.Cluster, step.Service.ClusterArn):
		s.fail(w, &APIError{Code: "ClusterNotFoundException", Message: "Cluster not found."})
	case op == "DescribeServices":
		s.describeServices(w, req, step)
	case op == "ListTasks":
		s.listTasks(w, req, step)
	default:
		s.describeTasks(w, req, step)
	}
}

// current returns the step being played: for DescribeServices the next one, for the task calls
// the last one whose service DescribeServices returned.
func (s *Server) current(describe bool) Step {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !describe {
		return s.scenario.Steps[s.shown]
	}
	i := min(s.next, len(s.scenario.Steps)-1)
	s.next++
	if s.scenario.Steps[i].Err == nil {
		s.shown = i
	}
	return s.scenario.Steps[i]
}

func (s *Server) describeServices(w http.ResponseWriter, req request, step Step) {
	out := struct {
		Services []Service `json:"services"`
		Failures []failure `json:"failures"`
	}{Services: []Service{}, Failures: []failure{}}
	for _, name := range req.Services {
		if names(name, serviceArn(step.Service)) {
			out.Services = append(out.Services, step.Service)
		} else {
			out.Failures = append(out.Failures, failure{Arn: name, Reason: "MISSING"})
		}
	}
	s.answer(w, out)
}

func (s *Server) listTasks(w http.ResponseWriter, req request, step Step) {
	arns := []string{}
	for _, t := range step.Tasks {
		if req.DesiredStatus == "" || t.DesiredStatus == req.DesiredStatus {
			arns = append(arns, t.TaskArn)
		}
	}
	s.answer(w, struct {
		TaskArns []string `json:"taskArns"`
	}{arns})
}

func (s *Server) describeTasks(w http.ResponseWriter, req request, step Step) {
	out := struct {
		Tasks    []Task    `json:"tasks"`
		Failures []failure `json:"failures"`
	}{Tasks: []Task{}, Failures: []failure{}}
	for _, arn := range req.Tasks {
		i := slices.IndexFunc(step.Tasks, func(t Task) bool { return t.TaskArn == arn })
		if i < 0 {
			out.Failures = append(out.Failures, failure{Arn: arn, Reason: "MISSING"})
			continue
		}
		out.Tasks = append(out.Tasks, step.Tasks[i])
	}
	s.answer(w, out)
}

func (s *Server) answer(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.fail(w, &APIError{Code: "ServerException", Message: err.Error(), Status: http.StatusInternalServerError})
		return
	}
	s.write(w, http.StatusOK, b)
}

// fail answers as ECS answers an error: a JSON body whose __type names the error.
func (s *Server) fail(w http.ResponseWriter, e *APIError) {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	b, _ := json.Marshal(map[string]string{"__type": e.Code, "message": e.Message})
	s.write(w, status, b)
}

func (s *Server) write(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.1")
	h.Set("Date", s.scenario.Now().UTC().Format(http.TimeFormat))
	h.Set("X-Amzn-RequestId", fmt.Sprintf("ecsfake-%d", len(s.Calls())))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// serviceArn is the service's ARN in the cluster's account and region (ECS's long ARN format).
func serviceArn(svc Service) string {
	prefix, cluster, _ := strings.Cut(svc.ClusterArn, ":cluster/")
	return prefix + ":service/" + cluster + "/" + svc.ServiceName
}

// names reports whether ref, a name or an ARN as ECS accepts it, refers to arn.
func names(ref, arn string) bool {
	return ref == arn || strings.HasSuffix(arn, "/"+ref)
}
