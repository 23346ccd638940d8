package rollout_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/gin-fargate/gin-fargate/infra/internal/ecsfake"
	"github.com/gin-fargate/gin-fargate/infra/internal/rollout"
)

// unreachable is an endpoint nothing listens on.
const unreachable = "http://127.0.0.1:9"

// describeOnce calls DescribeServices once with a client from NewClient.
func describeOnce(t *testing.T, region, profile string) {
	t.Helper()
	client, err := rollout.NewClient(context.Background(), region, profile)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	_, err = client.DescribeServices(context.Background(), &ecs.DescribeServicesInput{
		Cluster: aws.String(clusterName), Services: []string{serviceName},
	}, func(o *ecs.Options) { o.Retryer = aws.NopRetryer{} })
	if err != nil {
		t.Fatalf("DescribeServices: %v", err)
	}
}

func startFake(t *testing.T) *ecsfake.Server {
	t.Helper()
	fake := ecsfake.Start(ecsfake.Scenario{Steps: []ecsfake.Step{step(ours("IN_PROGRESS", 0, 2, 0))}})
	t.Cleanup(fake.Close)
	setenv(t, fake.Env())
	return fake
}

func TestNewClientHonoursTheECSEndpointVariable(t *testing.T) {
	fake := startFake(t)
	t.Setenv("AWS_ENDPOINT_URL", unreachable) // the service-specific variable wins
	describeOnce(t, region, "")
	if n := fake.Count("DescribeServices"); n != 1 {
		t.Errorf("fake received %d DescribeServices calls, want 1", n)
	}
}

func TestNewClientHonoursTheGlobalEndpointVariable(t *testing.T) {
	fake := startFake(t)
	t.Setenv("AWS_ENDPOINT_URL_ECS", "")
	t.Setenv("AWS_ENDPOINT_URL", fake.URL)
	describeOnce(t, region, "")
	if n := fake.Count("DescribeServices"); n != 1 {
		t.Errorf("fake received %d DescribeServices calls, want 1", n)
	}
}

func TestNewClientTakesTheStackRegionOverTheEnvironment(t *testing.T) {
	startFake(t)
	t.Setenv("AWS_REGION", "eu-west-1")
	client, err := rollout.NewClient(context.Background(), "ap-south-1", "")
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	if got := client.Options().Region; got != "ap-south-1" {
		t.Errorf("region %q, want the stack's ap-south-1", got)
	}
}

func TestNewClientReadsTheStackProfile(t *testing.T) {
	fake := startFake(t)
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	t.Setenv("AWS_CONFIG_FILE", write("config", "[profile deploy]\nregion = eu-west-3\n"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", write("credentials",
		"[deploy]\naws_access_key_id = AKIAPROFILE000000000\naws_secret_access_key = profile-secret\n"))
	client, err := rollout.NewClient(context.Background(), "", "deploy")
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	creds, err := client.Options().Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatalf("credentials: %v", err)
	}
	if got := client.Options().Region + " " + creds.AccessKeyID; got != "eu-west-3 AKIAPROFILE000000000" {
		t.Errorf("region and access key %q, want the profile's", got)
	}
	describeOnce(t, "", "deploy")
	if n := fake.Count("DescribeServices"); n != 1 {
		t.Errorf("fake received %d DescribeServices calls, want 1", n)
	}
}

func TestNewClientRejectsAnUnknownProfile(t *testing.T) {
	startFake(t)
	_, err := rollout.NewClient(context.Background(), region, "missing")
	if err == nil || !strings.Contains(err.Error(), `aws:profile "missing"`) {
		t.Errorf("NewClient with an unknown profile returned %v, want an error naming aws:profile", err)
	}
}

func TestNewClientWithoutARegionFails(t *testing.T) {
	startFake(t)
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	_, err := rollout.NewClient(context.Background(), "", "")
	if err == nil || !strings.Contains(err.Error(), "set aws:region") {
		t.Errorf("NewClient without a region returned %v, want an error naming aws:region", err)
	}
}
