package main

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// hostedZone is the Route 53 public hosted zone that holds the domain's records.
type hostedZone struct {
	ID   string
	Name string
}

// lookupHostedZone finds the public hosted zone of the domain: the configured zone (an ID or a
// name), or else the first public zone named after the domain or one of its parents, nearest
// first (api.eu.example.com, eu.example.com, example.com; never a top-level domain alone). A zone
// that does not exist fails with the names tried and how to fix it; any other lookup error fails
// with its cause.
func lookupHostedZone(ctx *pulumi.Context, domain, configured string, opts ...pulumi.InvokeOption) (*hostedZone, error) {
	if zoneIDPattern.MatchString(configured) {
		return lookupZoneByID(ctx, domain, configured, opts...)
	}
	candidates := zoneCandidates(domain)
	if configured != "" {
		candidates = []string{configured}
	}
	for _, name := range candidates {
		res, err := route53.LookupZone(ctx, &route53.LookupZoneArgs{
			Name:        pulumi.StringRef(name),
			PrivateZone: pulumi.BoolRef(false),
		}, opts...)
		if err == nil {
			return zoneFromLookup(res, "", name), nil
		}
		if !zoneNotFound(err) {
			return nil, fmt.Errorf("look up hosted zone %s for domain %s: %w", name, domain, err)
		}
	}
	if configured != "" {
		return nil, fmt.Errorf("look up hosted zone of domain %s: this account has no public Route 53 hosted zone "+
			"named %s (hostedZone); create it, or set hostedZone to the name or ID of the zone that holds %s",
			domain, configured, domain)
	}
	return nil, fmt.Errorf("look up hosted zone of domain %s: this account has no public Route 53 hosted zone "+
		"named %s; create a public hosted zone for the domain or a parent domain (and delegate the domain to its "+
		"name servers at your registrar or DNS provider), or set hostedZone to the zone's ID",
		domain, strings.Join(candidates, ", "))
}

// lookupZoneByID looks up a hosted zone by ID and checks that it is public and holds the domain.
func lookupZoneByID(ctx *pulumi.Context, domain, id string, opts ...pulumi.InvokeOption) (*hostedZone, error) {
	res, err := route53.LookupZone(ctx, &route53.LookupZoneArgs{ZoneId: pulumi.StringRef(id)}, opts...)
	if err != nil {
		if zoneNotFound(err) {
			return nil, fmt.Errorf("look up hosted zone %s (hostedZone) for domain %s: this account has no such "+
				"zone; set hostedZone to the ID or name of the public zone that holds %s, or remove it to find "+
				"the zone from the domain", id, domain, domain)
		}
		return nil, fmt.Errorf("look up hosted zone %s for domain %s: %w", id, domain, err)
	}
	zone := zoneFromLookup(res, id, "")
	if res.PrivateZone != nil && *res.PrivateZone {
		return nil, fmt.Errorf("hosted zone %s (%s) is private; the certificate's validation record and the "+
			"domain's records need a public zone: set hostedZone to the public zone of %s", id, zone.Name, domain)
	}
	if zone.Name != "" && !inZone(domain, zone.Name) {
		return nil, fmt.Errorf("hosted zone %s is %s, which does not contain domain %s: set hostedZone to the "+
			"zone of %s or of a parent domain", id, zone.Name, domain, domain)
	}
	return zone, nil
}

// zoneFromLookup reads a lookup's answer, falling back to what was asked for.
func zoneFromLookup(res *route53.LookupZoneResult, id, name string) *hostedZone {
	z := &hostedZone{ID: res.ZoneId, Name: strings.ToLower(strings.TrimSuffix(res.Name, "."))}
	if z.ID == "" {
		z.ID = res.Id
	}
	if z.ID == "" {
		z.ID = id
	}
	if z.Name == "" {
		z.Name = name
	}
	return z
}

// zoneCandidates lists the zone names that may hold a domain, nearest first, down to the
// registrable two-label name.
func zoneCandidates(domain string) []string {
	labels := strings.Split(domain, ".")
	var out []string
	for i := 0; i+2 <= len(labels); i++ {
		out = append(out, strings.Join(labels[i:], "."))
	}
	return out
}

// zoneNotFound reports whether a Route 53 zone lookup failed because the zone does not exist: by
// name the provider reports no matching zone; by ID it reports that it couldn't find the resource
// (Route 53's NoSuchHostedZone).
func zoneNotFound(err error) bool {
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"no matching route 53 hosted zone", "no matching route53zone", "couldn't find resource",
		"nosuchhostedzone"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// DNSRecords are the domain's alias records to the load balancer: A, and AAAA when the load
// balancer is dual-stack. Route 53 answers them with the load balancer's current addresses and
// only while it has healthy targets somewhere (Checkov CKV2_AWS_23).
type DNSRecords struct {
	pulumi.ResourceState

	FQDN pulumi.StringOutput `pulumi:"fqdn"`
}

// DNSRecordsArgs configures DNSRecords.
type DNSRecordsArgs struct {
	Domain string
	ZoneID string
	// TargetDNSName and TargetZoneID are the load balancer's DNS name and canonical hosted zone.
	TargetDNSName pulumi.StringInput
	TargetZoneID  pulumi.StringInput
	IPv6          bool
}

// NewDNSRecords declares the alias records of the domain.
func NewDNSRecords(ctx *pulumi.Context, name string, args *DNSRecordsArgs, opts ...pulumi.ResourceOption) (*DNSRecords, error) {
	d := &DNSRecords{}
	if err := ctx.RegisterComponentResource(componentType(ctx, "DNSRecords"), name, d, opts...); err != nil {
		return nil, err
	}
	types := []string{"A"}
	if args.IPv6 {
		types = append(types, "AAAA")
	}
	var records []*route53.Record
	for _, typ := range types {
		record, err := route53.NewRecord(ctx, name+"-"+strings.ToLower(typ), &route53.RecordArgs{
			ZoneId: pulumi.String(args.ZoneID),
			Name:   pulumi.String(args.Domain),
			Type:   pulumi.String(typ),
			Aliases: route53.RecordAliasArray{&route53.RecordAliasArgs{
				Name:                 args.TargetDNSName,
				ZoneId:               args.TargetZoneID,
				EvaluateTargetHealth: pulumi.Bool(true),
			}},
		}, pulumi.Parent(d))
		if err != nil {
			return nil, fmt.Errorf("create %s record for %s: %w", typ, args.Domain, err)
		}
		records = append(records, record)
	}
	d.FQDN = records[0].Fqdn
	if err := ctx.RegisterResourceOutputs(d, pulumi.Map{"fqdn": d.FQDN}); err != nil {
		return nil, err
	}
	return d, nil
}
