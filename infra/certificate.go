package main

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	// certificateKeyAlgorithm is the certificate's key: RSA 2048, which every TLS client accepts
	// and which meets Security Hub ACM.2 (RSA keys of at least 2048 bits).
	certificateKeyAlgorithm = "RSA_2048"
	validationRecordTTLSec  = 60
)

// Certificate is the ACM certificate of the custom domain, validated by DNS: ACM asks for a CNAME
// record in the domain's Route 53 zone, the stack creates it, and the certificate-validation
// resource waits until ACM has issued the certificate. ACM renews a DNS-validated certificate by
// itself for as long as the record exists (Security Hub ACM.1).
type Certificate struct {
	pulumi.ResourceState

	// ARN is the certificate's ARN once ACM has issued it: a listener that uses it waits for the
	// validation instead of failing on a certificate that is still pending.
	ARN pulumi.StringOutput `pulumi:"arn"`
}

// CertificateArgs configures a Certificate.
type CertificateArgs struct {
	NamePrefix string
	// Domain is the one name the certificate covers (no wildcard, no other names).
	Domain string
	// ZoneID is the Route 53 public hosted zone that holds the validation record.
	ZoneID string
}

// NewCertificate requests the certificate and validates it through Route 53.
func NewCertificate(ctx *pulumi.Context, name string, args *CertificateArgs, opts ...pulumi.ResourceOption) (*Certificate, error) {
	c := &Certificate{}
	if err := ctx.RegisterComponentResource(componentType(ctx, "Certificate"), name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)

	cert, err := acm.NewCertificate(ctx, name+"-cert", &acm.CertificateArgs{
		DomainName:       pulumi.String(args.Domain),
		ValidationMethod: pulumi.String("DNS"),
		KeyAlgorithm:     pulumi.String(certificateKeyAlgorithm),
		Options: &acm.CertificateOptionsArgs{
			CertificateTransparencyLoggingPreference: pulumi.String("ENABLED"),
		},
		Tags: pulumi.StringMap{"Name": pulumi.String(args.NamePrefix + "-" + args.Domain)},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("create certificate for %s: %w", args.Domain, err)
	}
	option := func(field func(acm.CertificateDomainValidationOption) *string) pulumi.StringOutput {
		return cert.DomainValidationOptions.ApplyT(func(opts []acm.CertificateDomainValidationOption) string {
			if v := field(validationOptionFor(opts, args.Domain)); v != nil {
				return *v
			}
			return ""
		}).(pulumi.StringOutput)
	}
	// The record ACM asks for is the same for every certificate of this name in the account, so a
	// replacement certificate (or another stack's) may find it already there: take it over.
	record, err := route53.NewRecord(ctx, name+"-validation-record", &route53.RecordArgs{
		ZoneId: pulumi.String(args.ZoneID),
		Name:   option(func(o acm.CertificateDomainValidationOption) *string { return o.ResourceRecordName }),
		Type:   pulumi.String("CNAME"),
		Records: pulumi.StringArray{
			option(func(o acm.CertificateDomainValidationOption) *string { return o.ResourceRecordValue }),
		},
		Ttl:            pulumi.Int(validationRecordTTLSec),
		AllowOverwrite: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("create certificate validation record for %s: %w", args.Domain, err)
	}
	validation, err := acm.NewCertificateValidation(ctx, name+"-validation", &acm.CertificateValidationArgs{
		CertificateArn:        cert.Arn,
		ValidationRecordFqdns: pulumi.StringArray{record.Fqdn},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("create certificate validation for %s: %w", args.Domain, err)
	}
	c.ARN = validation.CertificateArn

	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"arn": c.ARN}); err != nil {
		return nil, err
	}
	return c, nil
}

// validationOptionFor picks the DNS validation option of a domain from a certificate's options.
// The certificate covers one name, so its only option is that name's when none names it exactly.
func validationOptionFor(opts []acm.CertificateDomainValidationOption, domain string) acm.CertificateDomainValidationOption {
	for _, o := range opts {
		if o.DomainName != nil && strings.EqualFold(strings.TrimSuffix(*o.DomainName, "."), domain) {
			return o
		}
	}
	if len(opts) == 1 {
		return opts[0]
	}
	return acm.CertificateDomainValidationOption{}
}
