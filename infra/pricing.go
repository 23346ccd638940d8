package main

import (
	"fmt"
	"math/big"
)

// price is a us-east-1 list price: what it is for, the amount in US dollars written as a decimal so
// it stays exact, the unit it is charged per, and where it is quoted, and when. The unit price
// table of docs/cost.md has one row per price, in these words.
type price struct {
	Item   string
	USD    string
	Unit   string
	Source string
}

// String is the price as people write it, e.g. "$0.045 per hour".
func (p price) String() string { return "$" + p.USD + " per " + p.Unit }

// rat is the price as an exact number.
func (p price) rat() *big.Rat {
	r, ok := new(big.Rat).SetString(p.USD)
	if !ok {
		panic(fmt.Sprintf("price %q is not a decimal", p.USD))
	}
	return r
}

// discount is a price cut at most, as a fraction ("0.70" is 70 % off), with its source.
type discount struct {
	Item     string
	Fraction string
	Source   string
}

// String is the discount as people write it, e.g. "up to 70 % off".
func (d discount) String() string {
	return "up to " + decimal(new(big.Rat).Mul(d.rat(), big.NewRat(100, 1))) + " % off"
}

// rat is the discount as an exact fraction.
func (d discount) rat() *big.Rat { return price{USD: d.Fraction}.rat() }

// priceTable holds every price the cost estimate and the waivers' costs use. The sources are
// third-party pages quoting the AWS price lists (aws.amazon.com/pricing was not reachable when
// they were collected); check the AWS Pricing Calculator before you budget.
type priceTable struct {
	FargateARMvCPUHour, FargateARMGBHour price
	FargateX86vCPUHour, FargateX86GBHour price
	SpotDiscount                         discount
	LoadBalancerHour, LCUHour            price
	NATGatewayHour, NATGatewayGB         price
	PublicIPv4Hour                       price
	EndpointZoneHour, EndpointGB         price
	LogsIngestedGB, LogsStoredGB         price
	ECRStorageGBMonth                    price
	S3StorageGBMonth                     price
	WebACLMonth, WAFRuleMonth            price
	WAFMillionRequests                   price
	KMSKeyMonth                          price
	SecretMonth                          price
	AlarmMetricMonth                     price
	DashboardMonth                       price
	HostedZoneMonth                      price
	DataTransferOutGB                    price
}

// usEast1Prices are the prices of us-east-1, with their sources.
func usEast1Prices() priceTable {
	const (
		fargate    = "vantage.sh/blog/fargate-pricing; wring.co, March 2026"
		nat        = "basavytix.com/blog/aws-nat-gateway-pricing; cloudburn.io/blog/aws-nat-gateway-pricing, February 2026"
		endpoint   = "egresscost.com/nat-gateway, March 2026"
		cloudwatch = "factualminds.com, Amazon CloudWatch pricing, June 2026; c3x.dev, aws_cloudwatch_metric_alarm"
		waf        = "c3x.dev/blog/aws-waf-cost-explained; awsnegotiations.com, WAF pricing strategy (2026)"
	)
	return priceTable{
		FargateARMvCPUHour: price{"Fargate Linux ARM, vCPU", "0.03238", "vCPU-hour", fargate},
		FargateARMGBHour:   price{"Fargate Linux ARM, memory", "0.00356", "GB-hour", fargate},
		FargateX86vCPUHour: price{"Fargate Linux x86, vCPU", "0.04048", "vCPU-hour", fargate},
		FargateX86GBHour:   price{"Fargate Linux x86, memory", "0.004445", "GB-hour", fargate},
		SpotDiscount:       discount{"Fargate Spot", "0.70", "wring.co, March 2026; ECS documentation, Fargate capacity providers"},
		LoadBalancerHour:   price{"Application Load Balancer", "0.0225", "hour", "cloud-horizons.com, ALB: the line item nobody watches, May 2026"},
		LCUHour:            price{"Load balancer capacity unit", "0.008", "LCU-hour", "cloud-horizons.com, ALB: the line item nobody watches, May 2026"},
		NATGatewayHour:     price{"NAT gateway", "0.045", "hour", nat},
		NATGatewayGB:       price{"NAT gateway data", "0.045", "GB processed", nat},
		PublicIPv4Hour:     price{"Public IPv4 address", "0.005", "address-hour (charged since 1 February 2024)", "harsharya.me/blog/aws-ipv4-charge; cloudburn.io/blog/aws-nat-gateway-pricing, February 2026"},
		EndpointZoneHour:   price{"Interface VPC endpoint", "0.01", "hour per zone", endpoint},
		EndpointGB:         price{"Interface VPC endpoint data", "0.01", "GB processed", endpoint},
		LogsIngestedGB:     price{"CloudWatch Logs ingestion", "0.50", "GB ingested", "c3x.dev, CloudWatch Logs, June 2026"},
		LogsStoredGB:       price{"CloudWatch Logs storage", "0.03", "GB-month stored", "c3x.dev, CloudWatch Logs, June 2026"},
		ECRStorageGBMonth:  price{"ECR storage", "0.10", "GB-month", "cloudburn.io/blog/amazon-ecr-pricing, March 2026"},
		S3StorageGBMonth:   price{"S3 storage", "0.023", "GB-month (S3 Standard)", "devnotes.tech, Understanding AWS S3 pricing (undated; read December 2026)"},
		WebACLMonth:        price{"WAF web ACL", "5", "web ACL-month", waf},
		WAFRuleMonth:       price{"WAF rule", "1", "rule-month", waf},
		WAFMillionRequests: price{"WAF requests", "0.60", "million requests", waf},
		KMSKeyMonth:        price{"KMS customer managed key", "1", "key-month", "cloudburn.io/blog/aws-kms-pricing, March 2026; aws.amazon.com/kms/pricing"},
		SecretMonth:        price{"Secrets Manager secret", "0.40", "secret-month", "hivebook.wiki, AWS Secrets Manager (undated; read December 2026)"},
		AlarmMetricMonth:   price{"CloudWatch alarm", "0.10", "alarm metric-month (standard resolution)", cloudwatch},
		DashboardMonth:     price{"CloudWatch dashboard", "3", "dashboard-month (an account's first 3 are free)", cloudwatch},
		HostedZoneMonth:    price{"Route 53 hosted zone", "0.50", "hosted zone-month", "ns1.com/resources/aws-dns (undated; read December 2026)"},
		DataTransferOutGB:  price{"Data transfer out", "0.09", "GB out to the internet", "devnotes.tech, Understanding AWS S3 pricing (undated; read December 2026)"},
	}
}

// monthlyUsage is what the estimate assumes a month of a quiet API uses, beyond the resources the
// stack declares.
type monthlyUsage struct {
	Hours int64
	// LCUs is the load balancer's average capacity units (a quiet API uses less than one).
	LCUs int64
	// EgressGB goes through the NAT gateways or the interface endpoints: image pulls, logs, calls out.
	EgressGB int64
	// LogGB is ingested per log stream: the app's, and the flow logs' when they are on.
	LogGB int64
	// ImageGB is stored in each ECR repository; AccessLogGB in the access-log bucket.
	ImageGB, AccessLogGB int64
}

// quietMonth is the month the estimate prices.
func quietMonth() monthlyUsage {
	return monthlyUsage{Hours: 730, LCUs: 1, EgressGB: 10, LogGB: 1, ImageGB: 1, AccessLogGB: 1}
}
