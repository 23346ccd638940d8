package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

const (
	secretVersionType = "aws:secretsmanager/secretVersion:SecretVersion"
	dbPassword        = "db-password-value-5c1e8a"
	apiToken          = "api-token-value-77f2b0"
)

// withSecrets sets two secrets the way `pulumi config set --secret --path` does.
func withSecrets() []runOption {
	return []runOption{
		withConfig(map[string]string{"secrets": `{"DB_PASSWORD":"` + dbPassword + `","API_TOKEN":"` + apiToken + `"}`}),
		withSecretConfig("secrets"),
	}
}

// occurrence is where a string was found in a property value.
type occurrence struct {
	path   string
	secret bool // inside a secret value
}

// find appends every place in v whose string contains s.
func find(v resource.PropertyValue, s, path string, secret bool, out *[]occurrence) {
	switch {
	case v.IsSecret():
		find(v.SecretValue().Element, s, path, true, out)
	case v.IsOutput():
		find(v.OutputValue().Element, s, path, secret || v.OutputValue().Secret, out)
	case v.IsObject():
		for k, e := range v.ObjectValue() {
			find(e, s, path+"."+string(k), secret, out)
		}
	case v.IsArray():
		for i, e := range v.ArrayValue() {
			find(e, s, fmt.Sprintf("%s[%d]", path, i), secret, out)
		}
	case v.IsString():
		if strings.Contains(v.StringValue(), s) {
			*out = append(*out, occurrence{path, secret})
		}
	}
}

// TestSecretValuesOnlyInTheirSecretVersion: every input of every resource, every lookup argument
// and every stack output is searched for the secret values. Each value sits in exactly one place,
// its secret version's secretString, marked secret; the task definition holds only ARNs.
func TestSecretValuesOnlyInTheirSecretVersion(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withSecrets()...)
	for _, value := range []string{dbPassword, apiToken} {
		var found []occurrence
		for _, r := range run.records() {
			find(resource.NewObjectProperty(r.Inputs), value, r.Type+" "+r.Name, false, &found)
		}
		for _, c := range run.calls {
			find(resource.NewObjectProperty(c.Args), value, "invoke "+c.Token, false, &found)
		}
		if len(found) != 1 {
			t.Errorf("value found in %d places, want only its secret version: %v", len(found), found)
			continue
		}
		if !strings.HasPrefix(found[0].path, secretVersionType+" ") || !strings.HasSuffix(found[0].path, ".secretString") ||
			!found[0].secret {
			t.Errorf("value found at %+v, want only a secret secretString of a secret version", found[0])
		}
		for name, o := range run.outputs {
			if strings.Contains(fmt.Sprint(o.Value), value) {
				t.Errorf("output %s holds a secret value", name)
			}
		}
	}
	// Nothing secret flowed into the task definition or the execution policy: they stay plain,
	// readable in the console and diffable in a preview.
	if run.taskDef(t).Inputs["containerDefinitions"].ContainsSecrets() {
		t.Error("containerDefinitions is secret: a secret value reached the task definition")
	}
	for _, p := range run.all(rolePolicyType) {
		if p.Inputs["policy"].ContainsSecrets() {
			t.Errorf("policy %s is secret", p.Name)
		}
	}
}

func TestSecretsInSecretsManager(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withSecrets()...)
	secrets := map[string]*resourceRecord{}
	for _, s := range run.in("secrets", secretType) {
		env := strings.TrimSuffix(strings.TrimPrefix(s.str("namePrefix"), run.prefix()+"/"), "-")
		secrets[env] = s
		if s.str("name") != "" {
			t.Errorf("secret %s has a fixed name %q; a recreated stack would collide with it while it is pending deletion",
				s.Name, s.str("name"))
		}
		if got := s.num("recoveryWindowInDays"); got != secretRecoveryDays {
			t.Errorf("secret %s recovery window = %v days, want %d", s.Name, got, secretRecoveryDays)
		}
		if s.str("kmsKeyId") != "" || s.str("policy") != "" {
			t.Errorf("secret %s sets a key or a resource policy: %v", s.Name, s.Inputs)
		}
	}
	if got := sortedKeys(secrets); !slices.Equal(got, []string{"API_TOKEN", "DB_PASSWORD"}) {
		t.Fatalf("secrets for %v, want API_TOKEN and DB_PASSWORD", got)
	}

	values := map[string]string{"DB_PASSWORD": dbPassword, "API_TOKEN": apiToken}
	versions := run.in("secrets", secretVersionType)
	if len(versions) != 2 {
		t.Fatalf("%d secret versions, want 2", len(versions))
	}
	for _, v := range versions {
		env := ""
		for name, s := range secrets {
			if v.str("secretId") == s.output("arn") {
				env = name
			}
		}
		if env == "" {
			t.Errorf("secret version %s belongs to no declared secret (%q)", v.Name, v.str("secretId"))
			continue
		}
		if got := v.str("secretString"); got != values[env] || !v.Inputs["secretString"].IsSecret() {
			t.Errorf("secret version of %s: secretString secret=%v, want the configured value, secret",
				env, v.Inputs["secretString"].IsSecret())
		}
	}

	c := run.container(t)
	refs, _ := c["secrets"].([]any)
	var got []string
	for _, ref := range refs {
		m := ref.(map[string]any)
		got = append(got, fmt.Sprintf("%s=%s", m["name"], m["valueFrom"]))
	}
	want := []string{"API_TOKEN=" + secrets["API_TOKEN"].output("arn"), "DB_PASSWORD=" + secrets["DB_PASSWORD"].output("arn")}
	if !slices.Equal(got, want) {
		t.Errorf("container secrets = %v, want %v", got, want)
	}
	for name := range values {
		if _, ok := envOf(t, c)[name]; ok {
			t.Errorf("%s is also in the plain environment", name)
		}
	}

	// The execution role reads the stack's secrets, nothing else, and nothing more than reading.
	read := statement(t, execPolicyOf(t, run), "ReadSecrets")
	if !slices.Equal(read.Action, []string{"secretsmanager:GetSecretValue"}) {
		t.Errorf("execution role may %v on its secrets, want GetSecretValue only", read.Action)
	}
	for _, s := range execPolicyOf(t, run).Statement {
		for _, a := range s.Action {
			if strings.HasPrefix(a, "secretsmanager:") && s.Sid != "ReadSecrets" {
				t.Errorf("statement %s also grants %s", s.Sid, a)
			}
		}
	}
}

func TestSecretsRecoveryWindowFollowsForceDelete(t *testing.T) {
	t.Parallel()
	run := mustRun(t, append(withSecrets(), withConfig(map[string]string{"forceDelete": "true"}))...)
	for _, s := range run.in("secrets", secretType) {
		if got := s.num("recoveryWindowInDays"); got != 0 {
			t.Errorf("secret %s recovery window = %v with forceDelete, want 0 (deleted at once)", s.Name, got)
		}
	}
}

func TestNoSecretsDeclaresNoneAndGrantsNone(t *testing.T) {
	t.Parallel()
	run := mustRun(t)
	if n := len(run.in("secrets", secretType)) + len(run.in("secrets", secretVersionType)); n != 0 {
		t.Errorf("%d Secrets Manager resources without secrets", n)
	}
	if _, ok := run.container(t)["secrets"]; ok {
		t.Error("container lists secrets without any configured")
	}
	for _, s := range execPolicyOf(t, run).Statement {
		if s.Sid == "ReadSecrets" {
			t.Errorf("execution role reads secrets %v without any configured", s.Resource)
		}
	}
}

// TestTasksWaitForSecretValues: the task definition takes each secret's ARN from its secret
// version, so no task (and no service deployment) starts before the secret has a value: ECS reads
// AWSCURRENT when a task starts, and a secret without one stops the task with
// ResourceNotFoundException.
func TestTasksWaitForSecretValues(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withSecrets()...)
	deps := run.taskDef(t).PropertyDeps["containerDefinitions"]
	versions := run.in("secrets", secretVersionType)
	if len(versions) != 2 {
		t.Fatalf("%d secret versions, want 2", len(versions))
	}
	for _, v := range versions {
		if !slices.Contains(deps, v.URN) {
			t.Errorf("container definitions do not wait for %s: a task may start before the secret has a value", v.Name)
		}
	}
}

// TestExecutionRoleReadsSecretsByOnePattern: the execution role names the stack's secrets with one
// ARN pattern under the stack's path, so its policy stays the same size however many secrets the
// stack has (IAM allows 10,240 characters of inline policy per role), matches every secret the
// stack declares and no secret of a stack whose prefix starts the same.
func TestExecutionRoleReadsSecretsByOnePattern(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withSecrets()...)
	prefix := run.prefix()
	want := "arn:aws:secretsmanager:" + testRegion + ":" + testAccount + ":secret:" + prefix + "/*"
	read := statement(t, execPolicyOf(t, run), "ReadSecrets")
	if !slices.Equal(read.Resource, []string{want}) {
		t.Fatalf("execution role reads secrets %v, want exactly %s", read.Resource, want)
	}
	matches := func(arn string) bool { return strings.HasPrefix(arn, strings.TrimSuffix(want, "*")) }

	t.Run("every secret of the stack", func(t *testing.T) {
		for _, s := range run.in("secrets", secretType) {
			if !matches(s.output("arn")) {
				t.Errorf("the pattern %s does not match the secret %s", want, s.output("arn"))
			}
		}
	})
	t.Run("no secret of another stack", func(t *testing.T) {
		other := "arn:aws:secretsmanager:" + testRegion + ":" + testAccount + ":secret:" + prefix + "-2/API_TOKEN-20260101000000000000000001-a1b2c3"
		if matches(other) {
			t.Errorf("the pattern %s matches %s, a secret of stack %s-2", want, other, testStack)
		}
	})
	t.Run("the same size with the most and longest secrets", func(t *testing.T) {
		var names []string
		for i := range maxSecrets {
			names = append(names, fmt.Sprintf(`"%s%02d":"v"`, longName(maxSecretEnvName(t)-2), i))
		}
		many := mustRun(t, withConfig(map[string]string{"secrets": "{" + strings.Join(names, ",") + "}"}),
			withSecretConfig("secrets"))
		few, most := execPolicyDocument(t, run), execPolicyDocument(t, many)
		if len(most) != len(few) || len(most) > 10240 {
			t.Errorf("execution policy of %d secrets is %d characters, of 2 secrets %d; want the same, at most 10,240",
				maxSecrets, len(most), len(few))
		}
	})
}

// execPolicyDocument is the execution role's policy as IAM stores it.
func execPolicyDocument(t *testing.T, run *stackRun) string {
	t.Helper()
	role := run.named(t, roleType, "api-execution-role")
	for _, p := range run.all(rolePolicyType) {
		if p.str("role") == role.ID {
			return p.str("policy")
		}
	}
	t.Fatal("no execution policy")
	return ""
}
