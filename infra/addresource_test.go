package main

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// The walk-through of docs/add-an-aws-resource.md: the uploads bucket of uploads_example_test.go,
// declared by the one line the page adds to appResources.

const (
	addResourcePage = "../docs/add-an-aws-resource.md"
	uploadsExample  = "uploads_example_test.go"
)

func TestAddAnAWSResource(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withUploads())
	bucket := run.named(t, bucketType, "uploads-bucket")
	arn := bucket.output("arn")
	granted := run.named(t, rolePolicyType, "api-task-policy")

	t.Run("the task role may get, put and delete the bucket's objects and list the bucket, nothing more", func(t *testing.T) {
		if got, want := granted.str("role"), run.named(t, roleType, "api-task-role").ID; got != want {
			t.Errorf("task policy on role %q, want the task role %q", got, want)
		}
		var doc policy
		jsonInput(t, granted, "policy", &doc)
		want := []policyStmt{
			{Sid: "ReadWriteUploads", Effect: "Allow", Action: stringOrList{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"},
				Resource: stringOrList{arn + "/*"}},
			{Sid: "ListUploads", Effect: "Allow", Action: stringOrList{"s3:ListBucket"}, Resource: stringOrList{arn}},
		}
		if !reflect.DeepEqual(doc.Statement, want) {
			t.Errorf("task policy = %+v, want %+v", doc.Statement, want)
		}
	})
	t.Run("no task starts before the task role may use the bucket", func(t *testing.T) {
		if !slices.Contains(run.service(t).DependsOn, granted.URN) {
			t.Error("the service does not wait for the task policy")
		}
	})
	t.Run("the container finds the bucket in UPLOADS_BUCKET", func(t *testing.T) {
		if got, want := envOf(t, run.container(t))["UPLOADS_BUCKET"], bucket.output("bucket"); got != want || want == "" {
			t.Errorf("UPLOADS_BUCKET = %q, want the bucket's name %q", got, want)
		}
	})
	t.Run("the bucket is private like the access-log bucket, and its files never expire", func(t *testing.T) {
		checkPrivateBucket(t, run, "uploads", false)
		lc := run.named(t, lifecycleType, "uploads-lifecycle")
		if n := len(lc.prop("rules").ArrayValue()); n != 1 || !lc.prop("rules", 0, "expiration").IsNull() {
			t.Errorf("lifecycle rules = %v, want one that expires nothing", lc.prop("rules"))
		}
	})
	t.Run("just check lists the component and adds no cost line", func(t *testing.T) {
		var plan strings.Builder
		printComponents(&plan, declaredOf(run))
		if !regexp.MustCompile(`(?m)^  uploads +Uploads +6$`).MatchString(plan.String()) {
			t.Errorf("components:\n%s\nwant a line: uploads Uploads 6", plan.String())
		}
		base := mustRun(t, withAppResources(map[string]appResource{}))
		est, baseEst := estimateCost(declaredOf(run), usEast1Prices(), quietMonth()), estimateCost(declaredOf(base), usEast1Prices(), quietMonth())
		if !reflect.DeepEqual(est, baseEst) {
			t.Errorf("estimate with the bucket = %+v, want the one without it, %+v", est, baseEst)
		}
	})
	t.Run("the rest of the stack is as without it", func(t *testing.T) {
		base := mustRun(t, withAppResources(map[string]appResource{}))
		for _, was := range base.records() {
			now := run.byURN(was.URN)
			switch {
			case now == nil:
				t.Errorf("%s %s is gone", was.Type, was.Name)
			case was.Name == "api-task":
				wasRest, nowRest := was.Inputs.Copy(), now.Inputs.Copy()
				delete(wasRest, "containerDefinitions")
				delete(nowRest, "containerDefinitions")
				if got, want := containerWithout(t, run, "UPLOADS_BUCKET"), containerWithout(t, base, ""); got != want ||
					!wasRest.DeepEquals(nowRest) {
					t.Errorf("the task definition changed beyond UPLOADS_BUCKET:\n%s\nwant\n%s", got, want)
				}
			case !was.Inputs.DeepEquals(now.Inputs):
				t.Errorf("%s %s changed:\n%v\nwant\n%v", was.Type, was.Name, now.Inputs, was.Inputs)
			}
		}
		var added []string
		for _, r := range run.records() {
			if base.byURN(r.URN) == nil {
				added = append(added, r.Name)
			}
		}
		slices.Sort(added)
		want := []string{"api-task-policy", "uploads", "uploads-bucket", "uploads-encryption", "uploads-lifecycle",
			"uploads-ownership", "uploads-policy", "uploads-public-access-block"}
		if !slices.Equal(added, want) {
			t.Errorf("added %v, want %v", added, want)
		}
	})
}

// containerWithout is a run's container definition as JSON, without the variable env.
func containerWithout(t *testing.T, run *stackRun, env string) string {
	t.Helper()
	c := run.container(t)
	list, _ := c["environment"].([]any)
	c["environment"] = slices.DeleteFunc(list, func(e any) bool { return e.(map[string]any)["name"] == env })
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// declaredOf is what a run declared, as `just check` sees it.
func declaredOf(run *stackRun) declaredStack {
	var out declaredStack
	for _, r := range run.records() {
		out = append(out, declared{Type: r.Type, Name: r.Name, Custom: r.Custom, Remote: r.Remote,
			Parent: resource.URN(r.Parent), Inputs: r.Inputs})
	}
	return out
}

// TestAddAnAWSResourcePage: the page shows the example the tests run, character for character,
// and the line it adds to appResources.
func TestAddAnAWSResourcePage(t *testing.T) {
	t.Parallel()
	page, err := os.ReadFile(addResourcePage)
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(uploadsExample)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("the example became part of the program (git mv " + uploadsExample + " uploads.go)")
	}
	if err != nil {
		t.Fatal(err)
	}
	if got := codeBlockAfter(t, string(page), "<!-- infra/"+uploadsExample+" -->"); got != string(example) {
		t.Errorf("%s shows an infra/uploads.go other than infra/%s:\n%s", addResourcePage, uploadsExample, got)
	}
	program, err := os.ReadFile("program.go")
	if err != nil {
		t.Fatal(err)
	}
	line := codeBlockAfter(t, string(page), "<!-- infra/program.go -->")
	for _, want := range []string{"func appResources() map[string]appResource {", `"uploads": declareUploads,`} {
		if !strings.Contains(line, want) {
			t.Errorf("%s's program.go lacks %s", addResourcePage, want)
		}
	}
	if !strings.Contains(string(program), "func appResources() map[string]appResource {") {
		t.Error("program.go has no appResources as the page shows it")
	}
}

// codeBlockAfter returns the content of the first fenced code block after marker in a Markdown page.
func codeBlockAfter(t *testing.T, page, marker string) string {
	t.Helper()
	_, rest, ok := strings.Cut(page, marker+"\n")
	m := regexp.MustCompile("(?s)^```[a-z]*\n(.*?\n)```\n").FindStringSubmatch(rest)
	if !ok || m == nil {
		t.Fatalf("no code block after %s", marker)
	}
	return m[1]
}
