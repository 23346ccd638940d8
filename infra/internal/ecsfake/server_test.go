package ecsfake_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gin-fargate/gin-fargate/infra/internal/ecsfake"
)

// TestServerAnswersErrorsAsECS checks the calls the AWS SDK never makes; the rollout package's
// tests drive the server through the real SDK client for everything else.
func TestServerAnswersErrorsAsECS(t *testing.T) {
	fake := ecsfake.Start(ecsfake.Scenario{Steps: []ecsfake.Step{{}}})
	defer fake.Close()
	for name, c := range map[string]struct {
		target, auth string
		status       int
		code         string
	}{
		"unsigned": {"AmazonEC2ContainerServiceV20141113.DescribeServices", "", http.StatusForbidden, "MissingAuthenticationTokenException"},
		"not ECS":  {"DynamoDB_20120810.GetItem", "AWS4-HMAC-SHA256 Credential=x", http.StatusBadRequest, "UnknownOperationException"},
		"unknown":  {"AmazonEC2ContainerServiceV20141113.DeleteService", "AWS4-HMAC-SHA256 Credential=x", http.StatusBadRequest, "UnknownOperationException"},
	} {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, fake.URL+"/", strings.NewReader(`{"cluster":"c"}`))
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			req.Header.Set("X-Amz-Target", c.target)
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Type string `json:"__type"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != c.status || body.Type != c.code {
				t.Errorf("answer %d %q, want %d %q", resp.StatusCode, body.Type, c.status, c.code)
			}
		})
	}
	if n := len(fake.Calls()); n != 3 {
		t.Errorf("fake recorded %d calls, want 3", n)
	}
}
