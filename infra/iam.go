package main

import (
	"encoding/json"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// policyDocument is an IAM policy, written as JSON by policyJSON.
type policyDocument struct {
	Version   string            `json:"Version"`
	Statement []policyStatement `json:"Statement"`
}

// policyStatement is one statement of a policyDocument. An Allow lists its actions one by one:
// no "*" and no "service:*" (Security Hub IAM.21, Checkov CKV_AWS_63); only a Deny names a whole
// service.
type policyStatement struct {
	Sid       string                    `json:"Sid,omitempty"`
	Effect    string                    `json:"Effect"`
	Principal map[string]string         `json:"Principal,omitempty"`
	Action    []string                  `json:"Action"`
	Resource  []string                  `json:"Resource,omitempty"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

// unscopedActions are the actions of the stack's roles that AWS scopes to no resource (the
// Service Authorization Reference lists no resource type for them): the only ones an Allow may
// grant on Resource "*".
func unscopedActions() []string { return []string{"ecr:GetAuthorizationToken"} }

func policyJSON(statements ...policyStatement) (string, error) {
	b, err := json.Marshal(policyDocument{Version: "2012-10-17", Statement: statements})
	return string(b), err
}

// trustPolicy lets one AWS service assume a role, only on behalf of this account (the confused-deputy
// guard): aws:SourceAccount always, and aws:SourceArn when sourceArn is not empty.
func trustPolicy(service, account, sourceArn string) (string, error) {
	cond := map[string]map[string]any{"StringEquals": {"aws:SourceAccount": account}}
	if sourceArn != "" {
		cond["ArnLike"] = map[string]any{"aws:SourceArn": sourceArn}
	}
	return policyJSON(policyStatement{
		Effect:    "Allow",
		Principal: map[string]string{"Service": service},
		Action:    []string{"sts:AssumeRole"},
		Condition: cond,
	})
}

// newServiceRole declares a role that only the given AWS service can assume for this account.
func newServiceRole(ctx *pulumi.Context, name, description, service, account, sourceArn string,
	opts ...pulumi.ResourceOption,
) (*iam.Role, error) {
	trust, err := trustPolicy(service, account, sourceArn)
	if err != nil {
		return nil, err
	}
	return iam.NewRole(ctx, name, &iam.RoleArgs{
		Description:      pulumi.String(description),
		AssumeRolePolicy: pulumi.String(trust),
	}, opts...)
}

// logWriteStatement allows writing log events to exactly one log group.
func logWriteStatement(logGroupArn string) policyStatement {
	return policyStatement{
		Sid:      "WriteLogs",
		Effect:   "Allow",
		Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		Resource: []string{logGroupArn, logGroupArn + ":log-stream:*"},
	}
}
