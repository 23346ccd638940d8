package main

import (
	"time"

	"github.com/gin-fargate/gin-fargate/infra/internal/rollout"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// stackOutputs are the stack's exports by name.
type stackOutputs map[string]pulumi.StringOutput

// deps are what the program takes besides the stack's config: the AWS resources the API uses
// (appResources), the clock the deployment watch reads and how often it polls ECS.
type deps struct {
	resources    map[string]appResource
	clock        rollout.Clock
	pollInterval time.Duration
}

// newProgram returns the program on d: it reads and validates the stack config, declares the
// whole stack and exports its outputs.
func newProgram(d deps) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		outputs, err := declareStack(ctx, d)
		if err != nil {
			return err
		}
		for _, name := range sortedKeys(outputs) {
			ctx.Export(name, outputs[name])
		}
		return nil
	}
}

// declareStack declares every resource of the stack and returns its outputs.
func declareStack(ctx *pulumi.Context, d deps) (stackOutputs, error) {
	// The deployments ECS creates from now on are this update's.
	started := d.clock.Now()
	cfg, err := loadConfig(ctx)
	if err != nil {
		return nil, err
	}
	t, err := lookupTarget(ctx, cfg)
	if err != nil {
		return nil, err
	}
	network, err := declareNetwork(ctx, cfg, t)
	if err != nil {
		return nil, err
	}
	web, err := declareEdge(ctx, cfg, t, network)
	if err != nil {
		return nil, err
	}
	registry, image, err := declareImage(ctx, cfg, t)
	if err != nil {
		return nil, err
	}
	watch := deploymentWatch{region: t.region, profile: cfg.Profile, started: started, interval: d.pollInterval,
		timeout: cfg.DeployTimeout, clock: d.clock}
	api, alarms, err := declareService(ctx, cfg, t, network, web, image, d.resources, watch)
	if err != nil {
		return nil, err
	}
	dashboard, err := declareObservability(ctx, cfg, t, web, api, alarms)
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
		// The task definition the service runs once the deployment completed: exporting it is
		// what makes `pulumi up` wait for the deployment and fail with its cause.
		"taskDefinitionArn": api.DeployedTaskDefinition,
	}, nil
}

// declareNetwork declares the VPC: subnets in each zone, the tasks' egress, the guard rails.
func declareNetwork(ctx *pulumi.Context, cfg *stackConfig, t *target) (*Network, error) {
	return NewNetwork(ctx, "network", &NetworkArgs{
		NamePrefix:        t.prefix,
		CIDR:              cfg.VpcCIDR,
		AvailabilityZones: t.zones,
		Egress:            cfg.Egress,
		Region:            t.region,
		Account:           t.account,
		FlowLogs:          cfg.FlowLogs,
		LogRetentionDays:  cfg.LogRetentionDays,
		IPv6:              cfg.IPv6,
	}, t.opts())
}

// declareEdge declares the load balancer and what stands around it: its access logs, the
// domain's certificate and DNS records, the web ACL.
func declareEdge(ctx *pulumi.Context, cfg *stackConfig, t *target, network *Network) (*LoadBalancer, error) {
	var accessLogs *AccessLogs
	if cfg.AccessLogs {
		var err error
		if accessLogs, err = NewAccessLogs(ctx, "access-logs", &AccessLogsArgs{
			NamePrefix:    t.prefix,
			Account:       t.account,
			RetentionDays: cfg.LogRetentionDays,
			ForceDestroy:  cfg.ForceDelete,
			ELBAccountARN: t.elbAccount,
		}, t.opts()); err != nil {
			return nil, err
		}
	}
	var certificateARN pulumi.StringInput
	if t.zone != nil {
		cert, err := NewCertificate(ctx, "certificate", &CertificateArgs{
			NamePrefix: t.prefix,
			Domain:     cfg.Domain,
			ZoneID:     t.zone.ID,
		}, t.opts())
		if err != nil {
			return nil, err
		}
		certificateARN = cert.ARN
	}
	web, err := NewLoadBalancer(ctx, "web", &LoadBalancerArgs{
		NamePrefix:          t.prefix,
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
		InternetPath:        network.InternetPath,
	}, t.opts())
	if err != nil {
		return nil, err
	}
	if t.zone != nil {
		if _, err := NewDNSRecords(ctx, "dns", &DNSRecordsArgs{
			Domain:        cfg.Domain,
			ZoneID:        t.zone.ID,
			TargetDNSName: web.DNSName,
			TargetZoneID:  web.ZoneID,
			IPv6:          cfg.IPv6,
		}, t.opts()); err != nil {
			return nil, err
		}
	}
	if cfg.WAF {
		if _, err := NewWebACL(ctx, "waf", &WebACLArgs{
			NamePrefix:      t.prefix,
			LoadBalancerARN: web.LoadBalancer.Arn,
		}, t.opts()); err != nil {
			return nil, err
		}
	}
	return web, nil
}

// declareImage declares the registry and the image the service runs from it (or a prebuilt one).
func declareImage(ctx *pulumi.Context, cfg *stackConfig, t *target) (*Registry, *AppImage, error) {
	registry, err := NewRegistry(ctx, "registry", &RegistryArgs{
		Name:        t.prefix,
		ForceDelete: cfg.ForceDelete,
	}, t.opts())
	if err != nil {
		return nil, nil, err
	}
	image, err := NewAppImage(ctx, "image", &AppImageArgs{
		Registry:     registry,
		Prebuilt:     cfg.Image,
		SourceRoot:   sourceRoot(ctx),
		Architecture: cfg.Architecture,
		Provider:     t.provider,
	}, t.opts())
	if err != nil {
		return nil, nil, err
	}
	return registry, image, nil
}

// appResources are the AWS resources the API uses, by the logical name of their component: one
// line each, naming the function that declares the component and returns what it grants the
// service (docs/add-an-aws-resource.md).
func appResources() map[string]appResource {
	return map[string]appResource{}
}

// declareService declares the app's secrets and the AWS resources it uses, the alarms that roll
// its deployments back (declared first, so the service names alarms that exist), the ECS service,
// followed through its deployments by watch, and its autoscaling.
func declareService(ctx *pulumi.Context, cfg *stackConfig, t *target, network *Network, web *LoadBalancer,
	image *AppImage, resources map[string]appResource, watch deploymentWatch,
) (*Service, *Alarms, error) {
	grants, err := declareAppResources(ctx, cfg, t, resources)
	if err != nil {
		return nil, nil, err
	}
	secretARNs := pulumi.StringMap{}
	if len(cfg.Secrets) > 0 {
		secrets, err := NewSecrets(ctx, "secrets", &SecretsArgs{
			NamePrefix:  t.prefix,
			Values:      cfg.Secrets,
			ForceDelete: cfg.ForceDelete,
		}, t.opts())
		if err != nil {
			return nil, nil, err
		}
		secretARNs = secrets.ARNs
	}
	alarms, err := NewAlarms(ctx, "alarms", &AlarmsArgs{
		NamePrefix:            t.prefix,
		Region:                t.region,
		Account:               t.account,
		Email:                 cfg.AlarmEmail,
		LoadBalancerARNSuffix: web.ARNSuffix,
		TargetGroupARNSuffix:  web.TargetGroupARNSuffix,
	}, t.opts())
	if err != nil {
		return nil, nil, err
	}
	api, err := NewService(ctx, "api", &ServiceArgs{
		NamePrefix:           t.prefix,
		Region:               t.region,
		Account:              t.account,
		Architecture:         cfg.Architecture,
		CPU:                  cfg.CPU,
		Memory:               cfg.Memory,
		DesiredCount:         cfg.DesiredCount,
		ContainerPort:        cfg.ContainerPort,
		ContainerInsights:    cfg.ContainerInsights,
		LogRetentionDays:     cfg.LogRetentionDays,
		Image:                image.URI,
		AppVersion:           image.Version,
		AppName:              ctx.Project(),
		PullRepositoryARN:    image.PullRepositoryARN,
		Env:                  cfg.Env,
		Secrets:              secretARNs,
		Grants:               grants,
		TrustedProxies:       cfg.VpcCIDR.String(),
		SubnetIDs:            network.TaskSubnetIDs,
		SecurityGroupIDs:     pulumi.StringArray{network.TaskSecurityGroupID},
		AssignPublicIP:       network.AssignPublicIP,
		NetworkReady:         network.TaskEgressReady,
		TargetGroupARN:       web.TargetGroup.Arn,
		LoadBalancerReady:    web.Ready,
		DeploymentAlarmNames: alarms.DeploymentAlarmNames,
		Spot:                 cfg.Spot,
		Deployment:           watch,
	}, t.opts())
	if err != nil {
		return nil, nil, err
	}
	if _, err := NewAutoscaling(ctx, "scaling", &AutoscalingArgs{
		NamePrefix:            t.prefix,
		ClusterName:           api.ClusterName,
		ServiceName:           api.ServiceName,
		MinCount:              cfg.MinCount,
		MaxCount:              cfg.MaxCount,
		RequestsPerTarget:     cfg.RequestsPerTarget,
		LoadBalancerARNSuffix: web.ARNSuffix,
		TargetGroupARNSuffix:  web.TargetGroupARNSuffix,
	}, t.opts()); err != nil {
		return nil, nil, err
	}
	return api, alarms, nil
}

// declareObservability declares the service's own alarms and the dashboard of the whole stack.
func declareObservability(ctx *pulumi.Context, cfg *stackConfig, t *target, web *LoadBalancer, api *Service,
	alarms *Alarms,
) (*Dashboard, error) {
	serviceAlarms, err := NewServiceAlarms(ctx, "service-alarms", &ServiceAlarmsArgs{
		NamePrefix:            t.prefix,
		Alarms:                alarms,
		Service:               api,
		LoadBalancerARNSuffix: web.ARNSuffix,
		TargetGroupARNSuffix:  web.TargetGroupARNSuffix,
		WatchHealthyHosts:     cfg.MinCount > 0,
	}, t.opts())
	if err != nil {
		return nil, err
	}
	otherAlarms := pulumi.StringArray{alarms.Latency.Arn, serviceAlarms.CPU.Arn, serviceAlarms.Memory.Arn}
	if serviceAlarms.NoHealthyHosts != nil {
		otherAlarms = append(pulumi.StringArray{serviceAlarms.NoHealthyHosts.Arn}, otherAlarms...)
	}
	return NewDashboard(ctx, "dashboard", &DashboardArgs{
		Name:                    t.prefix,
		Region:                  t.region,
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
	}, t.opts())
}
