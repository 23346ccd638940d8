package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// stackOutputs are the stack's exports by name.
type stackOutputs map[string]pulumi.StringOutput

// program reads and validates the stack config, declares the whole stack and exports its outputs.
func program(ctx *pulumi.Context) error {
	outputs, err := declareStack(ctx)
	if err != nil {
		return err
	}
	for _, name := range sortedKeys(outputs) {
		ctx.Export(name, outputs[name])
	}
	return nil
}

// declareStack declares every resource of the stack and returns its outputs. Every AWS resource
// and lookup goes through one explicit provider, so every taggable resource carries its default tags.
func declareStack(ctx *pulumi.Context) (stackOutputs, error) {
	cfg, err := loadConfig(ctx)
	if err != nil {
		return nil, err
	}
	prefix := namePrefix(ctx.Project(), ctx.Stack())

	provider, err := newAWSProvider(ctx, cfg.Region)
	if err != nil {
		return nil, err
	}
	lookup := pulumi.Provider(provider)
	withProvider := pulumi.Providers(provider)

	region, err := resolveRegion(ctx, cfg.Region, lookup)
	if err != nil {
		return nil, err
	}
	identity, err := aws.GetCallerIdentity(ctx, nil, lookup)
	if err != nil {
		return nil, fmt.Errorf("look up account: %w", err)
	}
	zones, err := lookupAvailabilityZones(ctx, cfg.AvailabilityZones, lookup)
	if err != nil {
		return nil, err
	}
	// The domain's zone and the log-delivery account are looked up before anything is declared,
	// so a missing zone fails the deploy before it creates anything.
	var zone *hostedZone
	if cfg.Domain != "" {
		if zone, err = lookupHostedZone(ctx, cfg.Domain, cfg.HostedZone, lookup); err != nil {
			return nil, err
		}
	}
	var elbAccount string
	if cfg.AccessLogs {
		if elbAccount, err = lookupELBAccount(ctx, region, lookup); err != nil {
			return nil, err
		}
	}

	network, err := NewNetwork(ctx, "network", &NetworkArgs{
		NamePrefix:        prefix,
		CIDR:              cfg.VpcCIDR,
		AvailabilityZones: zones,
		Egress:            cfg.Egress,
		Region:            region,
		Account:           identity.AccountId,
		FlowLogs:          cfg.FlowLogs,
		LogRetentionDays:  cfg.LogRetentionDays,
		IPv6:              cfg.IPv6,
	}, withProvider)
	if err != nil {
		return nil, err
	}
	registry, err := NewRegistry(ctx, "registry", &RegistryArgs{
		Name:        prefix,
		ForceDelete: cfg.ForceDelete,
	}, withProvider)
	if err != nil {
		return nil, err
	}
	image, err := NewAppImage(ctx, "image", &AppImageArgs{
		Registry:     registry,
		Prebuilt:     cfg.Image,
		SourceRoot:   sourceRoot(ctx),
		Architecture: cfg.Architecture,
		Provider:     provider,
	}, withProvider)
	if err != nil {
		return nil, err
	}
	var certificateARN pulumi.StringInput
	if zone != nil {
		cert, err := NewCertificate(ctx, "certificate", &CertificateArgs{
			NamePrefix: prefix,
			Domain:     cfg.Domain,
			ZoneID:     zone.ID,
		}, withProvider)
		if err != nil {
			return nil, err
		}
		certificateARN = cert.ARN
	}
	var accessLogs *AccessLogs
	if cfg.AccessLogs {
		if accessLogs, err = NewAccessLogs(ctx, "access-logs", &AccessLogsArgs{
			NamePrefix:    prefix,
			Account:       identity.AccountId,
			RetentionDays: cfg.LogRetentionDays,
			ForceDestroy:  cfg.ForceDelete,
			ELBAccountARN: elbAccount,
		}, withProvider); err != nil {
			return nil, err
		}
	}
	web, err := NewLoadBalancer(ctx, "web", &LoadBalancerArgs{
		NamePrefix:          prefix,
		VpcID:               network.VpcID,
		SubnetIDs:           network.PublicSubnetIDs,
		TaskSecurityGroupID: network.TaskSecurityGroupID,
		ContainerPort:       cfg.ContainerPort,
		Paths:               cfg.Paths,
		DeletionProtection:  cfg.DeletionProtection,
		IPv6:                cfg.IPv6,
		Domain:              cfg.Domain,
		CertificateARN:      certificateARN,
		AccessLogs:          accessLogs,
		InternetGateway:     network.InternetGateway,
	}, withProvider)
	if err != nil {
		return nil, err
	}
	if zone != nil {
		if _, err := NewDNSRecords(ctx, "dns", &DNSRecordsArgs{
			Domain:        cfg.Domain,
			ZoneID:        zone.ID,
			TargetDNSName: web.DNSName,
			TargetZoneID:  web.ZoneID,
			IPv6:          cfg.IPv6,
		}, withProvider); err != nil {
			return nil, err
		}
	}
	if cfg.WAF {
		if _, err := NewWebACL(ctx, "waf", &WebACLArgs{
			NamePrefix:      prefix,
			LoadBalancerARN: web.LoadBalancer.Arn,
		}, withProvider); err != nil {
			return nil, err
		}
	}
	ready := []pulumi.Resource{web.Listener}
	for _, r := range web.Rules {
		ready = append(ready, r)
	}
	secretARNs := pulumi.StringMap{}
	if len(cfg.Secrets) > 0 {
		secrets, err := NewSecrets(ctx, "secrets", &SecretsArgs{
			NamePrefix:  prefix,
			Values:      cfg.Secrets,
			ForceDelete: cfg.ForceDelete,
		}, withProvider)
		if err != nil {
			return nil, err
		}
		secretARNs = secrets.ARNs
	}
	alarms, err := NewAlarms(ctx, "alarms", &AlarmsArgs{
		NamePrefix:            prefix,
		Region:                region,
		Account:               identity.AccountId,
		Email:                 cfg.AlarmEmail,
		LoadBalancerARNSuffix: web.ARNSuffix,
		TargetGroupARNSuffix:  web.TargetGroupARNSuffix,
	}, withProvider)
	if err != nil {
		return nil, err
	}
	api, err := NewService(ctx, "api", &ServiceArgs{
		NamePrefix:        prefix,
		Region:            region,
		Account:           identity.AccountId,
		Architecture:      cfg.Architecture,
		CPU:               cfg.CPU,
		Memory:            cfg.Memory,
		DesiredCount:      cfg.DesiredCount,
		ContainerPort:     cfg.ContainerPort,
		ContainerInsights: cfg.ContainerInsights,
		LogRetentionDays:  cfg.LogRetentionDays,
		Image:             image.URI,
		AppVersion:        image.Version,
		AppName:           ctx.Project(),
		PullRepositoryARN: image.PullRepositoryARN,
		Env:               cfg.Env,
		Secrets:           secretARNs,
		TrustedProxies:    cfg.VpcCIDR.String(),
		SubnetIDs:         network.TaskSubnetIDs,
		SecurityGroupIDs:  pulumi.StringArray{network.TaskSecurityGroupID},
		AssignPublicIP:    network.AssignPublicIP,
		NetworkReady:      network.TaskEgressReady,
		TargetGroupARN:    web.TargetGroup.Arn,
		LoadBalancerReady: ready,
		// The alarms' own name outputs: the service is declared after them and names real alarms.
		DeploymentAlarmNames: alarms.DeploymentAlarmNames,
		Spot:                 cfg.Spot,
	}, withProvider)
	if err != nil {
		return nil, err
	}
	serviceAlarms, err := NewServiceAlarms(ctx, "service-alarms", &ServiceAlarmsArgs{
		NamePrefix:            prefix,
		Alarms:                alarms,
		Service:               api,
		LoadBalancerARNSuffix: web.ARNSuffix,
		TargetGroupARNSuffix:  web.TargetGroupARNSuffix,
		WatchHealthyHosts:     cfg.MinCount > 0,
	}, withProvider)
	if err != nil {
		return nil, err
	}
	otherAlarms := pulumi.StringArray{alarms.Latency.Arn, serviceAlarms.CPU.Arn, serviceAlarms.Memory.Arn}
	if serviceAlarms.NoHealthyHosts != nil {
		otherAlarms = append(pulumi.StringArray{serviceAlarms.NoHealthyHosts.Arn}, otherAlarms...)
	}
	if _, err := NewAutoscaling(ctx, "scaling", &AutoscalingArgs{
		NamePrefix:            prefix,
		ClusterName:           api.ClusterName,
		ServiceName:           api.ServiceName,
		MinCount:              cfg.MinCount,
		MaxCount:              cfg.MaxCount,
		RequestsPerTarget:     cfg.RequestsPerTarget,
		LoadBalancerARNSuffix: web.ARNSuffix,
		TargetGroupARNSuffix:  web.TargetGroupARNSuffix,
	}, withProvider); err != nil {
		return nil, err
	}
	dashboard, err := NewDashboard(ctx, "dashboard", &DashboardArgs{
		Name:                    prefix,
		Region:                  region,
		ContainerInsights:       cfg.ContainerInsights,
		LoadBalancerARNSuffix:   web.ARNSuffix,
		TargetGroupARNSuffix:    web.TargetGroupARNSuffix,
		ClusterName:             api.ClusterName,
		ServiceName:             api.ServiceName,
		LogGroupName:            api.LogGroupName,
		DeploymentAlarmARNs:     pulumi.StringArray{alarms.ErrorRate.Arn, alarms.UnhealthyHosts.Arn},
		OtherAlarmARNs:          otherAlarms,
		LatencyThresholdSeconds: latencyP99Seconds,
		CPUTargetPercent:        cpuTargetPercent,
		CPUAlarmPercent:         cpuHighPercent,
		MemoryAlarmPercent:      memoryHighPercent,
	}, withProvider)
	if err != nil {
		return nil, err
	}

	return stackOutputs{
		"url":                 web.URL,
		"imageUri":            image.URI,
		"repositoryUrl":       registry.URL,
		"clusterName":         api.ClusterName,
		"serviceName":         api.ServiceName,
		"logGroupName":        api.LogGroupName,
		"loadBalancerDnsName": web.DNSName,
		// The version the app reports (APP_VERSION): what the smoke test expects to see.
		"imageTag":     pulumi.String(image.Version).ToStringOutput(),
		"dashboardUrl": dashboard.URL,
		// The task definition the service runs, verified after the rollout: exporting it is what
		// makes `pulumi up` fail when ECS rolled the deployment back.
		"taskDefinitionArn": api.DeployedTaskDefinition,
	}, nil
}

// newAWSProvider declares the one AWS provider every resource uses, with the stack's default tags.
func newAWSProvider(ctx *pulumi.Context, region string) (*aws.Provider, error) {
	args := &aws.ProviderArgs{
		DefaultTags: &aws.ProviderDefaultTagsArgs{Tags: pulumi.StringMap{
			"project":    pulumi.String(ctx.Project()),
			"stack":      pulumi.String(ctx.Stack()),
			"managed-by": pulumi.String("pulumi"),
		}},
	}
	if region != "" {
		args.Region = pulumi.String(region)
	}
	p, err := aws.NewProvider(ctx, "aws", args)
	if err != nil {
		return nil, fmt.Errorf("create aws provider: %w", err)
	}
	return p, nil
}

// resolveRegion returns aws:region, or the region the provider finds in its environment.
func resolveRegion(ctx *pulumi.Context, configured string, opts ...pulumi.InvokeOption) (string, error) {
	if configured != "" {
		return configured, nil
	}
	res, err := aws.GetRegion(ctx, nil, opts...)
	if err != nil {
		return "", fmt.Errorf("look up region (set aws:region): %w", err)
	}
	if res.Name == "" {
		return "", fmt.Errorf("look up region: none found; set aws:region")
	}
	return res.Name, nil
}

// sourceRoot is the repository root, where the Dockerfile and the build inputs live: the
// directory of Pulumi.yaml, or the parent of infra/ (the program's working directory).
func sourceRoot(ctx *pulumi.Context) string {
	if dir := ctx.RootDirectory(); dir != "" {
		return dir
	}
	return buildContext
}

var nameUnsafe = regexp.MustCompile(`[^a-z0-9]+`)

// namePrefix is the stable, AWS-safe name of this stack's resources, e.g. "gin-fargate-dev": the
// ECR repository, the task family, the log group and the Name tags.
func namePrefix(project, stack string) string {
	s := nameUnsafe.ReplaceAllString(strings.ToLower(project+"-"+stack), "-")
	return shorten(strings.Trim(s, "-"), maxNamePrefixLen)
}

// maxNamePrefixLen leaves room for the suffixes of the longest names derived from the prefix.
const maxNamePrefixLen = 48

// shorten cuts a generated name to at most n bytes, leaving no hyphen at the cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.TrimRight(s[:n], "-")
}
