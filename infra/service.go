package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/gin-fargate/gin-fargate/app/contract"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	containerName = "app"
	// The container health check runs the binary's health-check mode (the image has no shell).
	containerHealthIntervalSec = 5
	containerHealthTimeoutSec  = 3
	containerHealthRetries     = 3
	containerHealthStartSec    = 10
	// healthCheckGracePeriodSec keeps ECS from acting on load-balancer checks while a task starts.
	healthCheckGracePeriodSec = 30
	defaultLogLevel           = "info"
	// Capacity: with spot, every task beyond the first FARGATE one lands on FARGATE_SPOT three
	// times out of four (about 70 % cheaper, but AWS may reclaim it with two minutes' notice).
	// The base task on FARGATE keeps the service answering when Spot capacity is reclaimed or
	// unavailable, and one task in four stays on-demand as the service scales.
	capacityFargate     = "FARGATE"
	capacityFargateSpot = "FARGATE_SPOT"
	fargateBase         = 1
	fargateWeight       = 1
	fargateSpotWeight   = 3
)

// A deployment starts the new tasks before it stops the old ones: up to twice the count run at
// once (the subnets must hold them: capacity.go), and the count never drops below it.
const (
	deploymentMaximumPercent        = 200
	deploymentMinimumHealthyPercent = 100
)

// Service is the API on ECS Fargate: the cluster, its log group, the two IAM roles, the task
// definition and the service behind the load balancer's target group.
type Service struct {
	pulumi.ResourceState

	Service      *ecs.Service
	ClusterName  pulumi.StringOutput `pulumi:"clusterName"`
	ServiceName  pulumi.StringOutput `pulumi:"serviceName"`
	LogGroupName pulumi.StringOutput `pulumi:"logGroupName"`
	// DeployedTaskDefinition is the task definition ECS runs once `pulumi up` followed the
	// deployment to its end: an output that fails with the cause when ECS rolled it back or failed
	// it. It must be exported (see deploymentWatch.follow).
	DeployedTaskDefinition pulumi.StringOutput
}

// afterDeployment makes a resource wait until `pulumi up` followed the service's deployment to
// its end, and fail with the watch's error.
func (s *Service) afterDeployment() pulumi.ResourceOption {
	return pulumi.DependsOnInputs(s.DeployedTaskDefinition.ApplyT(func(string) []pulumi.Resource {
		return []pulumi.Resource{s.Service}
	}).(pulumi.ResourceArrayOutput))
}

// ServiceArgs configures a Service.
type ServiceArgs struct {
	// NamePrefix names the task definition family and the log group, e.g. "gin-fargate-dev".
	NamePrefix   string
	Region       string
	Account      string
	Architecture architecture
	CPU          int
	Memory       int
	// DesiredCount is the task count of the first deployment; autoscaling owns it afterwards.
	DesiredCount      int
	ContainerPort     int
	ContainerInsights bool
	LogRetentionDays  int
	// Image is the image reference the container runs; AppVersion is reported as APP_VERSION.
	Image      pulumi.StringInput
	AppVersion string
	// AppName is the service the app reports (SERVICE_NAME): the Pulumi project's name.
	AppName string
	// PullRepositoryARN is the ECR repository the execution role may pull from; "" when none.
	PullRepositoryARN pulumi.StringInput
	// Env is extra plain environment for the app; TrustedProxies is the CIDR whose
	// X-Forwarded-For the app trusts (the VPC: the load balancer lives there).
	Env            map[string]string
	TrustedProxies string
	// Secrets maps environment variable names to Secrets Manager secret ARNs, injected at start;
	// the execution role may read the secrets named under the stack's path, NamePrefix/ (Security Hub ECS.8).
	Secrets pulumi.StringMap
	// Grants are what the AWS resources the API uses hand the service, by the name of their
	// component: the task role's permissions and more environment.
	Grants map[string]Grant
	// SubnetIDs, SecurityGroupIDs and AssignPublicIP place the tasks.
	SubnetIDs        pulumi.StringArrayInput
	SecurityGroupIDs pulumi.StringArrayInput
	AssignPublicIP   bool
	// NetworkReady is what the tasks need to reach ECR and CloudWatch Logs from those subnets
	// (routes, endpoints, egress rules): the service starts no task before it exists.
	NetworkReady []pulumi.Resource
	// TargetGroupARN is where tasks register; LoadBalancerReady is what must exist before the
	// service can use it (the listener and its rules).
	TargetGroupARN    pulumi.StringInput
	LoadBalancerReady []pulumi.Resource
	// DeploymentAlarmNames are CloudWatch alarms ECS watches during a deployment, rolling it back
	// when one fires. Pass the alarms' name outputs, so the alarms exist before the service.
	DeploymentAlarmNames pulumi.StringArrayInput
	// Spot places tasks beyond the first on Fargate Spot.
	Spot bool
	// Deployment is how `pulumi up` follows the deployments the service's updates start.
	Deployment deploymentWatch
}

// NewService declares the cluster, roles, task definition and service.
func NewService(ctx *pulumi.Context, name string, args *ServiceArgs, opts ...pulumi.ResourceOption) (*Service, error) {
	if err := checkGrants(args.Grants, args.Env, args.Secrets); err != nil {
		return nil, err
	}
	s := &Service{}
	if err := ctx.RegisterComponentResource(componentType(ctx, "Service"), name, s, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(s)

	insights := "disabled"
	if args.ContainerInsights {
		insights = "enabled"
	}
	cluster, err := ecs.NewCluster(ctx, name+"-cluster", &ecs.ClusterArgs{
		Settings: ecs.ClusterSettingArray{&ecs.ClusterSettingArgs{
			Name:  pulumi.String("containerInsights"),
			Value: pulumi.String(insights),
		}},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("create cluster: %w", err)
	}
	// Both providers are always associated, so switching spot on or off only changes the service's
	// strategy. A service that names FARGATE_SPOT before the cluster has it fails to create.
	capacity, err := ecs.NewClusterCapacityProviders(ctx, name+"-capacity", &ecs.ClusterCapacityProvidersArgs{
		ClusterName:       cluster.Name,
		CapacityProviders: pulumi.StringArray{pulumi.String(capacityFargate), pulumi.String(capacityFargateSpot)},
		DefaultCapacityProviderStrategies: ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArray{
			&ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs{
				CapacityProvider: pulumi.String(capacityFargate),
				Weight:           pulumi.Int(1),
			},
		},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("create cluster capacity providers: %w", err)
	}
	logGroup, err := cloudwatch.NewLogGroup(ctx, name+"-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/ecs/" + args.NamePrefix),
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("create log group: %w", err)
	}
	roles, err := addRoles(ctx, name, args, logGroup, parent)
	if err != nil {
		return nil, err
	}
	td, err := addTaskDefinition(ctx, name, args, logGroup, roles, parent)
	if err != nil {
		return nil, err
	}

	// The service waits for the roles' policies, not only for the roles the task definition names:
	// otherwise its first tasks can start before they may pull the image, write logs, read a newly
	// added secret or use a granted resource, and a destroy can delete a policy while the tasks
	// still drain.
	ready := append([]pulumi.Resource{capacity, roles.executionPolicy}, args.LoadBalancerReady...)
	ready = append(ready, args.NetworkReady...)
	if roles.taskPolicy != nil {
		ready = append(ready, roles.taskPolicy)
	}
	svc, err := ecs.NewService(ctx, name+"-service", &ecs.ServiceArgs{
		Cluster:        cluster.Arn,
		TaskDefinition: td.Arn,
		DesiredCount:   pulumi.Int(args.DesiredCount),
		// A capacity provider strategy, never launchType, even without Spot: the provider replaces
		// a service that moves between the two, while a strategy changes in place (ECS requires a
		// new deployment for it, hence forceNewDeployment, which also makes every later update of
		// the service roll the tasks). Scanners that look for launchType FARGATE (Checkov
		// CKV_AWS_332) report the platform check as unknown; platformVersion LATEST is what ECS.10
		// asks for, and it runs ARM64 tasks on Spot too (platform 1.4.0 or later).
		CapacityProviderStrategies:      capacityStrategy(args.Spot),
		ForceNewDeployment:              pulumi.Bool(true),
		PlatformVersion:                 pulumi.String("LATEST"),
		DeploymentMinimumHealthyPercent: pulumi.Int(deploymentMinimumHealthyPercent),
		DeploymentMaximumPercent:        pulumi.Int(deploymentMaximumPercent),
		DeploymentCircuitBreaker: &ecs.ServiceDeploymentCircuitBreakerArgs{
			Enable:   pulumi.Bool(true),
			Rollback: pulumi.Bool(true),
		},
		Alarms: &ecs.ServiceAlarmsArgs{
			AlarmNames: args.DeploymentAlarmNames,
			Enable:     pulumi.Bool(true),
			Rollback:   pulumi.Bool(true),
		},
		DeploymentController:          &ecs.ServiceDeploymentControllerArgs{Type: pulumi.String("ECS")},
		HealthCheckGracePeriodSeconds: pulumi.Int(healthCheckGracePeriodSec),
		// The provider's wait returns once one deployment runs its desired count, before the bake
		// time in which the deployment alarms still roll back, and on a failing first deployment
		// it waits out its 20-minute timeout without saying why. The program follows the
		// deployment itself until ECS says COMPLETED or FAILED (deploymentWatch.follow), so the
		// provider returns as soon as ECS has the update, and no provider timeout is needed.
		WaitForSteadyState:   pulumi.Bool(false),
		PropagateTags:        pulumi.String("SERVICE"),
		EnableEcsManagedTags: pulumi.Bool(true),
		EnableExecuteCommand: pulumi.Bool(false),
		NetworkConfiguration: &ecs.ServiceNetworkConfigurationArgs{
			Subnets:        args.SubnetIDs,
			SecurityGroups: args.SecurityGroupIDs,
			AssignPublicIp: pulumi.Bool(args.AssignPublicIP),
		},
		LoadBalancers: ecs.ServiceLoadBalancerArray{&ecs.ServiceLoadBalancerArgs{
			TargetGroupArn: args.TargetGroupARN,
			ContainerName:  pulumi.String(containerName),
			ContainerPort:  pulumi.Int(args.ContainerPort),
		}},
	}, parent, pulumi.DependsOn(ready),
		// desiredCount applies to the first deployment only. Afterwards Application Auto Scaling
		// owns the count (between minCount and maxCount), and a `pulumi up` that wrote desiredCount
		// back would undo its work at every deploy: scale a busy service in, or an idle one out.
		// To force a count, set minCount (and maxCount) to it: the scaler moves the service at once.
		pulumi.IgnoreChanges([]string{"desiredCount"}))
	if err != nil {
		return nil, fmt.Errorf("create service: %w", err)
	}
	s.Service = svc
	s.ClusterName, s.ServiceName, s.LogGroupName = cluster.Name, svc.Name, logGroup.Name
	s.DeployedTaskDefinition = args.Deployment.follow(ctx, svc, td.Arn)
	if err := ctx.RegisterResourceOutputs(s, pulumi.Map{
		"clusterName":  s.ClusterName,
		"serviceName":  s.ServiceName,
		"logGroupName": s.LogGroupName,
	}); err != nil {
		return nil, err
	}
	return s, nil
}

// capacityStrategy is the service's capacity provider strategy: on-demand Fargate only, or with
// spot a FARGATE base plus FARGATE_SPOT (see the capacity constants). The FARGATE entry is the same
// either way, so switching spot adds or removes one entry.
func capacityStrategy(spot bool) ecs.ServiceCapacityProviderStrategyArray {
	out := ecs.ServiceCapacityProviderStrategyArray{&ecs.ServiceCapacityProviderStrategyArgs{
		CapacityProvider: pulumi.String(capacityFargate),
		Base:             pulumi.Int(fargateBase),
		Weight:           pulumi.Int(fargateWeight),
	}}
	if spot {
		out = append(out, &ecs.ServiceCapacityProviderStrategyArgs{
			CapacityProvider: pulumi.String(capacityFargateSpot),
			Weight:           pulumi.Int(fargateSpotWeight),
		})
	}
	return out
}

// taskRoles are the task's two roles and their policies; taskPolicy is nil when no grant allows
// anything.
type taskRoles struct {
	execution, task             *iam.Role
	executionPolicy, taskPolicy *iam.RolePolicy
}

// addRoles declares the execution role (what ECS needs to start the task: pull this image, write
// to this log group, read the stack's secrets) and a separate task role, the app's own identity
// (Checkov CKV_AWS_249), allowed only what the grants allow. Only ecr:GetAuthorizationToken,
// which has no resource type, is allowed on "*".
func addRoles(ctx *pulumi.Context, name string, args *ServiceArgs, logGroup *cloudwatch.LogGroup,
	parent pulumi.ResourceOption,
) (taskRoles, error) {
	partition := partitionForRegion(args.Region)
	exec, err := newServiceRole(ctx, name+"-execution-role", "Starts the ECS tasks: image pull, logs, secrets",
		"ecs-tasks.amazonaws.com", args.Account, "", parent)
	if err != nil {
		return taskRoles{}, fmt.Errorf("create execution role: %w", err)
	}
	task, err := newServiceRole(ctx, name+"-task-role", "The app's own identity: only what the stack's resources grant it",
		"ecs-tasks.amazonaws.com", args.Account,
		fmt.Sprintf("arn:%s:ecs:%s:%s:*", partition, args.Region, args.Account), parent)
	if err != nil {
		return taskRoles{}, fmt.Errorf("create task role: %w", err)
	}

	var secrets string
	if len(args.Secrets) > 0 {
		secrets = secretARNPattern(partition, args.Region, args.Account, args.NamePrefix)
	}
	policy := pulumi.All(args.PullRepositoryARN, logGroup.Arn).ApplyT(func(v []any) (string, error) {
		return executionPolicy(v[0].(string), v[1].(string), secrets)
	}).(pulumi.StringOutput)
	execPolicy, err := iam.NewRolePolicy(ctx, name+"-execution-policy", &iam.RolePolicyArgs{
		Role:   exec.ID(),
		Policy: policy,
	}, parent)
	if err != nil {
		return taskRoles{}, fmt.Errorf("create execution policy: %w", err)
	}
	roles := taskRoles{execution: exec, task: task, executionPolicy: execPolicy}
	if granted, ok := taskPolicy(args.Grants); ok {
		if roles.taskPolicy, err = iam.NewRolePolicy(ctx, name+"-task-policy", &iam.RolePolicyArgs{
			Role:   task.ID(),
			Policy: granted,
		}, parent); err != nil {
			return taskRoles{}, fmt.Errorf("create task policy: %w", err)
		}
	}
	return roles, nil
}

// executionPolicy is the execution role's policy: pull from exactly one ECR repository (when the
// image is in ECR), write to exactly one log group, read the stack's secrets (secretsArn, a
// pattern; none when "").
func executionPolicy(repoArn, logGroupArn, secretsArn string) (string, error) {
	var statements []policyStatement
	if repoArn != "" {
		statements = append(statements,
			policyStatement{
				Sid:      "AuthenticateToRegistry",
				Effect:   "Allow",
				Action:   []string{"ecr:GetAuthorizationToken"},
				Resource: []string{"*"},
			},
			policyStatement{
				Sid:      "PullImage",
				Effect:   "Allow",
				Action:   []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"},
				Resource: []string{repoArn},
			})
	}
	statements = append(statements, logWriteStatement(logGroupArn))
	if secretsArn != "" {
		statements = append(statements, policyStatement{
			Sid:      "ReadSecrets",
			Effect:   "Allow",
			Action:   []string{"secretsmanager:GetSecretValue"},
			Resource: []string{secretsArn},
		})
	}
	return policyJSON(statements...)
}

// addTaskDefinition declares the Fargate task: one hardened container per the container contract.
func addTaskDefinition(ctx *pulumi.Context, name string, args *ServiceArgs, logGroup *cloudwatch.LogGroup,
	roles taskRoles, parent pulumi.ResourceOption,
) (*ecs.TaskDefinition, error) {
	defs := pulumi.All(args.Image, logGroup.Name, args.Secrets.ToStringMapOutput(),
		grantEnv(args.Grants).ToStringMapOutput()).ApplyT(func(v []any) (string, error) {
		return containerDefinitions(args, v[0].(string), v[1].(string), v[2].(map[string]string), v[3].(map[string]string))
	}).(pulumi.StringOutput)

	td, err := ecs.NewTaskDefinition(ctx, name+"-task", &ecs.TaskDefinitionArgs{
		Family:                  pulumi.String(args.NamePrefix),
		RequiresCompatibilities: pulumi.StringArray{pulumi.String("FARGATE")},
		NetworkMode:             pulumi.String("awsvpc"),
		Cpu:                     pulumi.String(strconv.Itoa(args.CPU)),
		Memory:                  pulumi.String(strconv.Itoa(args.Memory)),
		RuntimePlatform: &ecs.TaskDefinitionRuntimePlatformArgs{
			OperatingSystemFamily: pulumi.String("LINUX"),
			CpuArchitecture:       pulumi.String(args.Architecture.cpuArchitecture()),
		},
		ExecutionRoleArn:     roles.execution.Arn,
		TaskRoleArn:          roles.task.Arn,
		ContainerDefinitions: defs,
		// A replaced revision stays ACTIVE: it is what ECS rolls back to while the new one deploys
		// and after, and ECS cannot put a service back on an INACTIVE revision. Revisions cost
		// nothing; they accumulate, and `pulumi destroy` leaves them registered.
		SkipDestroy: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("create task definition: %w", err)
	}
	return td, nil
}

// Container definition JSON, as ECS reads it.
type (
	containerDefinition struct {
		Name                   string           `json:"name"`
		Image                  string           `json:"image"`
		Essential              bool             `json:"essential"`
		Privileged             bool             `json:"privileged"`
		ReadonlyRootFilesystem bool             `json:"readonlyRootFilesystem"`
		User                   string           `json:"user"`
		PortMappings           []portMapping    `json:"portMappings"`
		Environment            []keyValue       `json:"environment"`
		Secrets                []secretRef      `json:"secrets,omitempty"`
		LinuxParameters        linuxParameters  `json:"linuxParameters"`
		HealthCheck            healthCheck      `json:"healthCheck"`
		StopTimeout            int              `json:"stopTimeout"`
		LogConfiguration       logConfiguration `json:"logConfiguration"`
		Ulimits                []ulimit         `json:"ulimits"`
	}
	portMapping struct {
		Name          string `json:"name"`
		ContainerPort int    `json:"containerPort"`
		HostPort      int    `json:"hostPort"`
		Protocol      string `json:"protocol"`
		AppProtocol   string `json:"appProtocol"`
	}
	keyValue struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	secretRef struct {
		Name      string `json:"name"`
		ValueFrom string `json:"valueFrom"`
	}
	linuxParameters struct {
		InitProcessEnabled bool         `json:"initProcessEnabled"`
		Capabilities       capabilities `json:"capabilities"`
	}
	capabilities struct {
		Drop []string `json:"drop"`
	}
	healthCheck struct {
		Command     []string `json:"command"`
		Interval    int      `json:"interval"`
		Timeout     int      `json:"timeout"`
		Retries     int      `json:"retries"`
		StartPeriod int      `json:"startPeriod"`
	}
	logConfiguration struct {
		LogDriver string            `json:"logDriver"`
		Options   map[string]string `json:"options"`
	}
	ulimit struct {
		Name      string `json:"name"`
		SoftLimit int    `json:"softLimit"`
		HardLimit int    `json:"hardLimit"`
	}
)

// appEnvironment is the app's environment: the contract's variables plus the configured env and
// the grants' env.
func appEnvironment(args *ServiceArgs, granted map[string]string) []keyValue {
	env := map[string]string{contract.EnvLogLevel: defaultLogLevel}
	for k, v := range args.Env {
		env[k] = v
	}
	for k, v := range granted {
		env[k] = v
	}
	env[contract.EnvPort] = strconv.Itoa(args.ContainerPort)
	env[contract.EnvAppVersion] = args.AppVersion
	env[contract.EnvServiceName] = args.AppName
	env[contract.EnvShutdownTimeout] = contract.ShutdownTimeout.String()
	env[contract.EnvTrustedProxies] = args.TrustedProxies
	out := make([]keyValue, 0, len(env))
	for _, k := range sortedKeys(env) {
		out = append(out, keyValue{Name: k, Value: env[k]})
	}
	return out
}

// containerDefinitions renders the task's one container: non-root, read-only root filesystem,
// no capabilities, an init process, the binary's health check, awslogs (Security Hub ECS.4, ECS.5,
// ECS.8, ECS.9, ECS.20; Checkov CKV_AWS_334, CKV_AWS_336).
func containerDefinitions(args *ServiceArgs, image, logGroup string, secrets, granted map[string]string) (string, error) {
	var refs []secretRef
	for _, n := range sortedKeys(secrets) {
		refs = append(refs, secretRef{Name: n, ValueFrom: secrets[n]})
	}
	c := containerDefinition{
		Name:                   containerName,
		Image:                  image,
		Essential:              true,
		Privileged:             false,
		ReadonlyRootFilesystem: true,
		// The image's numeric nonroot user (Security Hub ECS.20).
		User: contract.User,
		PortMappings: []portMapping{{
			Name:          "http",
			ContainerPort: args.ContainerPort,
			HostPort:      args.ContainerPort,
			Protocol:      "tcp",
			AppProtocol:   "http",
		}},
		Environment: appEnvironment(args, granted),
		Secrets:     refs,
		LinuxParameters: linuxParameters{
			InitProcessEnabled: true,
			Capabilities:       capabilities{Drop: []string{"ALL"}},
		},
		HealthCheck: healthCheck{
			Command:     []string{"CMD", contract.BinaryPath, contract.HealthcheckFlag},
			Interval:    containerHealthIntervalSec,
			Timeout:     containerHealthTimeoutSec,
			Retries:     containerHealthRetries,
			StartPeriod: containerHealthStartSec,
		},
		StopTimeout: int(contract.StopTimeout / time.Second),
		LogConfiguration: logConfiguration{
			LogDriver: "awslogs",
			Options: map[string]string{
				"awslogs-group":         logGroup,
				"awslogs-region":        args.Region,
				"awslogs-stream-prefix": containerName,
				"mode":                  "non-blocking",
				"max-buffer-size":       "25m",
			},
		},
		Ulimits: []ulimit{{Name: "nofile", SoftLimit: 65536, HardLimit: 65536}},
	}
	b, err := json.Marshal([]containerDefinition{c})
	if err != nil {
		return "", fmt.Errorf("encode container definitions: %w", err)
	}
	return string(b), nil
}
