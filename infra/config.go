package main

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// architecture is the CPU architecture of the image and of the Fargate task.
type architecture string

const (
	archARM64 architecture = "arm64"
	archX8664 architecture = "x86_64"
)

// platform is the Docker build platform for the architecture.
func (a architecture) platform() string {
	if a == archX8664 {
		return "linux/amd64"
	}
	return "linux/arm64"
}

// cpuArchitecture is the ECS runtimePlatform value for the architecture.
func (a architecture) cpuArchitecture() string {
	if a == archX8664 {
		return "X86_64"
	}
	return "ARM64"
}

// egressMode says how tasks reach ECR, CloudWatch Logs and other AWS APIs.
type egressMode string

const (
	egressNATPerAZ     egressMode = "natPerAz"
	egressNATSingle    egressMode = "natSingle"
	egressPublicIP     egressMode = "publicIp"
	egressVPCEndpoints egressMode = "vpcEndpoints"
)

const (
	configSecretsKey     = "secrets"
	maxPaths             = 50
	maxEnvVars           = 100
	maxSecrets           = 50
	maxRequestsPerTarget = 1000000
	maxTaskCount         = 1000
	maxPathPatternLen    = 128
	// deployTimeoutMinutes bounds: below 5 a healthy rollout with its bake time fails; above 120 a
	// stuck one holds the stack's lock for hours.
	minDeployTimeoutMinutes = 5
	maxDeployTimeoutMinutes = 120
	// maxSecretBytes is the largest value Secrets Manager stores as a secret string.
	maxSecretBytes = 65536
)

// stackConfig is every setting of a stack, parsed and validated.
type stackConfig struct {
	// Region is aws:region; empty means the provider's environment decides.
	Region string
	// Profile is aws:profile, the AWS shared-config profile; empty leaves the environment's choice.
	Profile      string
	Architecture architecture
	CPU          int
	Memory       int
	DesiredCount int
	MinCount     int
	MaxCount     int
	// RequestsPerTarget is the autoscaling target of requests per task per minute.
	RequestsPerTarget int
	ContainerPort     int
	AvailabilityZones int
	VpcCIDR           netip.Prefix
	Egress            egressMode
	LogRetentionDays  int
	ContainerInsights bool
	// Image is a prebuilt image to deploy instead of building one; nil means build.
	Image              *imageRef
	Domain             string
	HostedZone         string
	Paths              []string
	DeletionProtection bool
	Env                map[string]string
	// Secrets maps an environment variable name to its secret value. Only the names are plain.
	Secrets     map[string]pulumi.StringOutput
	AlarmEmail  string
	Spot        bool
	IPv6        bool
	ForceDelete bool
	FlowLogs    bool
	AccessLogs  bool
	WAF         bool
	// DeployTimeout bounds how long `pulumi up` follows the ECS deployment.
	DeployTimeout time.Duration
}

// configSource is where the parser reads raw values: the stack's config, the key fully qualified.
type configSource struct {
	// project and stack name the stack (namePrefix): some limits count the names it derives.
	project, stack string
	lookup         func(key string) (string, bool)
	secret         func(key string) bool
}

// loadConfig reads and validates every setting of the stack.
func loadConfig(ctx *pulumi.Context) (*stackConfig, error) {
	return parseConfig(configSource{
		project: ctx.Project(),
		stack:   ctx.Stack(),
		lookup:  ctx.GetConfig,
		secret:  ctx.IsConfigSecret,
	})
}

// parseConfig reads every key of the stack and validates the values. It reports every problem at
// once so one preview shows all that needs fixing.
func parseConfig(src configSource) (*stackConfig, error) {
	r := &configReader{src: src}
	region, _ := src.lookup("aws:region")
	profile, _ := src.lookup("aws:profile")
	c := &stackConfig{
		Region:             strings.TrimSpace(region),
		Profile:            strings.TrimSpace(profile),
		Architecture:       architecture(r.str("architecture")),
		CPU:                r.integer("cpu"),
		Memory:             r.integer("memory"),
		DesiredCount:       r.integer("desiredCount"),
		MinCount:           r.integer("minCount"),
		MaxCount:           r.integer("maxCount"),
		RequestsPerTarget:  r.integer("requestsPerTarget"),
		ContainerPort:      r.integer("containerPort"),
		AvailabilityZones:  r.integer("availabilityZones"),
		Egress:             egressMode(r.str("egress")),
		LogRetentionDays:   r.integer("logRetentionDays"),
		ContainerInsights:  r.boolean("containerInsights"),
		Domain:             r.str("domain"),
		HostedZone:         r.str("hostedZone"),
		Paths:              r.strings("paths"),
		DeletionProtection: r.boolean("deletionProtection"),
		Env:                r.object("env"),
		AlarmEmail:         r.str("alarmEmail"),
		Spot:               r.boolean("spot"),
		IPv6:               r.boolean("ipv6"),
		ForceDelete:        r.boolean("forceDelete"),
		FlowLogs:           r.boolean("flowLogs"),
		AccessLogs:         r.boolean("accessLogs"),
		WAF:                r.boolean("waf"),
	}
	deployTimeout := r.integer("deployTimeoutMinutes")
	cidr := r.str("vpcCidr")
	image := r.str("image")
	secrets := r.object(configSecretsKey)

	validateRegion(r, c.Region)
	validateRegionPartition(r, c.Region)
	validateArchitecture(r, c.Architecture)
	validateTaskSize(r, c.CPU, c.Memory)
	validateCounts(r, c.DesiredCount, c.MinCount, c.MaxCount)
	if c.RequestsPerTarget < 1 || c.RequestsPerTarget > maxRequestsPerTarget {
		r.fail("requestsPerTarget", "%d is out of range; allowed: 1 to %d requests per task per minute",
			c.RequestsPerTarget, maxRequestsPerTarget)
	}
	validatePort(r, "containerPort", c.ContainerPort)
	if deployTimeout < minDeployTimeoutMinutes || deployTimeout > maxDeployTimeoutMinutes {
		r.fail("deployTimeoutMinutes", "%d is out of range; allowed: %d to %d minutes", deployTimeout,
			minDeployTimeoutMinutes, maxDeployTimeoutMinutes)
	}
	c.DeployTimeout = time.Duration(deployTimeout) * time.Minute
	refuseRemovedKeys(r)
	if c.AvailabilityZones < 2 || c.AvailabilityZones > 3 {
		r.fail("availabilityZones", "%d is not allowed; allowed: 2 or 3", c.AvailabilityZones)
	}
	c.VpcCIDR = validateVpcCIDR(r, cidr)
	validateEgress(r, c.Egress)
	if !slices.Contains(logRetentionValues, c.LogRetentionDays) {
		r.fail("logRetentionDays", "%d is not a retention CloudWatch Logs accepts; allowed: %s",
			c.LogRetentionDays, joinInts(logRetentionValues))
	}
	c.Image = validateImage(r, image)
	c.Domain, c.HostedZone = validateDomain(r, c.Domain, c.HostedZone)
	validatePaths(r, c.Paths)
	validateEnv(r, c.Env)
	c.Secrets = validateSecrets(r, secrets, c.Env)
	validateSecretNameLengths(r, secrets)
	validateAlarmEmail(r, c.AlarmEmail)
	validateCapacity(r, c)

	if err := errors.Join(r.errs...); err != nil {
		return nil, fmt.Errorf("invalid stack config:\n%w", err)
	}
	return c, nil
}

// partitionForRegion is the ARN partition of a region. The program supports only some of them
// (supportedPartitions); the config refuses a region of the others.
func partitionForRegion(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "us-isoe-"), strings.HasPrefix(region, "eu-isoe-"):
		return "aws-iso-e"
	case strings.HasPrefix(region, "us-isof-"):
		return "aws-iso-f"
	}
	return "aws"
}

// supportedPartitions are the partitions whose ARNs, service principals and endpoint names the
// program writes correctly.
var supportedPartitions = []string{"aws", "aws-cn", "aws-us-gov"}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}
