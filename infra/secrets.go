package main

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// secretRecoveryDays is how long a deleted secret stays recoverable (aws secretsmanager
// restore-secret) before Secrets Manager erases it: the shortest window AWS allows, enough to undo
// a mistaken destroy or removed key. With forceDelete (dev stacks) secrets go at once.
const secretRecoveryDays = 7

const (
	// maxSecretNameLen is the longest name Secrets Manager gives a secret.
	maxSecretNameLen = 512
	// secretNameUniqueLen is the length of the unique suffix the provider appends to a name
	// prefix (a timestamp and a counter, terraform-plugin-sdk's id.UniqueIDSuffixLength).
	secretNameUniqueLen = 26
)

// secretPath is the path every secret of a stack is named under, "<prefix>/": what the execution
// role may read. The trailing slash keeps it from matching the secrets of a stack whose prefix
// only starts with this one (gin-fargate-dev-2 beside gin-fargate-dev); the name prefix never
// holds a slash.
func secretPath(stackPrefix string) string { return stackPrefix + "/" }

// secretNamePrefix is the name prefix of the secret of one environment variable; Secrets Manager
// names it the prefix and secretNameUniqueLen more characters.
func secretNamePrefix(stackPrefix, env string) string { return secretPath(stackPrefix) + env + "-" }

// secretARNPattern matches the ARN of every secret of the stack and of no other stack's: one
// resource however many secrets there are, so the execution role's policy does not grow with them
// (IAM allows 10,240 characters of inline policies per role).
func secretARNPattern(partition, region, account, stackPrefix string) string {
	return fmt.Sprintf("arn:%s:secretsmanager:%s:%s:secret:%s*", partition, region, account, secretPath(stackPrefix))
}

// Secrets holds the app's secret environment variables in Secrets Manager, one secret per variable.
type Secrets struct {
	pulumi.ResourceState

	// ARNs maps each environment variable name to the ARN of its secret, known once the secret
	// has its value: what the container's secrets reference (valueFrom) and what the execution
	// role may read.
	ARNs pulumi.StringMap `pulumi:"arns"`
}

// SecretsArgs configures Secrets.
type SecretsArgs struct {
	// NamePrefix starts every secret's name, e.g. "gin-fargate-dev".
	NamePrefix string
	// Values maps environment variable names to their values, which must be secret outputs.
	Values map[string]pulumi.StringOutput
	// ForceDelete deletes secrets without a recovery window when they leave the stack.
	ForceDelete bool
}

// NewSecrets declares a secret and its current version for every value.
//
// Each secret is named "<prefix>/<NAME>-<unique suffix>": a secret that is deleted keeps its name
// for the recovery window, so a fixed name would make a destroyed and recreated stack (or a renamed
// key) fail with "a secret with this name is already scheduled for deletion". The value lives only
// in the secret version's secretString, a secret output: never in the task definition (the
// container gets the ARN), a stack output or a log line.
func NewSecrets(ctx *pulumi.Context, name string, args *SecretsArgs, opts ...pulumi.ResourceOption) (*Secrets, error) {
	s := &Secrets{ARNs: pulumi.StringMap{}}
	if err := ctx.RegisterComponentResource(componentType(ctx, "Secrets"), name, s, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(s)

	recovery := secretRecoveryDays
	if args.ForceDelete {
		recovery = 0
	}
	for _, env := range sortedKeys(args.Values) {
		secret, err := secretsmanager.NewSecret(ctx, name+"-"+env, &secretsmanager.SecretArgs{
			NamePrefix:           pulumi.String(secretNamePrefix(args.NamePrefix, env)),
			Description:          pulumi.String(fmt.Sprintf("%s of %s, injected into the app's environment", env, args.NamePrefix)),
			RecoveryWindowInDays: pulumi.Int(recovery),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("create secret %s: %w", env, err)
		}
		version, err := secretsmanager.NewSecretVersion(ctx, name+"-"+env+"-value", &secretsmanager.SecretVersionArgs{
			SecretId:     secret.Arn,
			SecretString: pulumi.ToSecret(args.Values[env]).(pulumi.StringOutput),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("create secret value %s: %w", env, err)
		}
		// The secret's ARN as the version reports it: whatever references it (the task definition,
		// and so the service) waits until the secret has a value. A task that starts earlier fails
		// to read it (ResourceNotFoundException: no value for staging label AWSCURRENT).
		s.ARNs[env] = version.Arn
	}
	if err := ctx.RegisterResourceOutputs(s, pulumi.Map{"arns": s.ARNs}); err != nil {
		return nil, err
	}
	return s, nil
}
