package main

import (
	"strings"
	"testing"
	"time"
)

// heyOutput is hey v0.1.5's summary of a run, abridged.
const heyOutput = `
Summary:
  Total:	2.0028 secs
  Slowest:	0.0100 secs
  Fastest:	0.0001 secs
  Average:	0.0009 secs
  Requests/sec:	17132.4182
  
  Total data:	514680 bytes
  Size/request:	15 bytes

Latency distribution:
  10%% in 0.0002 secs
  50%% in 0.0007 secs
  95%% in 0.0024 secs
  99%% in 0.0049 secs

Status code distribution:
  [200]	34312 responses
`

func TestParseHey(t *testing.T) {
	r, err := parseHey(heyOutput)
	if err != nil {
		t.Fatalf("parseHey: %v", err)
	}
	if r.rps != 17132.4182 || r.p99 != 4900*time.Microsecond || r.requests != 34312 {
		t.Errorf("parseHey = %+v, want 17132.4182 req/s, p99 4.9ms, 34312 requests", r)
	}
}

func TestParseHeyRejects(t *testing.T) {
	tests := map[string]struct {
		output, wantErr string
	}{
		"non-200": {strings.Replace(heyOutput, "[200]\t34312 responses", "[200]\t34000 responses\n  [502]\t312 responses", 1), "312 responses with status 502"},
		"errors":  {heyOutput + "\nError distribution:\n  [12]\tGet \"http://127.0.0.1:1/\": dial tcp: connection refused\n", "hey saw errors"},
		"no rate": {strings.Replace(heyOutput, "Requests/sec", "Requests", 1), "no Requests/sec"},
		"no p99":  {strings.Replace(heyOutput, "99%%", "98%%", 1), "no 99% latency"},
		"empty":   {"", "no Requests/sec"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := parseHey(tt.output); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseHey error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	rps := func(r result) float64 { return r.rps }
	if got := median([]result{{rps: 3}, {rps: 1}, {rps: 2}}, rps); got != 2 {
		t.Errorf("median of 3, 1, 2 = %v, want 2", got)
	}
	if got := median([]result{{rps: 4}, {rps: 1}}, rps); got != 2.5 {
		t.Errorf("median of 4, 1 = %v, want 2.5", got)
	}
}

func TestPairedRatio(t *testing.T) {
	rps := func(r result) float64 { return r.rps }
	app := []result{{rps: 90}, {rps: 45}, {rps: 80}}
	bare := []result{{rps: 100}, {rps: 50}, {rps: 200}}
	if got := pairedRatio(app, bare, rps); got != 0.9 {
		t.Errorf("pairedRatio = %v, want 0.9 (the median of 0.9, 0.9, 0.4)", got)
	}
}
