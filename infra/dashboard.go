package main

import (
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Dashboard is the service's CloudWatch dashboard: traffic, errors, latency, health, capacity,
// deployments and recent error logs on one page.
type Dashboard struct {
	pulumi.ResourceState

	// URL opens the dashboard in the AWS console.
	URL pulumi.StringOutput `pulumi:"url"`
}

// DashboardArgs configures a Dashboard.
type DashboardArgs struct {
	// Name is the dashboard's name: letters, digits, - and _ (the stack's name prefix).
	Name   string
	Region string
	// ContainerInsights says whether ECS/ContainerInsights metrics (task counts, deployments) exist.
	ContainerInsights     bool
	LoadBalancerARNSuffix pulumi.StringInput
	TargetGroupARNSuffix  pulumi.StringInput
	ClusterName           pulumi.StringInput
	ServiceName           pulumi.StringInput
	LogGroupName          pulumi.StringInput
	// DeploymentAlarmARNs are shown as the deployment's state; OtherAlarmARNs beside them.
	DeploymentAlarmARNs pulumi.StringArrayInput
	OtherAlarmARNs      pulumi.StringArrayInput
	// Thresholds drawn on the graphs.
	LatencyThresholdSeconds float64
	CPUTargetPercent        float64
	CPUAlarmPercent         float64
	MemoryAlarmPercent      float64
}

// NewDashboard declares the dashboard. Its body is rendered from typed structs once the resource
// names are known.
func NewDashboard(ctx *pulumi.Context, name string, args *DashboardArgs, opts ...pulumi.ResourceOption) (*Dashboard, error) {
	d := &Dashboard{}
	if err := ctx.RegisterComponentResource(componentType(ctx, "Dashboard"), name, d, opts...); err != nil {
		return nil, err
	}
	body := pulumi.All(args.LoadBalancerARNSuffix, args.TargetGroupARNSuffix, args.ClusterName, args.ServiceName,
		args.LogGroupName, args.DeploymentAlarmARNs, args.OtherAlarmARNs).ApplyT(func(v []any) (string, error) {
		return dashboardBodyJSON(args, dashboardResources{
			LoadBalancer: v[0].(string), TargetGroup: v[1].(string),
			Cluster: v[2].(string), Service: v[3].(string), LogGroup: v[4].(string),
			DeploymentAlarms: v[5].([]string), OtherAlarms: v[6].([]string),
		})
	}).(pulumi.StringOutput)

	dash, err := cloudwatch.NewDashboard(ctx, name+"-dashboard", &cloudwatch.DashboardArgs{
		DashboardName: pulumi.String(args.Name),
		DashboardBody: body,
	}, pulumi.Parent(d))
	if err != nil {
		return nil, fmt.Errorf("create dashboard: %w", err)
	}
	d.URL = dash.DashboardName.ApplyT(func(n string) string { return dashboardURL(args.Region, n) }).(pulumi.StringOutput)
	if err := ctx.RegisterResourceOutputs(d, pulumi.Map{"url": d.URL}); err != nil {
		return nil, err
	}
	return d, nil
}

// dashboardURL opens a dashboard in the console of the region's partition.
func dashboardURL(region, name string) string {
	host := region + ".console.aws.amazon.com"
	switch partitionForRegion(region) {
	case "aws-cn":
		host = "console.amazonaws.cn"
	case "aws-us-gov":
		host = "console.amazonaws-us-gov.com"
	}
	return fmt.Sprintf("https://%s/cloudwatch/home?region=%s#dashboards:name=%s", host, region, url.QueryEscape(name))
}

// dashboardResources are the resolved names the widgets point at.
type dashboardResources struct {
	LoadBalancer, TargetGroup, Cluster, Service, LogGroup string
	DeploymentAlarms, OtherAlarms                         []string
}

// CloudWatch dashboard body, as the PutDashboard API reads it.
type (
	dashboardBody struct {
		Widgets []dashboardWidget `json:"widgets"`
	}
	dashboardWidget struct {
		Type       string `json:"type"`
		X          int    `json:"x"`
		Y          int    `json:"y"`
		Width      int    `json:"width"`
		Height     int    `json:"height"`
		Properties any    `json:"properties"`
	}
	metricWidget struct {
		Title       string             `json:"title"`
		Region      string             `json:"region"`
		View        string             `json:"view"`
		Stacked     bool               `json:"stacked"`
		Period      int                `json:"period"`
		Stat        string             `json:"stat,omitempty"`
		Metrics     []metricRow        `json:"metrics"`
		YAxis       *widgetYAxis       `json:"yAxis,omitempty"`
		Annotations *widgetAnnotations `json:"annotations,omitempty"`
	}
	// metricRow is [namespace, metric, dimension name, value, ..., options].
	metricRow   []any
	metricStyle struct {
		Label string `json:"label,omitempty"`
		Stat  string `json:"stat,omitempty"`
		Color string `json:"color,omitempty"`
		YAxis string `json:"yAxis,omitempty"`
	}
	widgetYAxis struct {
		Left  *axisRange `json:"left,omitempty"`
		Right *axisRange `json:"right,omitempty"`
	}
	axisRange struct {
		Min   *float64 `json:"min,omitempty"`
		Max   *float64 `json:"max,omitempty"`
		Label string   `json:"label,omitempty"`
	}
	widgetAnnotations struct {
		Horizontal []annotation `json:"horizontal"`
	}
	annotation struct {
		Label string  `json:"label"`
		Value float64 `json:"value"`
		Color string  `json:"color,omitempty"`
	}
	alarmWidget struct {
		Title  string   `json:"title"`
		Alarms []string `json:"alarms"`
	}
	logWidget struct {
		Title  string `json:"title"`
		Region string `json:"region"`
		Query  string `json:"query"`
		View   string `json:"view"`
	}
)

const (
	colorOK       = "#2ca02c"
	colorWarning  = "#ff7f0e"
	colorError    = "#d62728"
	dashboardCols = 24
	widgetHeight  = 6
)

func floatPtr(f float64) *float64 { return &f }

// dashboardBodyJSON renders the dashboard: two widgets per row, a full-width log table last.
func dashboardBodyJSON(args *DashboardArgs, r dashboardResources) (string, error) {
	alb := func(metric string, style metricStyle, dims ...string) metricRow {
		row := metricRow{"AWS/ApplicationELB", metric}
		for _, d := range dims {
			switch d {
			case "TargetGroup":
				row = append(row, "TargetGroup", r.TargetGroup)
			case "LoadBalancer":
				row = append(row, "LoadBalancer", r.LoadBalancer)
			}
		}
		return append(row, style)
	}
	tg := []string{"TargetGroup", "LoadBalancer"}
	ecsMetric := func(namespace, metric string, style metricStyle) metricRow {
		return metricRow{namespace, metric, "ClusterName", r.Cluster, "ServiceName", r.Service, style}
	}
	graph := func(title, stat string, rows []metricRow) metricWidget {
		return metricWidget{Title: title, Region: args.Region, View: "timeSeries", Period: alarmPeriodSec,
			Stat: stat, Metrics: rows}
	}
	zero := &widgetYAxis{Left: &axisRange{Min: floatPtr(0)}}

	requests := graph("Requests per minute", "Sum", []metricRow{
		alb("RequestCount", metricStyle{Label: "requests"}, tg...),
		alb("RequestCountPerTarget", metricStyle{Label: "requests per task (scaling metric)", YAxis: "right"}, tg...),
	})
	requests.YAxis = zero
	responses := graph("Responses by status class", "Sum", []metricRow{
		alb("HTTPCode_Target_2XX_Count", metricStyle{Label: "2xx", Color: colorOK}, tg...),
		alb("HTTPCode_Target_4XX_Count", metricStyle{Label: "4xx", Color: colorWarning}, tg...),
		alb("HTTPCode_Target_5XX_Count", metricStyle{Label: "5xx from the app", Color: colorError}, tg...),
		alb("HTTPCode_ELB_5XX_Count", metricStyle{Label: "5xx from the load balancer (502/503/504)", Color: "#8c564b"}, "LoadBalancer"),
	})
	responses.YAxis = zero
	latency := graph("Response time (seconds)", "", []metricRow{
		alb("TargetResponseTime", metricStyle{Label: "p50", Stat: "p50"}, tg...),
		alb("TargetResponseTime", metricStyle{Label: "p99", Stat: "p99"}, tg...),
	})
	latency.YAxis = zero
	latency.Annotations = &widgetAnnotations{Horizontal: []annotation{
		{Label: "p99 alarm", Value: args.LatencyThresholdSeconds, Color: colorError},
	}}
	hosts := graph("Tasks in the target group", "", []metricRow{
		alb("HealthyHostCount", metricStyle{Label: "healthy", Stat: "Minimum", Color: colorOK}, tg...),
		alb("UnHealthyHostCount", metricStyle{Label: "unhealthy", Stat: "Maximum", Color: colorError}, tg...),
	})
	hosts.YAxis = zero
	utilisation := graph("CPU and memory (% of the task size)", "", []metricRow{
		ecsMetric("AWS/ECS", "CPUUtilization", metricStyle{Label: "CPU average", Stat: "Average"}),
		ecsMetric("AWS/ECS", "MemoryUtilization", metricStyle{Label: "memory, busiest task", Stat: "Maximum"}),
	})
	utilisation.YAxis = &widgetYAxis{Left: &axisRange{Min: floatPtr(0), Max: floatPtr(100)}}
	utilisation.Annotations = &widgetAnnotations{Horizontal: []annotation{
		{Label: "CPU scaling target", Value: args.CPUTargetPercent, Color: colorOK},
		{Label: "CPU alarm", Value: args.CPUAlarmPercent, Color: colorWarning},
		{Label: "memory alarm", Value: args.MemoryAlarmPercent, Color: colorError},
	}}

	// Task counts and deployments come from Container Insights; without it the healthy targets
	// are the best count there is, and the deployment alarms still show each rollout's fate.
	var tasks metricWidget
	if args.ContainerInsights {
		tasks = graph("Task count", "Average", []metricRow{
			ecsMetric("ECS/ContainerInsights", "RunningTaskCount", metricStyle{Label: "running"}),
			ecsMetric("ECS/ContainerInsights", "DesiredTaskCount", metricStyle{Label: "desired (autoscaling)"}),
			ecsMetric("ECS/ContainerInsights", "PendingTaskCount", metricStyle{Label: "pending"}),
			ecsMetric("ECS/ContainerInsights", "DeploymentCount", metricStyle{Label: "deployments (2 or more while one rolls out)", YAxis: "right"}),
		})
	} else {
		tasks = graph("Task count (healthy targets; Container Insights is off)", "Minimum", []metricRow{
			alb("HealthyHostCount", metricStyle{Label: "healthy tasks"}, tg...),
		})
	}
	tasks.YAxis = zero

	logs := logWidget{
		Title:  "Recent errors in the app's logs",
		Region: args.Region,
		View:   "table",
		Query: fmt.Sprintf("SOURCE '%s' | fields @timestamp, @logStream, @message "+
			"| filter @message like /(?i)(error|panic|fatal)/ | sort @timestamp desc | limit 50", r.LogGroup),
	}

	var widgets []dashboardWidget
	y := 0
	row := func(props ...any) {
		width := dashboardCols / len(props)
		for i, p := range props {
			typ := "metric"
			switch p.(type) {
			case alarmWidget:
				typ = "alarm"
			case logWidget:
				typ = "log"
			}
			widgets = append(widgets, dashboardWidget{Type: typ, X: i * width, Y: y, Width: width, Height: widgetHeight, Properties: p})
		}
		y += widgetHeight
	}
	row(requests, responses)
	row(latency, hosts)
	row(utilisation, tasks)
	row(alarmWidget{Title: "Deployments: ECS rolls a deployment back while one of these is in ALARM", Alarms: r.DeploymentAlarms},
		alarmWidget{Title: "Service alarms", Alarms: r.OtherAlarms})
	row(logs)

	b, err := json.Marshal(dashboardBody{Widgets: widgets})
	if err != nil {
		return "", fmt.Errorf("encode dashboard body: %w", err)
	}
	return string(b), nil
}
