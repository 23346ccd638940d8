package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// parsedDashboard is a dashboard body as the tests read it.
type parsedDashboard struct {
	Widgets []struct {
		Type                string
		X, Y, Width, Height int
		Properties          map[string]any
	}
}

func dashboardOf(t *testing.T, run *stackRun) parsedDashboard {
	t.Helper()
	var d parsedDashboard
	jsonInput(t, run.named(t, dashboardType, "dashboard-dashboard"), "dashboardBody", &d)
	return d
}

// metricsOf returns a metric widget's rows.
func metricsOf(props map[string]any) [][]any {
	var out [][]any
	rows, _ := props["metrics"].([]any)
	for _, r := range rows {
		row, _ := r.([]any)
		out = append(out, row)
	}
	return out
}

// dims returns a metric row's dimensions.
func dims(row []any) map[string]string {
	out := map[string]string{}
	for i := 2; i+1 < len(row); i += 2 {
		k, ok1 := row[i].(string)
		v, ok2 := row[i+1].(string)
		if ok1 && ok2 {
			out[k] = v
		}
	}
	return out
}

// TestDashboard: the body is valid JSON on the 24-column grid, every graph is in the stack's
// region and names the stack's real load balancer, target group, cluster and service.
func TestDashboard(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withConfig(map[string]string{"alarmEmail": "ops@example.com"}))
	if got := run.named(t, dashboardType, "dashboard-dashboard").str("dashboardName"); got != run.prefix() {
		t.Errorf("dashboard name = %q, want the stack's prefix", got)
	}
	lb, tg := run.alb(t).output("arnSuffix"), run.targetGroup(t).output("arnSuffix")
	cluster, service := run.cluster(t).output("name"), run.service(t).output("name")
	want := map[string]map[string]string{
		"AWS/ApplicationELB":    {"LoadBalancer": lb, "TargetGroup": tg},
		"AWS/ECS":               {"ClusterName": cluster, "ServiceName": service},
		"ECS/ContainerInsights": {"ClusterName": cluster, "ServiceName": service},
	}

	d := dashboardOf(t, run)
	metrics := map[string]bool{}
	types := map[string]int{}
	for i, w := range d.Widgets {
		types[w.Type]++
		if w.X < 0 || w.Width < 1 || w.X+w.Width > 24 || w.Height < 1 {
			t.Errorf("widget %v at x %d width %d is off the 24-column grid", w.Properties["title"], w.X, w.Width)
		}
		for _, o := range d.Widgets[i+1:] {
			if o.X < w.X+w.Width && w.X < o.X+o.Width && o.Y < w.Y+w.Height && w.Y < o.Y+o.Height {
				t.Errorf("widgets %v and %v overlap", w.Properties["title"], o.Properties["title"])
			}
		}
		if title, _ := w.Properties["title"].(string); title == "" {
			t.Errorf("%s widget has no title", w.Type)
		}
		if w.Type == "alarm" {
			continue
		}
		if got := w.Properties["region"]; got != testRegion {
			t.Errorf("widget %v region = %v, want %s", w.Properties["title"], got, testRegion)
		}
		for _, row := range metricsOf(w.Properties) {
			ns, _ := row[0].(string)
			name, _ := row[1].(string)
			metrics[name] = true
			for k, v := range dims(row) {
				if want[ns][k] != v {
					t.Errorf("%s %s dimension %s = %q, want %q", ns, name, k, v, want[ns][k])
				}
			}
			if len(dims(row)) == 0 {
				t.Errorf("%s %s has no dimensions", ns, name)
			}
		}
	}
	for _, m := range []string{"RequestCount", "HTTPCode_Target_2XX_Count", "HTTPCode_Target_4XX_Count",
		"HTTPCode_Target_5XX_Count", "TargetResponseTime", "HealthyHostCount", "UnHealthyHostCount",
		"CPUUtilization", "MemoryUtilization", "RunningTaskCount", "DeploymentCount"} {
		if !metrics[m] {
			t.Errorf("dashboard does not graph %s", m)
		}
	}
	if types["metric"] < 6 || types["alarm"] != 2 || types["log"] != 1 {
		t.Errorf("widgets by type %v, want 6 graphs, 2 alarm lists and a log table", types)
	}

	t.Run("latency percentiles", func(t *testing.T) {
		var stats []string
		for _, w := range d.Widgets {
			for _, row := range metricsOf(w.Properties) {
				if row[1] == "TargetResponseTime" {
					style, _ := row[len(row)-1].(map[string]any)
					stats = append(stats, style["stat"].(string))
				}
			}
		}
		if !slices.Equal(stats, []string{"p50", "p99"}) {
			t.Errorf("latency stats %v, want p50 and p99", stats)
		}
	})
	t.Run("deployment alarms listed by their ARNs", func(t *testing.T) {
		deploy := []any{alarm(t, run, "target-5xx").output("arn"), alarm(t, run, "unhealthy-hosts").output("arn")}
		var lists [][]any
		for _, w := range d.Widgets {
			if w.Type == "alarm" {
				arns, _ := w.Properties["alarms"].([]any)
				lists = append(lists, arns)
			}
		}
		if len(lists) != 2 || !slices.Equal(lists[0], deploy) {
			t.Fatalf("alarm widgets %v, want the deployment alarms %v first", lists, deploy)
		}
		if got, want := len(lists[0])+len(lists[1]), len(alarmsByName(run)); got != want {
			t.Errorf("alarm widgets list %d alarms, want all %d", got, want)
		}
	})
	t.Run("error log query on the app's log group", func(t *testing.T) {
		for _, w := range d.Widgets {
			if w.Type == "log" {
				q, _ := w.Properties["query"].(string)
				if !strings.HasPrefix(q, "SOURCE '/ecs/"+run.prefix()+"' |") {
					t.Errorf("log query %q does not read the app's log group", q)
				}
			}
		}
	})
	if got, want := run.outputs["dashboardUrl"].Value, dashboardURL(testRegion, run.prefix()); got != want {
		t.Errorf("dashboardUrl = %v, want %s", got, want)
	}
}

// TestDashboardWithoutContainerInsights: the task count falls back to the healthy targets; no
// graph points at metrics that are not published.
func TestDashboardWithoutContainerInsights(t *testing.T) {
	t.Parallel()
	run := mustRun(t, withConfig(map[string]string{"containerInsights": "false"}))
	body := run.named(t, dashboardType, "dashboard-dashboard").str("dashboardBody")
	if strings.Contains(body, "ECS/ContainerInsights") {
		t.Error("dashboard graphs Container Insights metrics with Container Insights off")
	}
	d := dashboardOf(t, run)
	found := false
	for _, w := range d.Widgets {
		if title, _ := w.Properties["title"].(string); strings.HasPrefix(title, "Task count") {
			found = true
			rows := metricsOf(w.Properties)
			if len(rows) != 1 || rows[0][1] != "HealthyHostCount" {
				t.Errorf("task count without Container Insights = %v, want the healthy targets", rows)
			}
		}
	}
	if !found {
		t.Error("no task count widget")
	}
}

func TestDashboardURL(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"eu-west-1":     "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards:name=api",
		"cn-north-1":    "https://console.amazonaws.cn/cloudwatch/home?region=cn-north-1#dashboards:name=api",
		"us-gov-west-1": "https://console.amazonaws-us-gov.com/cloudwatch/home?region=us-gov-west-1#dashboards:name=api",
	}
	for region, want := range tests {
		if got := dashboardURL(region, "api"); got != want {
			t.Errorf("dashboardURL(%s) = %s, want %s", region, got, want)
		}
	}
}

func TestDashboardBodyIsValidJSON(t *testing.T) {
	t.Parallel()
	body, err := dashboardBodyJSON(&DashboardArgs{Region: "eu-west-1", LatencyThresholdSeconds: 1},
		dashboardResources{LoadBalancer: `app/a"b/1`, TargetGroup: "targetgroup/t/2", Cluster: "c", Service: "s", LogGroup: "/ecs/x",
			DeploymentAlarms: []string{"arn:d"}, OtherAlarms: []string{"arn:o"}})
	if err != nil {
		t.Fatal(err)
	}
	var d parsedDashboard
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	if !strings.Contains(body, `app/a\"b/1`) {
		t.Error("a quote in a name is not escaped")
	}
}
