package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// granting returns an AWS resource that declares nothing and hands the service g.
func granting(g Grant) appResource {
	return func(*pulumi.Context, string, *stackConfig, *target) (Grant, error) { return g, nil }
}

// read is a permission of a Sid to get the objects of a bucket.
func read(sid string) Permission {
	return Permission{Sid: sid, Actions: []string{"s3:GetObject"}, Resources: pulumi.StringArray{pulumi.String("arn:aws:s3:::b/*")}}
}

// TestGrantsReachTheService: the permissions of every grant, in the order of the resources'
// names, make the task role's one policy, and their env reaches the container.
func TestGrantsReachTheService(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withAppResources(map[string]appResource{
		"b": granting(Grant{Allow: []Permission{read("ReadB")}, Env: pulumi.StringMap{"B_URL": pulumi.String("https://b")}}),
		"a": granting(Grant{
			Allow: []Permission{{Sid: "Token", Actions: []string{"ecr:GetAuthorizationToken"}, Resources: pulumi.StringArray{pulumi.String("*")}}},
			Env:   pulumi.StringMap{"A_NAME": pulumi.String("a")},
		}),
	}))
	var doc policy
	jsonInput(t, run.named(t, rolePolicyType, "api-task-policy"), "policy", &doc)
	want := []policyStmt{
		{Sid: "Token", Effect: "Allow", Action: stringOrList{"ecr:GetAuthorizationToken"}, Resource: stringOrList{"*"}},
		{Sid: "ReadB", Effect: "Allow", Action: stringOrList{"s3:GetObject"}, Resource: stringOrList{"arn:aws:s3:::b/*"}},
	}
	if !reflect.DeepEqual(doc.Statement, want) {
		t.Errorf("task policy = %+v, want %+v", doc.Statement, want)
	}
	env := envOf(t, run.container(t))
	if env["A_NAME"] != "a" || env["B_URL"] != "https://b" {
		t.Errorf("container env = %v, want A_NAME=a and B_URL=https://b", env)
	}
}

// TestGrantRefused: what the task role or the container cannot take fails the program with an
// error that names the resource, what it hands and what is allowed.
func TestGrantRefused(t *testing.T) {
	t.Parallel()
	only := func(g Grant) map[string]appResource { return map[string]appResource{"bad": granting(g)} }
	env := func(name string) map[string]appResource {
		return only(Grant{Env: pulumi.StringMap{name: pulumi.String("x")}})
	}
	allow := func(p Permission) map[string]appResource { return only(Grant{Allow: []Permission{p}}) }
	tests := map[string]struct {
		resources map[string]appResource
		want      string
	}{
		"a name the program sets": {env("PORT"), "bad: env PORT is set by the program from containerPort; remove it from bad"},
		"the ECS_ prefix":         {env("ECS_AGENT"), "bad: env ECS_AGENT uses the ECS_ prefix that ECS reserves"},
		"not a variable name":     {env("1X"), `bad: env "1X" is not an environment variable name`},
		"a secret-looking name":   {env("UPLOADS_TOKEN"), "bad: env UPLOADS_TOKEN looks like a secret; allowed: a name that does not"},
		"a name env sets":         {env("FEATURE"), "bad: env FEATURE is also set in env; allowed: one of the two"},
		"a name secrets sets":     {env("DATABASE_URL"), "bad: env DATABASE_URL is also set in secrets; allowed: one of the two"},
		"a name another resource hands": {map[string]appResource{
			"bad":   granting(Grant{Env: pulumi.StringMap{"SHARED": pulumi.String("x")}}),
			"first": granting(Grant{Env: pulumi.StringMap{"SHARED": pulumi.String("y")}}),
		}, "first: env SHARED is also handed to the service by bad; allowed: one of the two"},
		"a wildcard action": {allow(Permission{Sid: "All", Actions: []string{"s3:*"}, Resources: pulumi.StringArray{pulumi.String("arn:aws:s3:::b")}}),
			"bad: permission All allows s3:*; allowed: actions named one by one"},
		"no action": {allow(Permission{Sid: "Nothing", Resources: pulumi.StringArray{pulumi.String("arn:aws:s3:::b")}}), "bad: permission Nothing allows no action"},
		"a bad Sid": {allow(read("read-b")), `bad: permission Sid "read-b" is not letters and digits`},
		"no Sid":    {allow(read("")), `bad: permission Sid "" is not letters and digits`},
		"a Sid taken": {map[string]appResource{"bad": granting(Grant{Allow: []Permission{read("Read")}}), "first": granting(Grant{Allow: []Permission{read("Read")}})},
			"first: permission Read is also a permission of bad; allowed: a Sid unique in the task role's policy"},
		"every resource": {allow(Permission{Sid: "ReadAll", Actions: []string{"s3:GetObject"}, Resources: pulumi.StringArray{pulumi.String("*")}}),
			`bad: permission ReadAll allows s3:GetObject on ["*"]; allowed: the ARNs of the resources it acts on ("*" only for ecr:GetAuthorizationToken`},
		"no resources": {allow(Permission{Sid: "ReadNothing", Actions: []string{"s3:GetObject"}}),
			"bad: permission ReadNothing names no resource; allowed: the ARNs of the resources it acts on"},
		"no resource": {allow(Permission{Sid: "ReadNone", Actions: []string{"s3:GetObject"}, Resources: pulumi.StringArray{}}),
			`bad: permission ReadNone allows s3:GetObject on []; allowed: the ARNs of the resources it acts on`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := runStack(t, newMockCloud(), withAppResources(tt.resources), withSecretConfig("secrets"),
				withConfig(map[string]string{"env": `{"FEATURE":"on"}`, "secrets": `{"DATABASE_URL":"postgres://db"}`}))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestGrantRefusedAllAtOnce: one run reports every problem of every grant.
func TestGrantRefusedAllAtOnce(t *testing.T) {
	t.Parallel()
	_, err := runStack(t, newMockCloud(), withAppResources(map[string]appResource{
		"a": granting(Grant{Allow: []Permission{{Sid: "All", Actions: []string{"*"}}}, Env: pulumi.StringMap{"PORT": pulumi.String("1")}}),
		"b": granting(Grant{Env: pulumi.StringMap{"ECS_X": pulumi.String("1")}}),
	}))
	if err == nil {
		t.Fatal("the program took grants it cannot")
	}
	for _, want := range []string{"a: permission All allows *", "a: env PORT is set by the program", "b: env ECS_X uses the ECS_ prefix"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error = %v, want %q among its lines", err, want)
		}
	}
}
