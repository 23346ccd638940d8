package main

import (
	"fmt"
	"net/mail"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/gin-fargate/gin-fargate/app/contract"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

var (
	// logRetentionValues are the retention periods CloudWatch Logs accepts, in days.
	logRetentionValues = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
		1827, 2192, 2557, 2922, 3288, 3653}
	regionPattern   = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)
	envNamePattern  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	zoneIDPattern   = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
	dnsLabelPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	// albPathChars is one character an ALB path-pattern condition accepts.
	albPathChars = regexp.MustCompile(`^[A-Za-z0-9_\-.$/~"'@:+&*?]$`)
	// imagePattern is a Docker image reference: registry/repository with a tag, a digest or both.
	imagePattern = regexp.MustCompile(`^(?P<name>(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*` +
		`(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?` +
		`(?:@(?P<digest>sha256:[a-f0-9]{64}))?$`)
	ecrHostPattern = regexp.MustCompile(`^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$`)
	// reservedEnv are set by the program from other keys; the value says which.
	reservedEnv = map[string]string{
		contract.EnvPort:            "containerPort",
		contract.EnvAppVersion:      "the image tag",
		contract.EnvServiceName:     "the project's name",
		contract.EnvShutdownTimeout: "the task's stopTimeout",
		contract.EnvTrustedProxies:  "vpcCidr",
	}
	// secretLikeEnv are name fragments that mark a value as a secret (Security Hub ECS.8, Trivy AVD-AWS-0036).
	secretLikeEnv = []string{"PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY",
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ECS_ENGINE_AUTH_DATA"}
	logLevels = []string{"debug", "info", "warn", "error"}
)

// fargateMemory lists, for each Fargate CPU value, the memory sizes (MiB) it accepts.
func fargateMemory(cpu int) []int {
	span := func(from, to, step int) []int {
		var out []int
		for m := from; m <= to; m += step {
			out = append(out, m)
		}
		return out
	}
	switch cpu {
	case 256:
		return []int{512, 1024, 2048}
	case 512:
		return span(1024, 4096, 1024)
	case 1024:
		return span(2048, 8192, 1024)
	case 2048:
		return span(4096, 16384, 1024)
	case 4096:
		return span(8192, 30720, 1024)
	case 8192:
		return span(16384, 61440, 4096)
	case 16384:
		return span(32768, 122880, 8192)
	}
	return nil
}

func validateRegion(r *configReader, region string) {
	if region != "" && !regionPattern.MatchString(region) {
		r.errs = append(r.errs, fmt.Errorf("aws:region: %q is not an AWS region name (e.g. us-east-1)", region))
	}
}

// validateRegionPartition refuses a region of a partition the program cannot name correctly.
func validateRegionPartition(r *configReader, region string) {
	if p := partitionForRegion(region); region != "" && !slices.Contains(supportedPartitions, p) {
		r.errs = append(r.errs, fmt.Errorf("aws:region: %s is in partition %s, which gin-fargate does not support "+
			"(supported: %s)", region, p, strings.Join(supportedPartitions, ", ")))
	}
}

func validateArchitecture(r *configReader, a architecture) {
	if a != archARM64 && a != archX8664 {
		r.fail("architecture", "%q is not allowed; allowed: arm64 or x86_64", a)
	}
}

func validateTaskSize(r *configReader, cpu, memory int) {
	allowed := fargateMemory(cpu)
	if allowed == nil {
		r.fail("cpu", "%d is not a Fargate CPU value; allowed: 256, 512, 1024, 2048, 4096, 8192, 16384", cpu)
		return
	}
	if !slices.Contains(allowed, memory) {
		r.fail("memory", "%d MiB is not valid with cpu %d; Fargate allows %s", memory, cpu, describeMemory(allowed))
	}
}

func describeMemory(allowed []int) string {
	if len(allowed) <= 4 {
		return joinInts(allowed)
	}
	return fmt.Sprintf("%d to %d in steps of %d", allowed[0], allowed[len(allowed)-1], allowed[1]-allowed[0])
}

func validateCounts(r *configReader, desired, minCount, maxCount int) {
	ok := true
	if minCount < 0 || minCount > maxTaskCount {
		r.fail("minCount", "%d is out of range; allowed: 0 to %d", minCount, maxTaskCount)
		ok = false
	}
	if maxCount < 1 || maxCount > maxTaskCount {
		r.fail("maxCount", "%d is out of range; allowed: 1 to %d", maxCount, maxTaskCount)
		ok = false
	}
	if desired < 0 || desired > maxTaskCount {
		r.fail("desiredCount", "%d is out of range; allowed: 0 to %d", desired, maxTaskCount)
		ok = false
	}
	if !ok {
		return
	}
	if minCount > maxCount {
		r.fail("minCount", "%d is greater than maxCount %d; allowed: minCount <= maxCount", minCount, maxCount)
		return
	}
	if desired < minCount || desired > maxCount {
		r.fail("desiredCount", "%d is outside minCount..maxCount (%d..%d); allowed: a count within those bounds",
			desired, minCount, maxCount)
	}
}

func validatePort(r *configReader, name string, port int) {
	if port < 1 || port > 65535 {
		r.fail(name, "%d is not a TCP port; allowed: 1 to 65535", port)
	}
}

// removedHealthCheckPathKey was the health checks' path. The API serves its health check at the
// contract's path only, so any other value took every task down; the CLI passes a key Pulumi.yaml
// no longer declares on without a word, so a stack that still sets it is refused.
const removedHealthCheckPathKey = "healthCheckPath"

func refuseRemovedKeys(r *configReader) {
	if v, ok := r.raw(removedHealthCheckPathKey); ok {
		r.fail(removedHealthCheckPathKey, "%q is no longer a setting: both health checks ask %s, the one path the "+
			"API serves; remove it (pulumi config rm %s)", v, contract.HealthPath, removedHealthCheckPathKey)
	}
}

// validateVpcCIDR accepts a private IPv4 network of size /16 to /23: room for 16 subnets
// of at least /27, the smallest subnet an ALB accepts.
func validateVpcCIDR(r *configReader, raw string) netip.Prefix {
	p, err := netip.ParsePrefix(raw)
	allowed := "allowed: a private IPv4 network (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10) " +
		"of size /16 to /23, e.g. 10.0.0.0/16"
	switch {
	case err != nil || !p.Addr().Is4():
		r.fail("vpcCidr", "%q is not an IPv4 CIDR; %s", raw, allowed)
		return netip.Prefix{}
	case p.Masked() != p:
		r.fail("vpcCidr", "%q has host bits set; did you mean %s? %s", raw, p.Masked(), allowed)
		return netip.Prefix{}
	case p.Bits() < 16 || p.Bits() > 23:
		r.fail("vpcCidr", "%q is a /%d; %s", raw, p.Bits(), allowed)
		return netip.Prefix{}
	}
	for _, private := range []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"} {
		if netip.MustParsePrefix(private).Contains(p.Addr()) {
			return p
		}
	}
	r.fail("vpcCidr", "%q is not a private range; %s", raw, allowed)
	return netip.Prefix{}
}

func validateEgress(r *configReader, e egressMode) {
	switch e {
	case egressNATPerAZ, egressNATSingle, egressPublicIP, egressVPCEndpoints:
	default:
		r.fail("egress", "%q is not allowed; allowed: natPerAz, natSingle, publicIp or vpcEndpoints", e)
	}
}

// imageRef is a parsed prebuilt image reference.
type imageRef struct {
	// URI is the reference as configured.
	URI        string
	Repository string // registry host and path, without tag or digest
	Tag        string
	Digest     string
	// ECR holds the repository's account, region and name when the image lives in Amazon ECR.
	ECR *ecrRepository
}

// ecrRepository identifies an ECR repository.
type ecrRepository struct {
	Account, Region, Name string
}

// arn is the repository's ARN.
func (e ecrRepository) arn() string {
	partition := partitionForRegion(e.Region)
	return fmt.Sprintf("arn:%s:ecr:%s:%s:repository/%s", partition, e.Region, e.Account, e.Name)
}

// version is what APP_VERSION reports for the image: its tag, or its digest when it has none.
func (i *imageRef) version() string {
	if i.Tag != "" {
		return i.Tag
	}
	return i.Digest
}

func validateImage(r *configReader, raw string) *imageRef {
	if raw == "" {
		return nil
	}
	m := imagePattern.FindStringSubmatch(raw)
	if m == nil || len(raw) > 1024 {
		r.fail("image", "%q is not an image reference; allowed: REGISTRY/REPOSITORY:TAG or "+
			"REGISTRY/REPOSITORY@sha256:DIGEST, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/api@sha256:…", raw)
		return nil
	}
	ref := &imageRef{
		URI:        raw,
		Repository: m[imagePattern.SubexpIndex("name")],
		Tag:        m[imagePattern.SubexpIndex("tag")],
		Digest:     m[imagePattern.SubexpIndex("digest")],
	}
	if ref.Tag == "" && ref.Digest == "" {
		r.fail("image", "%q has neither a tag nor a digest; allowed: a pinned reference such as "+
			"REPOSITORY:TAG or REPOSITORY@sha256:DIGEST", raw)
		return nil
	}
	if host, path, ok := strings.Cut(ref.Repository, "/"); ok {
		if e := ecrHostPattern.FindStringSubmatch(host); e != nil {
			ref.ECR = &ecrRepository{Account: e[1], Region: e[2], Name: path}
		}
	}
	return ref
}

// The longest names DNS allows, and the longest domain ACM accepts as a certificate's first name
// (it becomes the subject's common name).
const (
	maxHostnameLen          = 253
	maxLabelLen             = 63
	maxCertificateDomainLen = 64
)

// validateDomain checks the custom-domain keys and returns them normalized: the domain in lowercase
// without a trailing dot, the hosted zone as a bare zone ID or a lowercase zone name. A hosted zone
// without a domain asks for HTTPS on a name the stack does not know, so it is an error too.
func validateDomain(r *configReader, rawDomain, rawZone string) (domain, zone string) {
	domain = strings.ToLower(strings.TrimSuffix(rawDomain, "."))
	domainOK := true
	if rawDomain != "" {
		if problem := domainProblem(domain); problem != "" {
			r.fail("domain", "%q %s", rawDomain, problem)
			domainOK = false
		}
	}
	if rawZone == "" {
		return domain, ""
	}
	if rawDomain == "" {
		r.fail("hostedZone", "%q is set without domain, so there is no name to serve over HTTPS; allowed: set "+
			"domain too (pulumi config set domain api.example.com), or remove hostedZone", rawZone)
		return domain, ""
	}
	if id := strings.TrimPrefix(rawZone, "/hostedzone/"); zoneIDPattern.MatchString(id) {
		return domain, id
	}
	zone = strings.ToLower(strings.TrimSuffix(rawZone, "."))
	if hostnameProblem(zone) != "" {
		r.fail("hostedZone", "%q is neither a Route 53 hosted zone ID nor a zone name; allowed: an ID such as "+
			"Z0123456789ABCDEFGHIJ or a name such as example.com", rawZone)
		return domain, zone
	}
	if domainOK && !inZone(domain, zone) {
		r.fail("hostedZone", "%q does not contain domain %q; allowed: the zone of the domain or of a parent "+
			"domain, e.g. %s", rawZone, domain, parentDomain(domain))
	}
	return domain, zone
}

// domainProblem says what keeps a lowercase name from being the stack's domain, or "" when it can be.
// The text follows the quoted value in the error message.
func domainProblem(d string) string {
	const allowed = "allowed: a fully qualified host name such as api.example.com: at least two labels of " +
		"1-63 letters, digits and hyphens (not starting or ending with a hyphen), at most 253 characters"
	if _, err := netip.ParseAddr(d); err == nil {
		return "is an IP address; allowed: a DNS name such as api.example.com (ACM issues certificates for " +
			"names only)"
	}
	switch {
	case strings.Contains(d, "/") || strings.Contains(d, ":"):
		return "is a URL or has a port; allowed: the host name alone, e.g. api.example.com (the stack serves " +
			"it on HTTPS port 443)"
	case strings.Contains(d, "*"):
		return "is a wildcard; allowed: one host name such as api.example.com (the certificate covers exactly " +
			"that name, Checkov CKV2_AWS_71)"
	}
	if problem := hostnameProblem(d); problem != "" {
		return "is not a host name: it " + problem + "; " + allowed
	}
	if len(d) > maxCertificateDomainLen {
		return fmt.Sprintf("is %d characters long; allowed: at most %d, the longest first name ACM puts in a "+
			"certificate", len(d), maxCertificateDomainLen)
	}
	return ""
}

// hostnameProblem says why s is not a fully qualified DNS host name in lowercase, or "" when it is.
func hostnameProblem(s string) string {
	if len(s) > maxHostnameLen {
		return fmt.Sprintf("is longer than %d characters", maxHostnameLen)
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return "has a single label"
	}
	for _, l := range labels {
		switch {
		case l == "":
			return "has an empty label"
		case len(l) > maxLabelLen:
			return fmt.Sprintf("has a label longer than %d characters", maxLabelLen)
		case strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-"):
			return fmt.Sprintf("has the label %q, which starts or ends with a hyphen", l)
		case !dnsLabelPattern.MatchString(l):
			return fmt.Sprintf("has the label %q, with characters other than letters, digits and hyphens", l)
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "ends in a numeric label"
	}
	return ""
}

// inZone reports whether the domain is the zone's name or a name below it.
func inZone(domain, zone string) bool {
	return domain == zone || strings.HasSuffix(domain, "."+zone)
}

// parentDomain is the domain without its first label, or the domain itself when that would leave
// a single label.
func parentDomain(domain string) string {
	if _, rest, ok := strings.Cut(domain, "."); ok && strings.Contains(rest, ".") {
		return rest
	}
	return domain
}

// validatePaths checks each ALB path pattern the load balancer forwards to the service: the rules
// the listener would reject, and patterns with more wildcards than one rule may hold.
func validatePaths(r *configReader, paths []string) {
	const allowed = "allowed: a pattern that starts with /, at most 128 characters of A-Z a-z 0-9 " +
		"_ - . $ / ~ \" ' @ : + & (or &amp;), and the wildcards * and ?"
	if len(paths) == 0 {
		r.fail("paths", "is empty; allowed: one or more path patterns such as [\"/*\"]")
		return
	}
	if len(paths) > maxPaths {
		r.fail("paths", "has %d patterns; allowed: at most %d", len(paths), maxPaths)
	}
	seen := map[string]bool{}
	for _, p := range paths {
		switch {
		case !strings.HasPrefix(p, "/"):
			r.fail("paths", "%q does not start with /; %s", p, allowed)
		case len(p) > maxPathPatternLen:
			r.fail("paths", "%q is %d characters long, longer than %d; %s", p, len(p), maxPathPatternLen, allowed)
		case badPathChar(p) != "":
			r.fail("paths", "%q has %q, which an ALB path pattern cannot hold; %s", p, badPathChar(p), allowed)
		case pathWildcards(p) > maxConditionWildcards:
			r.fail("paths", "%q has %d wildcards; allowed: at most %d, the most an ALB rule holds",
				p, pathWildcards(p), maxConditionWildcards)
		case seen[p]:
			r.fail("paths", "%q is listed twice; allowed: each pattern once", p)
		}
		seen[p] = true
	}
}

// badPathChar returns the first character of an ALB path pattern that the ALB rejects, or "".
// An ampersand may be written as is or as &amp;.
func badPathChar(p string) string {
	for _, c := range strings.ReplaceAll(p, "&amp;", "&") {
		if !albPathChars.MatchString(string(c)) {
			return string(c)
		}
	}
	return ""
}

// envNameProblem says why name cannot be one of the app's variables, set in key (env or
// secrets), or "" when it can.
func envNameProblem(key, name string) string {
	switch {
	case !envNamePattern.MatchString(name):
		return fmt.Sprintf("%q is not an environment variable name; allowed: letters, digits and _, "+
			"not starting with a digit", name)
	case reservedEnv[name] != "":
		return fmt.Sprintf("%s is set by the program from %s; remove it from %s", name, reservedEnv[name], key)
	case strings.HasPrefix(strings.ToUpper(name), "ECS_"):
		return fmt.Sprintf("%s uses the ECS_ prefix that ECS reserves; allowed: any other name", name)
	}
	return ""
}

func validateEnv(r *configReader, env map[string]string) {
	if len(env) > maxEnvVars {
		r.fail("env", "has %d variables; allowed: at most %d", len(env), maxEnvVars)
	}
	for _, name := range sortedKeys(env) {
		switch problem := envNameProblem("env", name); {
		case problem != "":
			r.fail("env", "%s", problem)
		case looksSecret(name):
			r.fail("env", "%s looks like a secret; put it in secrets (pulumi config set --secret --path "+
				"'secrets.%s' VALUE) so it is injected from Secrets Manager (Security Hub ECS.8)", name, name)
		case name == contract.EnvLogLevel && !slices.Contains(logLevels, env[name]):
			r.fail("env", "%s %q is not allowed; allowed: debug, info, warn or error", name, env[name])
		}
	}
}

func looksSecret(name string) bool {
	upper := strings.ToUpper(name)
	for _, s := range secretLikeEnv {
		if strings.Contains(upper, s) {
			return true
		}
	}
	return false
}

// validateSecrets checks the secret names and values and wraps each value as a secret output.
// A name may not also be a plain env variable: the container would get it twice. No message ever
// includes a value.
func validateSecrets(r *configReader, secrets, env map[string]string) map[string]pulumi.StringOutput {
	out := make(map[string]pulumi.StringOutput, len(secrets))
	if len(secrets) > 0 && r.src.secret != nil && !r.src.secret(r.key(configSecretsKey)) {
		r.fail(configSecretsKey, "holds plain-text values; allowed: values set with "+
			"pulumi config set --secret --path 'secrets.NAME' VALUE")
	}
	if len(secrets) > maxSecrets {
		r.fail(configSecretsKey, "has %d secrets; allowed: at most %d", len(secrets), maxSecrets)
	}
	for _, name := range sortedKeys(secrets) {
		switch problem := envNameProblem(configSecretsKey, name); {
		case problem != "":
			r.fail(configSecretsKey, "%s", problem)
		case hasKey(env, name):
			r.fail(configSecretsKey, "%s is also set in env; allowed: one of the two (remove it from env to keep it secret)", name)
		case secrets[name] == "":
			r.fail(configSecretsKey, "%s is empty; allowed: a non-empty value", name)
		case len(secrets[name]) > maxSecretBytes:
			r.fail(configSecretsKey, "%s holds %d bytes; allowed: at most %d (the Secrets Manager limit)",
				name, len(secrets[name]), maxSecretBytes)
		}
		out[name] = pulumi.ToSecret(pulumi.String(secrets[name])).(pulumi.StringOutput)
	}
	return out
}

// validateSecretNameLengths refuses a secret whose name, as the program names it (secretNamePrefix
// and the provider's unique suffix), would pass Secrets Manager's limit.
func validateSecretNameLengths(r *configReader, secrets map[string]string) {
	stackPrefix := namePrefix(r.src.project, r.src.stack)
	for _, name := range sortedKeys(secrets) {
		if n := len(secretNamePrefix(stackPrefix, name)) + secretNameUniqueLen; n > maxSecretNameLen {
			r.fail(configSecretsKey, "%s is %d characters long, which makes its secret's name (%s<NAME>-<%d-character "+
				"suffix>) %d characters; allowed: a name of at most %d characters, as Secrets Manager names at most %d",
				name, len(name), secretPath(stackPrefix), secretNameUniqueLen, n, len(name)-(n-maxSecretNameLen),
				maxSecretNameLen)
		}
	}
}

func hasKey[V any](m map[string]V, key string) bool {
	_, ok := m[key]
	return ok
}

func validateAlarmEmail(r *configReader, email string) {
	if email == "" {
		return
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || !strings.Contains(email[strings.LastIndex(email, "@")+1:], ".") {
		r.fail("alarmEmail", "%q is not an email address; allowed: a bare address such as ops@example.com", email)
	}
}

// validateCapacity refuses a vpcCidr, availabilityZones, egress and maxCount whose subnets cannot
// hold what AWS puts in them (capacity.go), naming the keys, the values and the limit. It runs
// only on values that are valid on their own.
func validateCapacity(r *configReader, c *stackConfig) {
	switch c.Egress {
	case egressNATPerAZ, egressNATSingle, egressPublicIP, egressVPCEndpoints:
	default:
		return
	}
	if !c.VpcCIDR.IsValid() || c.AvailabilityZones < 2 || c.AvailabilityZones > 3 || c.MaxCount < 1 ||
		c.MaxCount > maxTaskCount {
		return
	}
	for _, l := range subnetLoads(c.VpcCIDR, c.AvailabilityZones, c.Egress, c.MaxCount) {
		if l.fits() {
			continue
		}
		holds := fmt.Sprintf("vpcCidr %s over %d zones gives /%d %s subnets with %d usable addresses (AWS "+
			"reserves %d in each)", c.VpcCIDR, c.AvailabilityZones, l.bits, l.tier, l.usable, awsReservedPerSubnet)
		for _, u := range l.fixed {
			holds += fmt.Sprintf(", %d of them for %s", u.n, u.what)
		}
		larger := "use a larger vpcCidr (in a new stack: a deployed VPC keeps its block)"
		if l.fixedTotal() > l.usable {
			r.fail("vpcCidr", "%s; %s", holds, larger)
			continue
		}
		where := "in the private subnets"
		if l.tier == "public" {
			where = "in the public subnets beside the load balancer with egress " + string(c.Egress)
		}
		r.fail("maxCount", "%d needs up to %d task addresses per zone during a deployment (%d tasks at "+
			"deploymentMaximumPercent %d over %d zones, %s), but %s; %s or lower maxCount (at most %d fits)",
			c.MaxCount, l.tasks, peakTasks(c.MaxCount), deploymentMaximumPercent, c.AvailabilityZones, where,
			holds, larger, largestFittingMaxCount(l, c.AvailabilityZones, c.MaxCount))
	}
}
