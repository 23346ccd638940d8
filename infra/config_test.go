package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

// parseMap parses the config the CLI passes for a stack that sets kv (project keys, or namespaced
// keys) and marks secretKeys secret.
func parseMap(t *testing.T, kv map[string]string, secretKeys ...string) (*stackConfig, error) {
	t.Helper()
	proj := loadProject(t)
	full := cliConfig(t, proj, kv)
	var secret []string
	for _, k := range secretKeys {
		secret = append(secret, configKey(t, proj, k))
	}
	return parseConfig(configSource{
		project: proj.Name.String(),
		stack:   testStack,
		lookup:  func(k string) (string, bool) { v, ok := full[k]; return v, ok },
		secret:  func(k string) bool { return slices.Contains(secret, k) },
	})
}

// configErrors splits a parseConfig error into its individual problems.
func configErrors(err error) []error {
	joined, ok := errors.Unwrap(err).(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	return joined.Unwrap()
}

// TestConfigRejects feeds one bad value at a time and expects exactly one error that names the
// key, the value and what is allowed.
func TestConfigRejects(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		config  map[string]string
		secrets []string
		key     string
		want    []string // substrings of the message: the value and what is allowed
	}{
		"architecture unknown":          {map[string]string{"architecture": "amd64"}, nil, "architecture", []string{`"amd64"`, "arm64 or x86_64"}},
		"cpu not fargate":               {map[string]string{"cpu": "300"}, nil, "cpu", []string{"300", "256, 512, 1024"}},
		"cpu not integer":               {map[string]string{"cpu": "a lot"}, nil, "cpu", []string{`"a lot"`, "not an integer"}},
		"memory not valid for cpu":      {map[string]string{"cpu": "256", "memory": "4096"}, nil, "memory", []string{"4096", "cpu 256", "512, 1024, 2048"}},
		"memory not valid for cpu 1024": {map[string]string{"cpu": "1024", "memory": "1024"}, nil, "memory", []string{"1024 MiB", "2048 to 8192 in steps of 1024"}},
		"desiredCount above maxCount":   {map[string]string{"desiredCount": "11"}, nil, "desiredCount", []string{"11", "2..10"}},
		"desiredCount below minCount":   {map[string]string{"desiredCount": "1"}, nil, "desiredCount", []string{"1", "2..10"}},
		"desiredCount negative":         {map[string]string{"desiredCount": "-1", "minCount": "0"}, nil, "desiredCount", []string{"-1", "0 to 1000"}},
		"minCount above maxCount":       {map[string]string{"minCount": "5", "maxCount": "4", "desiredCount": "4"}, nil, "minCount", []string{"5", "maxCount 4"}},
		"maxCount zero":                 {map[string]string{"maxCount": "0", "minCount": "0", "desiredCount": "0"}, nil, "maxCount", []string{"0", "1 to 1000"}},
		"containerPort zero":            {map[string]string{"containerPort": "0"}, nil, "containerPort", []string{"0", "1 to 65535"}},
		"containerPort too big":         {map[string]string{"containerPort": "70000"}, nil, "containerPort", []string{"70000", "1 to 65535"}},
		"healthCheckPath still set":     {map[string]string{"healthCheckPath": "/status"}, nil, "healthCheckPath", []string{`"/status"`, "no longer a setting", "/healthz", "pulumi config rm healthCheckPath"}},
		"availabilityZones one":         {map[string]string{"availabilityZones": "1"}, nil, "availabilityZones", []string{"1", "2 or 3"}},
		"availabilityZones four":        {map[string]string{"availabilityZones": "4"}, nil, "availabilityZones", []string{"4", "2 or 3"}},
		"vpcCidr not a cidr":            {map[string]string{"vpcCidr": "10.0.0.0"}, nil, "vpcCidr", []string{`"10.0.0.0"`, "/16 to /23"}},
		"vpcCidr bad prefix":            {map[string]string{"vpcCidr": "10.0.0.0/33"}, nil, "vpcCidr", []string{`"10.0.0.0/33"`, "private IPv4"}},
		"vpcCidr host bits":             {map[string]string{"vpcCidr": "10.0.1.0/16"}, nil, "vpcCidr", []string{`"10.0.1.0/16"`, "10.0.0.0/16"}},
		"vpcCidr too large":             {map[string]string{"vpcCidr": "10.0.0.0/8"}, nil, "vpcCidr", []string{`"10.0.0.0/8"`, "/16 to /23"}},
		"vpcCidr too small":             {map[string]string{"vpcCidr": "10.0.0.0/24"}, nil, "vpcCidr", []string{`"10.0.0.0/24"`, "/16 to /23"}},
		"vpcCidr public":                {map[string]string{"vpcCidr": "8.8.0.0/16"}, nil, "vpcCidr", []string{`"8.8.0.0/16"`, "not a private range"}},
		"vpcCidr ipv6":                  {map[string]string{"vpcCidr": "fd00::/56"}, nil, "vpcCidr", []string{`"fd00::/56"`, "IPv4"}},
		"egress unknown":                {map[string]string{"egress": "nat"}, nil, "egress", []string{`"nat"`, "natPerAz, natSingle, publicIp or vpcEndpoints"}},
		"logRetentionDays not accepted": {map[string]string{"logRetentionDays": "10"}, nil, "logRetentionDays", []string{"10", "1, 3, 5, 7, 14, 30"}},
		"logRetentionDays never":        {map[string]string{"logRetentionDays": "0"}, nil, "logRetentionDays", []string{"0", "3653"}},
		"containerInsights not bool":    {map[string]string{"containerInsights": "yes"}, nil, "containerInsights", []string{`"yes"`, "true or false"}},
		"deletionProtection not bool":   {map[string]string{"deletionProtection": "maybe"}, nil, "deletionProtection", []string{`"maybe"`, "true or false"}},
		"image not a reference":         {map[string]string{"image": "Not An Image"}, nil, "image", []string{`"Not An Image"`, "REPOSITORY:TAG"}},
		"image without tag or digest":   {map[string]string{"image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/api"}, nil, "image", []string{"neither a tag nor a digest", "REPOSITORY@sha256:DIGEST"}},
		"image short digest":            {map[string]string{"image": "repo/api@sha256:abc"}, nil, "image", []string{`"repo/api@sha256:abc"`, "REPOSITORY:TAG"}},
		"domain not a hostname":         {map[string]string{"domain": "api_example.com"}, nil, "domain", []string{`"api_example.com"`, `label "api_example"`, "letters, digits and hyphens", "api.example.com"}},
		"domain wildcard CKV2_AWS_71":   {map[string]string{"domain": "*.example.com"}, nil, "domain", []string{`"*.example.com"`, "wildcard", "one host name", "CKV2_AWS_71"}},
		"domain URL":                    {map[string]string{"domain": "https://api.example.com"}, nil, "domain", []string{`"https://api.example.com"`, "URL", "host name alone"}},
		"domain with port":              {map[string]string{"domain": "api.example.com:8443"}, nil, "domain", []string{`"api.example.com:8443"`, "has a port", "host name alone"}},
		"domain IPv4 address":           {map[string]string{"domain": "203.0.113.10"}, nil, "domain", []string{`"203.0.113.10"`, "IP address", "DNS name"}},
		"domain IPv6 address":           {map[string]string{"domain": "2001:db8::1"}, nil, "domain", []string{`"2001:db8::1"`, "IP address"}},
		"domain single label":           {map[string]string{"domain": "localhost"}, nil, "domain", []string{`"localhost"`, "single label", "at least two labels"}},
		"domain empty label":            {map[string]string{"domain": "api..example.com"}, nil, "domain", []string{`"api..example.com"`, "empty label"}},
		"domain label too long":         {map[string]string{"domain": strings.Repeat("a", 64) + ".example.com"}, nil, "domain", []string{"label longer than 63", "1-63"}},
		"domain label starts with -":    {map[string]string{"domain": "-api.example.com"}, nil, "domain", []string{`"-api"`, "hyphen"}},
		"domain label ends with -":      {map[string]string{"domain": "api-.example.com"}, nil, "domain", []string{`"api-"`, "hyphen"}},
		"domain numeric top label":      {map[string]string{"domain": "api.example.123"}, nil, "domain", []string{`"api.example.123"`, "numeric label"}},
		"domain longer than 253":        {map[string]string{"domain": strings.Repeat(strings.Repeat("a", 60)+".", 4) + "example.com"}, nil, "domain", []string{"longer than 253", "at most 253"}},
		"domain too long for ACM":       {map[string]string{"domain": strings.Repeat("a", 53) + ".example.com"}, nil, "domain", []string{"65 characters", "at most 64", "ACM"}},
		"hostedZone without domain":     {map[string]string{"hostedZone": "example.com"}, nil, "hostedZone", []string{`"example.com"`, "without domain", "HTTPS", "set domain too"}},
		"hostedZone id without domain":  {map[string]string{"hostedZone": "Z0123456789ABCDEFGHIJ"}, nil, "hostedZone", []string{`"Z0123456789ABCDEFGHIJ"`, "without domain"}},
		"hostedZone not the domain's":   {map[string]string{"domain": "api.example.com", "hostedZone": "example.org"}, nil, "hostedZone", []string{`"example.org"`, `"api.example.com"`, "zone of the domain or of a parent", "e.g. example.com"}},
		"hostedZone a sibling":          {map[string]string{"domain": "api.example.com", "hostedZone": "web.example.com"}, nil, "hostedZone", []string{`"web.example.com"`, "does not contain"}},
		"hostedZone a suffix only":      {map[string]string{"domain": "api.myexample.com", "hostedZone": "example.com"}, nil, "hostedZone", []string{`"example.com"`, "does not contain"}},
		"hostedZone not an id or name":  {map[string]string{"domain": "api.example.com", "hostedZone": "zone 1"}, nil, "hostedZone", []string{`"zone 1"`, "neither", "Z0123456789ABCDEFGHIJ", "example.com"}},
		"paths empty":                   {map[string]string{"paths": "[]"}, nil, "paths", []string{"is empty", `["/*"]`}},
		"paths not a list":              {map[string]string{"paths": "/api/*"}, nil, "paths", []string{`"/api/*"`, "list of strings"}},
		"paths too many":                {map[string]string{"paths": manyPaths(51)}, nil, "paths", []string{"51 patterns", "at most 50"}},
		"paths relative":                {map[string]string{"paths": `["api/*"]`}, nil, "paths", []string{`"api/*"`, "does not start with /", "wildcards * and ?"}},
		"paths bad character":           {map[string]string{"paths": `["/api/<x>"]`}, nil, "paths", []string{`"/api/<x>"`, `has "<"`, "A-Z a-z 0-9", "wildcards * and ?"}},
		"paths space":                   {map[string]string{"paths": `["/api v1"]`}, nil, "paths", []string{`"/api v1"`, `has " "`}},
		"paths query string":            {map[string]string{"paths": `["/api?x=1"]`}, nil, "paths", []string{`"/api?x=1"`, `has "="`}},
		"paths semicolon not in &amp;":  {map[string]string{"paths": `["/a;b"]`}, nil, "paths", []string{`"/a;b"`, `has ";"`, "&amp;"}},
		"paths non-ASCII":               {map[string]string{"paths": `["/café"]`}, nil, "paths", []string{`"/café"`, `has "é"`}},
		"paths too long":                {map[string]string{"paths": `["/` + strings.Repeat("a", 128) + `"]`}, nil, "paths", []string{"129 characters", "longer than 128"}},
		"paths too many wildcards":      {map[string]string{"paths": `["/*/*/*/*/*/?"]`}, nil, "paths", []string{`"/*/*/*/*/*/?"`, "6 wildcards", "at most 5"}},
		"paths duplicate":               {map[string]string{"paths": `["/a","/b","/a"]`}, nil, "paths", []string{`"/a"`, "twice"}},
		"env not an object":             {map[string]string{"env": `["A"]`}, nil, "env", []string{"not an object"}},
		"env bad name":                  {map[string]string{"env": `{"1ST":"x"}`}, nil, "env", []string{`"1ST"`, "letters, digits and _"}},
		"env reserved name":             {map[string]string{"env": `{"PORT":"9000"}`}, nil, "env", []string{"PORT", "containerPort"}},
		"env service name":              {map[string]string{"env": `{"SERVICE_NAME":"api"}`}, nil, "env", []string{"SERVICE_NAME", "project's name"}},
		"env ECS prefix":                {map[string]string{"env": `{"ECS_AGENT":"x"}`}, nil, "env", []string{"ECS_AGENT", "ECS_ prefix"}},
		"env looks secret (ECS.8)":      {map[string]string{"env": `{"DB_PASSWORD":"hunter2"}`}, nil, "env", []string{"DB_PASSWORD", "put it in secrets", "ECS.8"}},
		"env api key (ECS.8)":           {map[string]string{"env": `{"STRIPE_API_KEY":"k"}`}, nil, "env", []string{"STRIPE_API_KEY", "secrets"}},
		"env LOG_LEVEL unknown":         {map[string]string{"env": `{"LOG_LEVEL":"verbose"}`}, nil, "env", []string{`"verbose"`, "debug, info, warn or error"}},
		"env secret (ECS.8)":            {map[string]string{"env": `{"CLIENT_SECRET":"x"}`}, nil, "env", []string{"CLIENT_SECRET", "'secrets.CLIENT_SECRET'", "ECS.8"}},
		"env token (ECS.8)":             {map[string]string{"env": `{"GITHUB_TOKEN":"x"}`}, nil, "env", []string{"GITHUB_TOKEN", "secrets"}},
		"env lower case (ECS.8)":        {map[string]string{"env": `{"db_password":"x"}`}, nil, "env", []string{"db_password", "secrets"}},
		"env passwd (ECS.8)":            {map[string]string{"env": `{"SMTP_PASSWD":"x"}`}, nil, "env", []string{"SMTP_PASSWD", "secrets"}},
		"env access key id (ECS.8)":     {map[string]string{"env": `{"AWS_ACCESS_KEY_ID":"AKIA"}`}, nil, "env", []string{"AWS_ACCESS_KEY_ID", "ECS.8"}},
		"env secret access key (ECS.8)": {map[string]string{"env": `{"AWS_SECRET_ACCESS_KEY":"x"}`}, nil, "env", []string{"AWS_SECRET_ACCESS_KEY", "ECS.8"}},
		"env engine auth data":          {map[string]string{"env": `{"ECS_ENGINE_AUTH_DATA":"x"}`}, nil, "env", []string{"ECS_ENGINE_AUTH_DATA", "ECS_ prefix"}},
		"requestsPerTarget zero":        {map[string]string{"requestsPerTarget": "0"}, nil, "requestsPerTarget", []string{"0", "1 to 1000000"}},
		"requestsPerTarget too big":     {map[string]string{"requestsPerTarget": "1000001"}, nil, "requestsPerTarget", []string{"1000001", "1 to 1000000"}},
		"deployTimeoutMinutes too low":  {map[string]string{"deployTimeoutMinutes": "4"}, nil, "deployTimeoutMinutes", []string{"4", "5 to 120 minutes"}},
		"deployTimeoutMinutes too high": {map[string]string{"deployTimeoutMinutes": "121"}, nil, "deployTimeoutMinutes", []string{"121", "5 to 120 minutes"}},
		"requestsPerTarget not integer": {map[string]string{"requestsPerTarget": "many"}, nil, "requestsPerTarget", []string{`"many"`, "not an integer"}},
		"secrets also in env":           {map[string]string{"secrets": `{"DATABASE_URL":"x"}`, "env": `{"DATABASE_URL":"y"}`}, []string{"secrets"}, "secrets", []string{"DATABASE_URL", "also set in env"}},
		"secrets ECS prefix":            {map[string]string{"secrets": `{"ECS_AGENT_KEY":"x"}`}, []string{"secrets"}, "secrets", []string{"ECS_AGENT_KEY", "ECS_ prefix"}},
		"secrets value too large":       {map[string]string{"secrets": `{"CERT":"` + strings.Repeat("a", 65537) + `"}`}, []string{"secrets"}, "secrets", []string{"CERT holds 65537 bytes", "65536"}},
		"secrets too many":              {map[string]string{"secrets": manySecrets(51)}, []string{"secrets"}, "secrets", []string{"51 secrets", "at most 50"}},
		"secrets in plain text":         {map[string]string{"secrets": `{"DB_PASSWORD":"x"}`}, nil, "secrets", []string{"plain-text", "--secret"}},
		"secrets bad name":              {map[string]string{"secrets": `{"db-password":"x"}`}, []string{"secrets"}, "secrets", []string{`"db-password"`, "letters, digits and _"}},
		"secrets reserved name":         {map[string]string{"secrets": `{"APP_VERSION":"x"}`}, []string{"secrets"}, "secrets", []string{"APP_VERSION", "remove it from secrets"}},
		"secrets empty value":           {map[string]string{"secrets": `{"TOKEN":""}`}, []string{"secrets"}, "secrets", []string{"TOKEN is empty"}},
		"alarmEmail not an address":     {map[string]string{"alarmEmail": "ops at example"}, nil, "alarmEmail", []string{`"ops at example"`, "ops@example.com"}},
		"alarmEmail with name":          {map[string]string{"alarmEmail": "Ops <ops@example.com>"}, nil, "alarmEmail", []string{"bare address"}},
		"spot not bool":                 {map[string]string{"spot": "sometimes"}, nil, "spot", []string{`"sometimes"`, "true or false"}},
		"ipv6 not bool":                 {map[string]string{"ipv6": "2"}, nil, "ipv6", []string{`"2"`, "true or false"}},
		"forceDelete not bool":          {map[string]string{"forceDelete": "y"}, nil, "forceDelete", []string{`"y"`, "true or false"}},
		"flowLogs not bool":             {map[string]string{"flowLogs": "on"}, nil, "flowLogs", []string{`"on"`, "true or false"}},
		"accessLogs not bool":           {map[string]string{"accessLogs": "on"}, nil, "accessLogs", []string{`"on"`, "true or false"}},
		"waf not bool":                  {map[string]string{"waf": "on"}, nil, "waf", []string{`"on"`, "true or false"}},
		"aws region malformed":          {map[string]string{"aws:region": "moon-base"}, nil, "aws:region", []string{`"moon-base"`, "us-east-1"}},
		"aws region iso":                {map[string]string{"aws:region": "us-iso-east-1"}, nil, "aws:region", []string{"us-iso-east-1 is in partition aws-iso, which gin-fargate does not support (supported: aws, aws-cn, aws-us-gov)"}},
		"aws region iso-b":              {map[string]string{"aws:region": "us-isob-east-1"}, nil, "aws:region", []string{"us-isob-east-1 is in partition aws-iso-b", "supported: aws, aws-cn, aws-us-gov"}},
		"aws region iso-e us":           {map[string]string{"aws:region": "us-isoe-west-1"}, nil, "aws:region", []string{"us-isoe-west-1 is in partition aws-iso-e", "supported: aws, aws-cn, aws-us-gov"}},
		"aws region iso-e eu":           {map[string]string{"aws:region": "eu-isoe-west-1"}, nil, "aws:region", []string{"eu-isoe-west-1 is in partition aws-iso-e", "supported: aws, aws-cn, aws-us-gov"}},
		"aws region iso-f":              {map[string]string{"aws:region": "us-isof-south-1"}, nil, "aws:region", []string{"us-isof-south-1 is in partition aws-iso-f", "supported: aws, aws-cn, aws-us-gov"}},
		"secret name too long for its secret": {map[string]string{"secrets": `{"` + longName(maxSecretEnvName(t)+1) + `":"v"}`}, []string{"secrets"}, "secrets",
			[]string{fmt.Sprintf("is %d characters long", maxSecretEnvName(t)+1), "513 characters", fmt.Sprintf("at most %d characters", maxSecretEnvName(t)), "at most 512"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := parseMap(t, tt.config, tt.secrets...)
			if err == nil {
				t.Fatalf("config %v accepted, want an error about %s", tt.config, tt.key)
			}
			errs := configErrors(err)
			if len(errs) != 1 {
				t.Fatalf("%d errors, want 1: %v", len(errs), err)
			}
			msg := errs[0].Error()
			key := configKey(t, loadProject(t), tt.key)
			if !strings.HasPrefix(msg, key+": ") {
				t.Errorf("error %q does not start with the key %q", msg, key)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not mention %q", msg, w)
				}
			}
		})
	}
}

// maxSecretEnvName is the longest secret NAME whose secret's name, <prefix>/NAME-<26 characters>,
// fits Secrets Manager's 512 characters.
func maxSecretEnvName(t *testing.T) int {
	t.Helper()
	return 512 - 26 - len(namePrefix(loadProject(t).Name.String(), testStack)+"/") - len("-")
}

// longName is a valid environment variable name of n characters.
func longName(n int) string { return "S" + strings.Repeat("X", n-1) }

func TestSecretNameAtTheLimitAccepted(t *testing.T) {
	t.Parallel()
	config := map[string]string{"secrets": `{"` + longName(maxSecretEnvName(t)) + `":"v"}`}
	if _, err := parseMap(t, config, "secrets"); err != nil {
		t.Errorf("a secret name of %d characters refused: %v", maxSecretEnvName(t), err)
	}
}

// manySecrets is a secrets object with n entries.
func manySecrets(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`"S%d":"v"`, i)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func TestConfigReportsEveryErrorAtOnce(t *testing.T) {
	t.Parallel()
	_, err := parseMap(t, map[string]string{
		"architecture":     "sparc",
		"cpu":              "100",
		"egress":           "none",
		"vpcCidr":          "nope",
		"logRetentionDays": "2",
		"containerPort":    "-1",
		"paths":            `["x"]`,
	})
	if err == nil {
		t.Fatal("bad config accepted")
	}
	errs := configErrors(err)
	if got, want := len(errs), 7; got != want {
		t.Errorf("%d errors, want %d: %v", got, want, err)
	}
	for _, key := range []string{"architecture", "cpu", "egress", "vpcCidr", "logRetentionDays", "containerPort", "paths"} {
		if !strings.Contains(err.Error(), configKey(t, loadProject(t), key)+": ") {
			t.Errorf("error does not report %s:\n%v", key, err)
		}
	}
}

func TestConfigAccepts(t *testing.T) {
	t.Parallel()
	tests := map[string]map[string]string{
		"x86_64 and a large task": {"architecture": "x86_64", "cpu": "4096", "memory": "30720"},
		"largest task":            {"cpu": "16384", "memory": "122880"},
		"dev counts":              {"desiredCount": "1", "minCount": "1", "maxCount": "2"},
		"scaled to zero":          {"desiredCount": "0", "minCount": "0"},
		"three zones":             {"availabilityZones": "3", "vpcCidr": "172.16.0.0/20"},
		"smallest vpc":            {"vpcCidr": "192.168.10.0/23"},
		"each egress":             {"egress": "vpcEndpoints"},
		"year of logs":            {"logRetentionDays": "365"},
		"prebuilt by digest":      {"image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api@sha256:" + strings.Repeat("a", 64)},
		"prebuilt by tag":         {"image": "ghcr.io/acme/api:v1.2.3"},
		"domain and zone name":    {"domain": "API.Example.com.", "hostedZone": "example.com."},
		"domain and zone id":      {"domain": "api.example.com", "hostedZone": "Z0123456789ABCDEFGHIJ"},
		"zone id as route 53 ARN": {"domain": "api.example.com", "hostedZone": "/hostedzone/Z0123456789ABCDEFGHIJ"},
		"domain at the zone apex": {"domain": "example.com", "hostedZone": "example.com"},
		"domain several levels":   {"domain": "api.eu.prod.example.co.uk", "hostedZone": "example.co.uk"},
		"domain idn and digits":   {"domain": "xn--bcher-kva.example.com"},
		"domain of 64 characters": {"domain": strings.Repeat("a", 52) + ".example.com"},
		"domain only":             {"domain": "api.example.com"},
		"many paths":              {"paths": `["/api/v1/*","/healthz","/docs/*","/a","/b","/c"]`},
		"most paths":              {"paths": manyPaths(50)},
		"path characters":         {"paths": `["/a-b_c.d$e~f\"g'h@i:j+k&l","/x&amp;y","/v?/*"]`},
		"path of 128 characters":  {"paths": `["/` + strings.Repeat("a", 127) + `"]`},
		"path with 5 wildcards":   {"paths": `["/*/*/*/?/?"]`},
		"env":                     {"env": `{"LOG_LEVEL":"debug","FEATURE_X":"on","RETRIES":3}`},
		"secrets":                 {"secrets": `{"DB_PASSWORD":"hunter2"}`},
		"secret and env":          {"secrets": `{"DB_PASSWORD":"hunter2"}`, "env": `{"DB_HOST":"db.internal"}`},
		"largest secret":          {"secrets": `{"CERT":"` + strings.Repeat("a", 65536) + `"}`},
		"requests per target":     {"requestsPerTarget": "250"},
		"shortest deploy timeout": {"deployTimeoutMinutes": "5"},
		"longest deploy timeout":  {"deployTimeoutMinutes": "120"},
		"alarm email":             {"alarmEmail": "ops@example.com"},
		"all switches":            {"spot": "true", "ipv6": "false", "forceDelete": "true", "flowLogs": "true", "accessLogs": "true", "waf": "true", "deletionProtection": "true", "containerInsights": "false"},
	}
	for name, kv := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := parseMap(t, kv, "secrets"); err != nil {
				t.Errorf("config %v rejected: %v", kv, err)
			}
		})
	}
}

// TestFargateTaskSizes checks the CPU and memory pairs against the Fargate task size table.
func TestFargateTaskSizes(t *testing.T) {
	t.Parallel()
	valid := map[int][]int{
		256:   {512, 1024, 2048},
		512:   {1024, 2048, 3072, 4096},
		1024:  {2048, 3072, 4096, 5120, 6144, 7168, 8192},
		2048:  {4096, 8192, 12288, 16384},
		4096:  {8192, 16384, 30720},
		8192:  {16384, 20480, 61440},
		16384: {32768, 40960, 122880},
	}
	invalid := map[int][]int{
		256:   {256, 3072},
		512:   {512, 5120},
		1024:  {1024, 9216},
		2048:  {2048, 17408},
		4096:  {4096, 31744},
		8192:  {8192, 18432, 65536},
		16384: {16384, 36864, 131072},
	}
	for cpu, mems := range valid {
		for _, mem := range mems {
			if _, err := parseMap(t, map[string]string{"cpu": fmt.Sprint(cpu), "memory": fmt.Sprint(mem)}); err != nil {
				t.Errorf("cpu %d memory %d rejected: %v", cpu, mem, err)
			}
		}
	}
	for cpu, mems := range invalid {
		for _, mem := range mems {
			if _, err := parseMap(t, map[string]string{"cpu": fmt.Sprint(cpu), "memory": fmt.Sprint(mem)}); err == nil {
				t.Errorf("cpu %d memory %d accepted", cpu, mem)
			}
		}
	}
}

func TestConfigParsesTypedValues(t *testing.T) {
	t.Parallel()
	c, err := parseMap(t, map[string]string{
		"image":  "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api@sha256:" + strings.Repeat("b", 64),
		"domain": "API.Example.com.",
		"env":    `{"RETRIES":3,"DEBUG":true,"LIMIT":1000000}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Image == nil || c.Image.ECR == nil {
		t.Fatalf("image %+v not recognised as ECR", c.Image)
	}
	if got, want := c.Image.ECR.arn(), "arn:aws:ecr:eu-west-1:123456789012:repository/team/api"; got != want {
		t.Errorf("image repository ARN = %q, want %q", got, want)
	}
	if got, want := c.Image.version(), "sha256:"+strings.Repeat("b", 64); got != want {
		t.Errorf("image version = %q, want %q", got, want)
	}
	if got, want := c.Domain, "api.example.com"; got != want {
		t.Errorf("domain = %q, want %q", got, want)
	}
	for raw, want := range map[string]string{
		"Example.COM.": "example.com", "/hostedzone/Z0123456789ABCDEFGHIJ": "Z0123456789ABCDEFGHIJ", "Z2FDTNDATAQYW2": "Z2FDTNDATAQYW2",
	} {
		z, err := parseMap(t, map[string]string{"domain": "api.example.com", "hostedZone": raw})
		if err != nil {
			t.Fatalf("hostedZone %q: %v", raw, err)
		}
		if z.HostedZone != want {
			t.Errorf("hostedZone %q parsed as %q, want %q", raw, z.HostedZone, want)
		}
	}
	if got, want := c.Env["RETRIES"]+","+c.Env["DEBUG"]+","+c.Env["LIMIT"], "3,true,1000000"; got != want {
		t.Errorf("env values = %q, want %q", got, want)
	}
	cn, err := parseMap(t, map[string]string{"image": "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/api:v1"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cn.Image.ECR.arn(), "arn:aws-cn:ecr:cn-north-1:123456789012:repository/api"; got != want {
		t.Errorf("China image repository ARN = %q, want %q", got, want)
	}
}

// TestConfigSecretsStaySecret: secret values are wrapped as secret outputs and never appear in an
// error message (Security Hub ECS.8).
func TestConfigSecretsStaySecret(t *testing.T) {
	t.Parallel()
	const value = "s3cr3t-value-never-printed"
	_, err := parseMap(t, map[string]string{"secrets": `{"bad name":"` + value + `","OK":"` + value + `"}`})
	if err == nil {
		t.Fatal("bad secret names accepted")
	}
	if strings.Contains(err.Error(), value) {
		t.Errorf("error leaks a secret value: %v", err)
	}

	c, err := parseMap(t, map[string]string{"secrets": `{"DB_PASSWORD":"` + value + `"}`}, "secrets")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(sortedKeys(c.Secrets), ","), "DB_PASSWORD"; got != want {
		t.Errorf("secret names = %q, want %q", got, want)
	}
	err = pulumi.RunErr(func(ctx *pulumi.Context) error {
		res, err := internals.UnsafeAwaitOutput(ctx.Context(), c.Secrets["DB_PASSWORD"])
		if err != nil {
			return err
		}
		if !res.Secret {
			t.Error("secret value is not marked secret")
		}
		if res.Value != value {
			t.Errorf("secret value = %v, want the configured value", res.Value)
		}
		return nil
	}, pulumi.WithMocks("project", testStack, newMockCloud()))
	if err != nil {
		t.Fatal(err)
	}
}

// TestBadConfigDeclaresNothing: validation runs before any resource exists, so a bad value
// fails `pulumi preview` with the message and nothing else.
func TestBadConfigDeclaresNothing(t *testing.T) {
	t.Parallel()
	m := newMockCloud()
	_, err := runStack(t, m, withConfig(map[string]string{"cpu": "100", "egress": "none"}), asPreview())
	if err == nil {
		t.Fatal("program accepted bad config")
	}
	for _, want := range []string{configKey(t, loadProject(t), "cpu"), configKey(t, loadProject(t), "egress")} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if got := len(m.records()); got != 0 {
		t.Errorf("%d resources declared before validation failed, want 0", got)
	}
	if got := len(m.calls); got != 0 {
		t.Errorf("%d lookups made before validation failed, want 0", got)
	}
}

// manyPaths returns n distinct path patterns as a JSON list.
func manyPaths(n int) string {
	paths := make([]string, n)
	for i := range paths {
		paths[i] = fmt.Sprintf(`"/p%d/*"`, i)
	}
	return "[" + strings.Join(paths, ",") + "]"
}

// TestConfigDomainErrorsStandAlone: a bad domain is reported once; the hosted zone is not also
// reported for failing to contain it.
func TestConfigDomainErrorsStandAlone(t *testing.T) {
	t.Parallel()
	_, err := parseMap(t, map[string]string{"domain": "api_example.com", "hostedZone": "example.com"})
	if errs := configErrors(err); len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), configKey(t, loadProject(t), "domain")+": ") {
		t.Errorf("errors = %v, want only the domain's", err)
	}
	_, err = parseMap(t, map[string]string{"domain": "*.example.com", "hostedZone": "example.org", "paths": `["x","/y;"]`})
	if errs := configErrors(err); len(errs) != 3 {
		t.Errorf("%d errors, want the domain's and one per bad path: %v", len(errs), err)
	}
}
